"""Legal pages, the email activation link, "Forgot username" and phone verification.

allauth renders sign-up, the activation-code page and the password pages; these views are
what it lacks (see the module docstrings of emails.py and stages.py).
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.email_verification import (
    consume_email_verification_rate_limit,
)
from allauth.account.internal.flows.email_verification_by_code import (
    EMAIL_VERIFICATION_CODE_SESSION_KEY,
)
from allauth.account.stages import EmailVerificationStage, LoginStageController
from allauth.account.views import ConfirmEmailVerificationCodeView
from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.core.mail import send_mail
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic.edit import FormView

from portico.core.notifications import GatewayError
from portico.core.text import wait_text
from portico.identity import emails, phones, ratelimits, selectors, services
from portico.identity.forms import ChangeEmailForm, CodeForm, ForgotUsernameForm, PhoneForm
from portico.identity.middleware import session_mfa_verified
from portico.identity.models import LegalDocument, PhoneVerification
from portico.identity.stages import VERIFY_PHONE_KEY

VOICE_SESSION_KEY = "portico_voice_code"  # {"purpose": ..., "pk": ..., "code": ...}
# The phone number a code proved in this session (lets "use my phone" count as MFA).
PHONE_PROVEN_KEY = "portico_phone_proven"


# --- legal documents ----------------------------------------------------------------
def _legal(request: HttpRequest, kind: str) -> HttpResponse:
    document = selectors.legal_document_current(kind=kind)
    if document is None:
        raise Http404
    return render(request, "identity/legal.html", {"document": document})


@require_GET
def terms(request: HttpRequest) -> HttpResponse:
    return _legal(request, LegalDocument.Kind.TERMS)


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    return _legal(request, LegalDocument.Kind.PRIVACY)


# --- email activation code ----------------------------------------------------------
class EmailCodeView(ConfirmEmailVerificationCodeView):
    """allauth's "Verify your email address" page (the activation code), repaired where it
    fails the user (allauth 65):

    - "Correct your email address" with a mistyped address raised AttributeError (allauth calls
      ``_change_form_invalid``, which only its phone view defines): the error now shows next
      to the field, and the address obeys the sign-up's rules (``forms.ChangeEmailForm``);
    - "Send a new code" within the resend interval of the last email showed the bare "Too
      many attempts" page and left the flow: the page now says how long to wait;
    - after the last wrong code the sign-in page said "Too many failed sign-in attempts";
      it now says what happened and that signing in sends a new code;
    - a "Correct your email address" or "Send a new code" posted after the last one allowed
      (from a page opened before, another tab) was taken as a code: "This field is required."
      and a wrong attempt counted. It now says that the address cannot be changed again (or
      that no new code can be sent) and the page stays as it was.
    """

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        action = request.POST.get("action")
        email = self._process.state["email"]
        refused = ""
        if action == "change" and not self._process.can_change:
            refused = (
                f"The email address cannot be changed again. Enter the code we sent to {email}."
            )
        elif action == "resend" and not self._process.can_resend:
            refused = f"No more new codes can be sent. Enter the last code we sent to {email}."
        if refused:
            messages.error(request, refused)
            return HttpResponseRedirect(
                self.passthrough_next_url(reverse("account_email_verification_sent"))
            )
        return super().post(request, *args, **kwargs)  # type: ignore[no-any-return]

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["code_lifetime"] = wait_text(settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT)
        return context

    def _get_change_form_class(self) -> type[ChangeEmailForm]:
        return ChangeEmailForm

    def _change_form_invalid(self, form: Any) -> HttpResponse:
        return FormView.form_invalid(self, form)

    def _resend_form_valid(self, form: Any) -> HttpResponse:
        if not consume_email_verification_rate_limit(
            self.request, self._process.email, dry_run=True
        ):
            left = ratelimits.wait_seconds(
                self.request, action="confirm_email", key=self._process.email.lower()
            )
            messages.error(
                self.request,
                "We sent you a code moments ago: check your inbox. A new code can be sent in "
                f"{wait_text(max(left, 1))}.",
            )
            return HttpResponseRedirect(reverse("account_email_verification_sent"))
        return super()._resend_form_valid(form)

    def _verify_form_invalid(self, form: Any) -> HttpResponse:
        if self._process.record_invalid_attempt():
            return FormView.form_invalid(self, form)
        # allauth has dropped the code (and the sign-in in progress, if any).
        if self.request.user.is_authenticated:  # a new address added in My Profile
            messages.error(
                self.request, "Too many wrong codes. Add the address again to get a new code."
            )
            return HttpResponseRedirect(reverse("account_email"))
        messages.error(
            self.request,
            "Too many wrong activation codes. Sign in to receive a new code and link.",
        )
        return HttpResponseRedirect(reverse("account_login"))


email_verification_sent = never_cache(EmailCodeView.as_view())


# --- email activation link ----------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def verify_email_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button (mail scanners follow links); POST verifies."""
    try:
        address = emails.address_for_token(token)
    except emails.LinkInvalid as exc:
        change = emails.pending_change_for_token(request, token)
        if change is None:
            return render(request, "identity/email_link.html", {"problem": exc.reason}, status=400)
        return _verify_email_change(request, change)
    if address.verified:
        return render(request, "identity/email_link.html", {"problem": "used"}, status=400)
    if request.method == "GET":
        return render(request, "identity/email_link.html", {"address": address})
    get_adapter(request).confirm_email(request, address)
    stage = LoginStageController.enter(request, EmailVerificationStage.key)
    if stage is not None and stage.login.user and stage.login.user.pk == address.user_id:
        # Same browser as the sign-up: carry on with the flow (phone, then MFA set-up).
        request.session.pop(EMAIL_VERIFICATION_CODE_SESSION_KEY, None)
        return stage.exit()
    return render(request, "identity/email_link.html", {"address": address, "done": True})


def _verify_email_change(request: HttpRequest, change: Any) -> HttpResponse:
    """The link of a signed-in user's email change (see emails.pending_change_for_token)."""
    if request.method == "GET":
        return render(request, "identity/email_link.html", {"address": change.email_address})
    address = change.finish()  # verified, made primary; the old address goes (allauth)
    if address is None:
        return render(request, "identity/email_link.html", {"problem": "invalid"}, status=400)
    return render(request, "identity/email_link.html", {"address": address, "done": True})


# --- forgot username ----------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
def forgot_username(request: HttpRequest) -> HttpResponse:
    """Emails the usernames tied to an address; the page never says whether it exists."""
    form = ForgotUsernameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        # Per IP and per address, whether or not the address exists (no enumeration).
        if not ratelimit.consume(request, action="forgot_username", key=email.lower()):
            form.add_error(
                None, "Too many requests for this address. Wait an hour, then try again."
            )
            return render(request, "identity/forgot_username.html", {"form": form}, status=429)
        usernames = selectors.usernames_for_email(email=email)
        context = {
            "usernames": usernames,
            "login_url": request.build_absolute_uri(reverse("account_login")),
            "signup_url": request.build_absolute_uri(reverse("account_signup")),
            "idp_name": settings.PORTICO_BRAND["idp_name"],
        }
        send_mail(
            render_to_string("identity/email/forgot_username_subject.txt", context).strip(),
            render_to_string("identity/email/forgot_username_message.txt", context),
            None,
            [email],
        )
        return render(request, "identity/forgot_username.html", {"sent_to": email, "form": None})
    return render(request, "identity/forgot_username.html", {"form": form})


# --- phone verification ---------------------------------------------------------------
def _phone_subject(request: HttpRequest) -> tuple[Any, Any]:
    """(user, stage): the signing-up user of a pending login stage, or the signed-in user."""
    stage = LoginStageController.enter(request, VERIFY_PHONE_KEY)
    if stage is not None and stage.login.user is not None:
        return stage.login.user, stage
    if request.user.is_authenticated:
        return request.user, None
    return None, None


def phone_in_full(request: HttpRequest, *, in_signup: bool) -> bool:
    """Whether a page may show the user's whole phone number: where the user just typed it
    (the sign-up's verification step) or once the session has passed its second factor.
    Otherwise (a password alone, the MFA stage) only its last four digits."""
    return in_signup or (request.user.is_authenticated and session_mfa_verified(request))


def phone_shown(request: HttpRequest, user: Any, *, in_signup: bool) -> str:
    """The user's phone named in a sentence: "+1 202-555-0143" or "the phone number ending
    in 0143" (``phone_in_full``)."""
    if not user.phone:
        return ""
    if phone_in_full(request, in_signup=in_signup):
        return phones.display(user.phone)
    return f"the phone number {phones.masked(user.phone)}"


def send_code(
    request: HttpRequest, *, user: Any, channel: str, purpose: str, shown: str = ""
) -> bool:
    """Send a code and tell the user; the voice code is kept in the session to show.

    ``shown`` names the phone in the message (``phone_shown``); a sign-in code, asked for
    before sign-in is complete, always names it by its last four digits only.
    """
    try:
        sent = services.phone_code_send(user=user, channel=channel, purpose=purpose)
    except services.PhoneRateLimited as exc:
        messages.error(request, exc.message)
        return False
    except GatewayError:
        messages.error(
            request, "We could not reach the phone service. Wait a moment, then try again."
        )
        return False
    if purpose == PhoneVerification.Purpose.SIGN_IN or not shown:
        shown = f"your phone {phones.masked(user.phone)}"
    if channel == PhoneVerification.Channel.VOICE:
        request.session[VOICE_SESSION_KEY] = {
            "purpose": purpose,
            "pk": sent.verification.pk,
            "code": sent.code,
        }
        messages.info(request, f"We are calling {shown} now.")
    else:
        request.session.pop(VOICE_SESSION_KEY, None)
        messages.success(request, f"We sent a text message with a code to {shown}.")
    return True


def voice_state(request: HttpRequest, *, purpose: str) -> dict[str, Any] | None:
    data = request.session.get(VOICE_SESSION_KEY)
    if not data or data.get("purpose") != purpose:
        return None
    verification = PhoneVerification.objects.filter(pk=data["pk"]).first()
    if verification is None:
        return None
    return {"code": data["code"], "verification": verification}


@never_cache
@require_http_methods(["GET", "POST"])
def verify_phone(request: HttpRequest) -> HttpResponse:
    user, stage = _phone_subject(request)
    if user is None:
        return redirect("account_login")
    purpose = PhoneVerification.Purpose.VERIFY
    form = CodeForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("sms", "voice"):
            if not user.phone_verified:
                shown = phone_shown(request, user, in_signup=stage is not None)
                send_code(request, user=user, channel=action, purpose=purpose, shown=shown)
            return redirect(f"{reverse('identity:verify_phone')}?channel={action}")
        if action == "skip":
            services.phone_verification_skip(user=user)
            request.session.pop(VOICE_SESSION_KEY, None)
            if stage is not None:
                stage.state["skipped"] = True
                messages.info(request, "You can verify your phone number later from My Profile.")
                return stage.exit()
            return redirect("identity:profile")
        if action == "continue" and user.phone_verified:
            request.session.pop(VOICE_SESSION_KEY, None)
            if stage is not None:
                return stage.exit()
            return redirect("identity:profile")
        if action == "check":
            form = CodeForm(request.POST)
            if form.is_valid():
                result = services.phone_code_check(
                    user=user, code=form.cleaned_data["code"], purpose=purpose
                )
                if result is services.PhoneCheck.OK:
                    request.session[PHONE_PROVEN_KEY] = user.phone
                    return redirect("identity:verify_phone")
                form.add_error("code", services.PHONE_CHECK_MESSAGES[result])
    user.refresh_from_db(fields=["phone", "phone_verified"])
    if user.phone_verified and request.session.get(VOICE_SESSION_KEY):
        request.session[PHONE_PROVEN_KEY] = user.phone
    latest = selectors.phone_verification_latest(user=user, purpose=purpose)
    channel = request.GET.get("channel", "") or (latest.channel if form.is_bound and latest else "")
    return render(
        request,
        "identity/verify_phone.html",
        {
            "subject": user,
            "in_signup": stage is not None,
            "phone_display": phone_shown(request, user, in_signup=stage is not None),
            "verified": user.phone_verified,
            "channel": channel if latest else "",
            "form": form,
            "voice": voice_state(request, purpose=purpose) if channel == "voice" else None,
        },
    )


@never_cache
@require_GET
def verify_phone_status(request: HttpRequest) -> HttpResponse:
    """Polled by htmx while the verification call rings; redirects once keyed correctly."""
    user, _ = _phone_subject(request)
    if user is None:
        return HttpResponse(status=204)
    state = voice_state(request, purpose=PhoneVerification.Purpose.VERIFY)
    if state is None:
        return HttpResponse(status=204)
    verification = state["verification"]
    if verification.status == PhoneVerification.Status.VERIFIED:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = reverse("identity:verify_phone")
        return response
    return render(request, "identity/_voice_status.html", {"verification": verification})


@never_cache
@require_http_methods(["GET", "POST"])
def update_phone(request: HttpRequest) -> HttpResponse:
    user, stage = _phone_subject(request)
    if user is None:
        return redirect("account_login")
    initial = {
        "phone_country": phones.region_of(user.phone) or settings.PORTICO_PHONE_DEFAULT_REGION
    }
    form = PhoneForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.phone_update(user=user, phone=form.cleaned_data["phone"])
        request.session.pop(VOICE_SESSION_KEY, None)
        messages.success(request, "Phone number updated. Verify it to finish.")
        return HttpResponseRedirect(reverse("identity:verify_phone"))
    return render(
        request,
        "identity/update_phone.html",
        {
            "form": form,
            "in_signup": stage is not None,
            "current": phones.display(user.phone)
            if phone_in_full(request, in_signup=stage is not None)
            else phones.masked(user.phone),
        },
    )

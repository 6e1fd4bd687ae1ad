"""Second factors: the "Switch to faster and more secure sign-in methods" step, the phone
factor (sign-in stage and enrolment), and verifying a session that lacks MFA.

Passkeys, authenticator apps and recovery codes are allauth's views (``mfa_*``); these pages
link to them. The phone factor is Portico's (see stages.PhoneMFAStage).
"""

from __future__ import annotations

import time
from typing import Any

from allauth.account.decorators import reauthentication_required
from allauth.account.internal.flows.login import record_authentication
from allauth.account.stages import LoginStageController
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.internal.constants import LoginStageKey as MFALoginStageKey
from allauth.mfa.webauthn.views import RemoveWebAuthnView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.identity import phones, selectors, services
from portico.identity.adapter import LAST_FACTOR_MESSAGE
from portico.identity.forms import CodeForm
from portico.identity.middleware import session_mfa_verified
from portico.identity.models import PhoneVerification
from portico.identity.stages import MFA_PHONE_KEY
from portico.identity.views.verification import (
    PHONE_PROVEN_KEY,
    VOICE_SESSION_KEY,
    phone_shown,
    send_code,
    voice_state,
)

SETUP_SESSION_KEY = "portico_mfa_setup"
NEXT_SESSION_KEY = "portico_mfa_next"
PHONE_MFA_OK_KEY = "portico_phone_mfa_ok"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return ""


def _continue_url(request: HttpRequest) -> str:
    return request.session.get(NEXT_SESSION_KEY) or settings.LOGIN_REDIRECT_URL


@never_cache
@login_required
@require_GET
def mfa_setup(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_SESSION_KEY] = next_url
    request.session[SETUP_SESSION_KEY] = True
    types = selectors.mfa_factor_types(user=user)
    has_recovery = selectors.has_recovery_codes(user=user)
    return render(
        request,
        "identity/mfa_setup.html",
        {
            "has_passkey": "webauthn" in types,
            "has_totp": "totp" in types,
            "has_phone_factor": "phone" in types,
            "has_recovery": has_recovery,
            "has_any": bool(types),
            "legacy_email_mfa": user.legacy_email_mfa and not types,
            "phone_display": phone_shown(request, user, in_signup=False),
            "phone_verified": user.phone_verified,
            "continue_url": _continue_url(request),
            "mfa_required": settings.PORTICO_MFA_REQUIRED,
        },
    )


@never_cache
@login_required
@require_GET
def mfa_done(request: HttpRequest) -> HttpResponse:
    """The "Continue" of the set-up step: leave set-up and go where the user was going."""
    if settings.PORTICO_MFA_REQUIRED and not selectors.has_mfa_factor(user=request.user):
        messages.error(request, "Set up at least one sign-in method to continue.")
        return redirect("identity:mfa_setup")
    request.session.pop(SETUP_SESSION_KEY, None)
    target = request.session.pop(NEXT_SESSION_KEY, None) or settings.LOGIN_REDIRECT_URL
    if not session_mfa_verified(request):
        return redirect(f"{reverse('identity:mfa_verify')}?{urlencode({'next': target})}")
    return redirect(target)


@never_cache
@login_required
@require_POST
# Adding a factor is as sensitive as removing one (allauth asks the same before activating an
# authenticator app): a session left open must not let someone else add their way in. Right
# after sign-up or sign-in this passes straight through (AccountAdapter).
@reauthentication_required(app="allauth.mfa")
def mfa_phone_enable(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    try:
        services.phone_factor_enable(user=user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("identity:verify_phone")
    if request.session.get(PHONE_PROVEN_KEY) == user.phone and not session_mfa_verified(request):
        # The phone was verified by a code in this very session: that proves possession.
        record_authentication(request, user, method="mfa", type="phone", enrolled=True)
    messages.success(request, "You can now receive sign-in codes by text message or call.")
    if request.POST.get("return_to") == "profile":
        return redirect("identity:profile")
    return redirect("identity:mfa_setup")


@never_cache
@login_required
@require_POST
# Like allauth's own "deactivate authenticator app" and "remove passkey": a session that has
# not (re-)authenticated in the last few minutes is sent to confirm it is the user first;
# the form's POST is replayed once they have.
@reauthentication_required(app="allauth.mfa")
def mfa_phone_disable(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    others = [t for t in selectors.mfa_factor_types(user=user) if t != "phone"]
    if settings.PORTICO_MFA_REQUIRED and not others:
        messages.error(
            request, "Add a passkey or an authenticator app before removing your last method."
        )
    else:
        services.phone_factor_disable(user=user)
        messages.success(request, "Sign-in codes by phone are turned off.")
    return redirect("identity:profile")


class RemovePasskeyView(RemoveWebAuthnView):
    """allauth's "Remove passkey", which asks the MFA adapter nothing (its authenticator-app
    removal does): the last sign-in method stays while MFA is required
    (``MFAAdapter.can_delete_authenticator``), as for the app and the phone."""

    def form_valid(self, form: Any) -> HttpResponse:
        if not get_mfa_adapter().can_delete_authenticator(self.get_object()):
            messages.error(self.request, LAST_FACTOR_MESSAGE)
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)


remove_passkey = RemovePasskeyView.as_view()


@never_cache
@login_required
@require_GET
def mfa_verify(request: HttpRequest) -> HttpResponse:
    """A signed-in session without MFA (the gate sent it here): pick a factor to prove."""
    user: Any = request.user
    next_url = _safe_next(request, request.GET.get("next"))
    if next_url:
        request.session[NEXT_SESSION_KEY] = next_url
    if session_mfa_verified(request):
        return redirect(_continue_url(request))
    types = selectors.mfa_factor_types(user=user)
    if not types:
        return redirect("identity:mfa_setup")
    return render(
        request,
        "identity/mfa_verify.html",
        {
            "types": types,
            "next": _continue_url(request),
            "phone_display": phones.masked(user.phone),
        },
    )


def _mfa_phone_subject(request: HttpRequest) -> tuple[Any, Any]:
    for key in (MFA_PHONE_KEY, MFALoginStageKey.MFA_AUTHENTICATE.value):
        stage = LoginStageController.enter(request, key)
        if stage is not None and stage.login.user is not None:
            return stage.login.user, stage
    if request.user.is_authenticated:
        return request.user, None
    return None, None


def _finish_phone_mfa(request: HttpRequest, user: Any, stage: Any) -> HttpResponse:
    request.session.pop(VOICE_SESSION_KEY, None)
    request.session.pop(PHONE_MFA_OK_KEY, None)
    if stage is not None:
        return stage.exit()
    return redirect(_continue_url(request))


@never_cache
@require_http_methods(["GET", "POST"])
def mfa_phone(request: HttpRequest) -> HttpResponse:
    """Sign-in code by text or call to the verified phone (login stage or session check)."""
    user, stage = _mfa_phone_subject(request)
    if user is None or not selectors.has_phone_factor(user=user):
        return redirect("account_login")
    purpose = PhoneVerification.Purpose.SIGN_IN
    form = CodeForm()
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("sms", "voice"):
            send_code(request, user=user, channel=action, purpose=purpose)
            return redirect(f"{reverse('identity:mfa_phone')}?channel={action}")
        if action == "continue" and request.session.get(PHONE_MFA_OK_KEY):
            return _finish_phone_mfa(request, user, stage)
        if action == "check":
            form = CodeForm(request.POST)
            if form.is_valid():
                result = services.phone_code_check(
                    user=user, code=form.cleaned_data["code"], purpose=purpose
                )
                if result is services.PhoneCheck.OK:
                    record_authentication(request, user, method="mfa", type="phone")
                    return _finish_phone_mfa(request, user, stage)
                form.add_error("code", services.PHONE_CHECK_MESSAGES[result])
    latest = selectors.phone_verification_latest(user=user, purpose=purpose)
    channel = request.GET.get("channel", "") or (latest.channel if form.is_bound and latest else "")
    return render(
        request,
        "identity/mfa_phone.html",
        {
            "form": form,
            "channel": channel if latest else "",
            "phone_masked": phones.masked(user.phone),
            "voice": voice_state(request, purpose=purpose) if channel == "voice" else None,
            "voice_ok": bool(request.session.get(PHONE_MFA_OK_KEY)),
            "in_login": stage is not None,
            "other_methods": stage is not None
            and stage.key == MFALoginStageKey.MFA_AUTHENTICATE.value,
        },
    )


@never_cache
@require_GET
def mfa_phone_status(request: HttpRequest) -> HttpResponse:
    """Polled while the sign-in call rings. A correct keyed code completes this factor for
    the session that asked for the call (and only that one)."""
    user, _ = _mfa_phone_subject(request)
    if user is None:
        return HttpResponse(status=204)
    state = voice_state(request, purpose=PhoneVerification.Purpose.SIGN_IN)
    if state is None:
        return HttpResponse(status=204)
    verification = state["verification"]
    if verification.status == PhoneVerification.Status.VERIFIED and verification.user_id == user.pk:
        if not request.session.get(PHONE_MFA_OK_KEY):
            record_authentication(request, user, method="mfa", type="phone", channel="voice")
            request.session[PHONE_MFA_OK_KEY] = time.time()
        response = HttpResponse(status=200)
        response["HX-Redirect"] = reverse("identity:mfa_phone") + "?channel=voice"
        return response
    return render(request, "identity/_voice_status.html", {"verification": verification})

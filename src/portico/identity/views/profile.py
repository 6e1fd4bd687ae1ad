"""My Profile, and the endpoints of the idle-timeout warning."""

from __future__ import annotations

import time
from typing import Any

from allauth.account import views as allauth_views
from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from portico.core.text import wait_text
from portico.identity import phones, presenters, ratelimits, selectors, services
from portico.identity.forms import PreferencesForm, UsernameForm
from portico.identity.middleware import LAST_ACTIVITY_KEY
from portico.identity.passwords import active_policy, password_expires_at


def _profile_context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    user: Any = request.user
    return {
        "profile_user": user,
        "emails": EmailAddress.objects.filter(user_id=user.pk).order_by("-primary", "email"),
        "phone_display": phones.display(user.phone),
        "factor_types": selectors.mfa_factor_types(user=user),
        "authenticators": selectors.authenticators_for(user=user),
        "has_recovery": selectors.has_recovery_codes(user=user),
        "policy": active_policy(),
        "password_expires_at": password_expires_at(user),
        "session_count": UserSession.objects.filter(user_id=user.pk).count(),
        "activity": [
            (event, presenters.activity_text(event))
            for event in selectors.activity_for_user(user=user, limit=15)
        ],
        "username_form": extra.pop("username_form", None) or UsernameForm(),
        "preferences_form": extra.pop("preferences_form", None) or PreferencesForm(instance=user),
        **extra,
    }


@never_cache
@login_required
@require_GET
def profile(request: HttpRequest) -> HttpResponse:
    return render(request, "identity/profile.html", _profile_context(request))


@never_cache
@login_required
@require_POST
def profile_username(request: HttpRequest) -> HttpResponse:
    form = UsernameForm(request.POST)
    if form.is_valid():
        try:
            services.username_change(user=request.user, username=form.cleaned_data["username"])  # type: ignore[arg-type]
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error("username", message)
        else:
            messages.success(request, "Your username has been changed.")
            return redirect("identity:profile")
    return render(
        request, "identity/profile.html", _profile_context(request, username_form=form), status=400
    )


@never_cache
@login_required
@require_POST
def profile_preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if form.is_valid():
        services.preferences_update(
            user=request.user,  # type: ignore[arg-type]
            preferred_language=form.cleaned_data["preferred_language"],
            notify_security_email=form.cleaned_data["notify_security_email"],
            notify_password_expiry_email=form.cleaned_data["notify_password_expiry_email"],
        )
        messages.success(request, "Your preferences have been saved.")
        response = redirect("identity:profile")
        language = form.cleaned_data["preferred_language"]
        if language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        else:
            response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    return render(
        request,
        "identity/profile.html",
        _profile_context(request, preferences_form=form),
        status=400,
    )


class _AttemptsAnsweredOnPage:
    """For allauth's password pages: after allauth's limit of attempts (five a minute,
    ``change_password``, shared by "Change password" and "Set password") the next one showed
    the bare "Too many requests" page. It now stays on the page and says how long to wait. The
    refused attempt is neither checked (the limit guards the current password) nor counted."""

    too_many = "Too many attempts to change your password."

    def answers_limit(self, request: HttpRequest) -> bool:
        return request.method == "POST" and request.user.is_authenticated

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if self.answers_limit(request):
            wait = ratelimits.wait_seconds(request, action="change_password")
            if wait:
                view: Any = self
                form = view.get_form_class()(user=request.user)
                form.cleaned_data = {}  # an unbound form, so that it can carry the error
                form.add_error(None, f"{self.too_many} Wait {wait_text(wait)}, then try again.")
                return view.render_to_response(  # type: ignore[no-any-return]
                    view.get_context_data(form=form), status=429
                )
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc,no-any-return]


class PasswordChangeView(_AttemptsAnsweredOnPage, allauth_views.PasswordChangeView):
    """allauth's "Change password" page (its path), limit answered on the page."""


class PasswordSetView(_AttemptsAnsweredOnPage, allauth_views.PasswordSetView):
    """allauth's "Set password" page (its path), for an account without a password yet;
    limit answered on the page. An account with a password is sent to "Change password" by
    allauth, limited or not."""

    too_many = "Too many attempts to set your password."

    def answers_limit(self, request: HttpRequest) -> bool:
        user = request.user
        if not (super().answers_limit(request) and user.is_authenticated):
            return False
        return not user.has_usable_password()


password_change = never_cache(PasswordChangeView.as_view())
password_set = never_cache(PasswordSetView.as_view())


def _remaining(request: HttpRequest) -> int:
    last = float(request.session.get(LAST_ACTIVITY_KEY) or time.time())
    return max(int(settings.PORTICO_SESSION_IDLE_SECONDS - (time.time() - last)), 0)


@never_cache
@require_GET
def session_status(request: HttpRequest) -> JsonResponse:
    """Seconds of inactivity left; does not count as activity itself."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    return JsonResponse(
        {
            "authenticated": True,
            "remaining": _remaining(request),
            "warning": settings.PORTICO_SESSION_WARNING_SECONDS,
        }
    )


@never_cache
@require_POST
def session_extend(request: HttpRequest) -> JsonResponse:
    """ "Stay signed in": any request counts as activity; this one only says so."""
    if not request.user.is_authenticated:
        return JsonResponse({"authenticated": False}, status=401)
    return JsonResponse({"authenticated": True, "remaining": _remaining(request)})

"""Existing users: link a previous-portal username to the signed-in Portico ID."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portico.connect.forms.practice import LegacyCodeForm, LegacyLinkForm
from portico.organizations.selectors import legacy_accounts_matching
from portico.organizations.services.legacy import (
    LegacyLinkError,
    legacy_code_send,
    legacy_link_with_code,
    legacy_link_with_password,
)

_SESSION_KEY = "connect_legacy_challenge"


def _linked(request: HttpRequest, username: str) -> HttpResponse:
    messages.success(
        request,
        f"Your previous username {username} is now linked. From now on, sign in with your "
        f"{settings.PORTICO_BRAND['idp_name']} only.",
    )
    return redirect("connect:home")


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def link(request: HttpRequest) -> HttpResponse:
    matches = list(legacy_accounts_matching(user=request.user))
    initial = {"username": matches[0].username} if len(matches) == 1 else {}
    form = LegacyLinkForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        username = form.cleaned_data["username"]
        if form.cleaned_data["method"] == "password":
            try:
                account = legacy_link_with_password(
                    user=request.user, username=username, password=form.cleaned_data["password"]
                )
            except LegacyLinkError as exc:
                form.add_error(None, str(exc))
            else:
                return _linked(request, account.username)
        else:
            challenge = legacy_code_send(user=request.user, username=username)
            request.session[_SESSION_KEY] = challenge.pk if challenge else None
            messages.info(
                request,
                "If that username can be linked, we emailed a 6-digit code to the email address "
                "on file for it. The code expires in 15 minutes.",
            )
            return redirect("connect:legacy-code")
    return render(
        request,
        "connect/legacy_link.html",
        {"form": form, "matches": matches},
        status=400 if form.errors else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def code(request: HttpRequest) -> HttpResponse:
    form = LegacyCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        challenge_id = request.session.get(_SESSION_KEY)
        try:
            if not challenge_id:
                raise LegacyLinkError("That code is not right. Ask for a new code.")
            account = legacy_link_with_code(
                user=request.user, challenge_id=challenge_id, code=form.cleaned_data["code"].strip()
            )
        except LegacyLinkError as exc:
            form.add_error("code", str(exc))
        else:
            request.session.pop(_SESSION_KEY, None)
            return _linked(request, account.username)
    return render(
        request, "connect/legacy_code.html", {"form": form}, status=400 if form.errors else 200
    )

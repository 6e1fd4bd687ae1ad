"""A signer's emailed link: sign one line of an access form (no sign-in; the token is the
credential). Unknown tokens answer 404; used or expired links, or a form already signed
another way, get a page saying so."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portico.connect import content
from portico.connect.forms.access import SignerSignatureForm
from portico.core.middleware import client_ip
from portico.organizations.selectors import signature_for_token, signature_problem
from portico.organizations.services.access import AccessRequestError
from portico.organizations.services.signatures import access_request_signature_sign
from portico.organizations.transitions import TransitionNotAllowed


@never_cache
@require_http_methods(["GET", "POST"])
def sign(request: HttpRequest, token: str) -> HttpResponse:
    signature = signature_for_token(token=token)
    problem = signature_problem(signature=signature)
    if signature is None or problem:
        return render(
            request,
            "connect/sign.html",
            {"problem": problem, "signature": None},
            status=404 if signature is None else 410,
        )
    form = SignerSignatureForm(request.POST or None, expected_name=signature.name)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                access_request_signature_sign(
                    token=token,
                    typed_name=form.cleaned_data["typed_name"],
                    ip_address=client_ip(request),
                )
            except (AccessRequestError, TransitionNotAllowed) as exc:
                form.add_error(None, str(exc))
            else:
                return render(
                    request, "connect/sign.html", {"signed": True, "signature": signature}
                )
        status = 400
    return render(
        request,
        "connect/sign.html",
        {
            "signature": signature,
            "access_request": signature.access_request,
            "form": form,
            "content": content,
        },
        status=status,
    )

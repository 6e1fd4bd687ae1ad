"""The voice provider's webhook: the digits the callee keyed during a verification call.

Twilio-compatible: the provider POSTs ``Digits`` to the ``action`` URL of the ``<Gather>``
(see portico.core.notifications.HttpGateway) and signs the request with
``X-Twilio-Signature`` = base64(HMAC-SHA1(auth token, URL + sorted POST params)). The same
callback answers the development outbox's simulated calls.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from portico.identity import services


def signature_valid(request: HttpRequest) -> bool:
    token = settings.PORTICO_SMS_GATEWAY_TOKEN
    if not token:
        return False
    url = settings.PORTICO_BASE_URL.rstrip("/") + request.get_full_path()
    payload = url + "".join(f"{k}{v}" for k, v in sorted(request.POST.items()))
    expected = base64.b64encode(
        hmac.new(token.encode(), payload.encode(), hashlib.sha1).digest()
    ).decode()
    return hmac.compare_digest(expected, request.headers.get("X-Twilio-Signature", ""))


@csrf_exempt  # called by the provider, authenticated by its signature instead
@require_POST
def voice_webhook(request: HttpRequest, call_ref: str) -> HttpResponse:
    if not signature_valid(request):
        return HttpResponse(status=403)
    accepted = services.phone_voice_answer(call_ref=call_ref, digits=request.POST.get("Digits", ""))
    text = (
        "Thank you. Your code was accepted. You can return to your screen."
        if accepted
        else "Sorry, that code was not accepted. Please return to your screen and try again."
    )
    return HttpResponse(
        f"<Response><Say>{text}</Say><Hangup/></Response>", content_type="application/xml"
    )

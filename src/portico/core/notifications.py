"""Text-message and voice-call gateways.

``OutboxGateway`` records messages for the development outbox (a developer "answers" a
voice call there by keying the code). ``HttpGateway`` talks to a Twilio-compatible REST API
(the de-facto interface many SMS/voice providers offer), configured by environment
variables. No library covers "either provider or outbox behind one interface", hence this.

A verification call reads nothing secret aloud: it asks the callee to key in the code the
screen shows. When the callee keys digits, the gateway calls ``answer_callback`` (a dotted
path to a function taking ``call_ref`` and ``digits``), whichever way the answer arrives.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol
from xml.sax.saxutils import escape

import requests
from django.conf import settings
from django.utils.module_loading import import_string

from portico.core.models import OutboxMessage

log = logging.getLogger(__name__)


class GatewayError(RuntimeError):
    """The provider refused or could not be reached; the caller tells the user to retry."""


@dataclass(frozen=True)
class VoiceCall:
    to: str
    call_ref: str
    answer_callback: str
    prompt: str


class MessagingGateway(Protocol):
    def send_sms(self, *, to: str, body: str) -> str: ...

    def place_call(self, *, call: VoiceCall, status_url: str = "") -> str: ...


class OutboxGateway:
    def send_sms(self, *, to: str, body: str) -> str:
        row = OutboxMessage.objects.create(channel=OutboxMessage.Channel.SMS, to=to, body=body)
        return f"outbox-{row.pk}"

    def place_call(self, *, call: VoiceCall, status_url: str = "") -> str:
        row = OutboxMessage.objects.create(
            channel=OutboxMessage.Channel.VOICE,
            to=call.to,
            subject="Verification call",
            body=call.prompt,
            voice_state=OutboxMessage.VoiceState.RINGING,
            metadata={"call_ref": call.call_ref, "answer_callback": call.answer_callback},
        )
        return f"outbox-{row.pk}"


def outbox_answer_call(*, message: OutboxMessage, digits: str) -> bool:
    """Simulate the callee keying ``digits``; returns what the callback decided."""
    if message.channel != OutboxMessage.Channel.VOICE:
        raise ValueError("Only voice calls can be answered.")
    if message.voice_state != OutboxMessage.VoiceState.RINGING:
        return False
    callback = import_string(message.metadata["answer_callback"])
    accepted = bool(callback(call_ref=message.metadata["call_ref"], digits=digits))
    message.voice_state = (
        OutboxMessage.VoiceState.COMPLETED if accepted else OutboxMessage.VoiceState.FAILED
    )
    message.save(update_fields=["voice_state"])
    return accepted


class HttpGateway:
    """Twilio-compatible REST: ``POST {base}/Accounts/{sid}/Messages.json`` and ``Calls.json``."""

    def __init__(
        self, *, base_url: str, account: str, token: str, sender: str, timeout: float = 10.0
    ) -> None:
        if not (base_url and account and token):
            raise GatewayError("SMS gateway URL, account and token must be configured.")
        self.base_url = base_url.rstrip("/")
        self.account = account
        self.token = token
        self.sender = sender
        self.timeout = timeout

    def _post(self, resource: str, data: dict[str, str]) -> str:
        url = f"{self.base_url}/Accounts/{self.account}/{resource}.json"
        try:
            response = requests.post(
                url, data=data, auth=(self.account, self.token), timeout=self.timeout
            )
        except requests.RequestException as exc:
            raise GatewayError(f"Gateway unreachable: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            log.warning("gateway %s answered %s", resource, response.status_code)
            raise GatewayError(f"Gateway refused the request ({response.status_code}).")
        return str(response.json().get("sid", ""))

    def send_sms(self, *, to: str, body: str) -> str:
        return self._post("Messages", {"To": to, "From": self.sender, "Body": body})

    def place_call(self, *, call: VoiceCall, status_url: str = "") -> str:
        # The provider gathers six digits and posts them to our webhook (status_url).
        twiml = (
            f'<Response><Gather numDigits="6" action="{escape(status_url)}" method="POST">'
            f"<Say>{escape(call.prompt)}</Say></Gather></Response>"
        )
        return self._post("Calls", {"To": call.to, "From": self.sender, "Twiml": twiml})


def get_gateway() -> MessagingGateway:
    kind = settings.PORTICO_SMS_GATEWAY
    if kind == "outbox":
        return OutboxGateway()
    if kind == "http":
        return HttpGateway(
            base_url=settings.PORTICO_SMS_GATEWAY_URL,
            account=settings.PORTICO_SMS_GATEWAY_ACCOUNT,
            token=settings.PORTICO_SMS_GATEWAY_TOKEN,
            sender=settings.PORTICO_SMS_FROM,
            timeout=settings.PORTICO_SMS_GATEWAY_TIMEOUT,
        )
    raise GatewayError(f"Unknown PORTICO_SMS_GATEWAY {kind!r} (use 'outbox' or 'http').")

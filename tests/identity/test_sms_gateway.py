"""The Twilio-compatible HTTP gateway (``core.notifications.HttpGateway``) against a real HTTP
server on 127.0.0.1: what it sends, and what happens to a phone code when the provider fails."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.test import Client

from portico.core.models import AuditEvent, OutboxMessage
from portico.core.notifications import GatewayError, HttpGateway, VoiceCall, get_gateway
from portico.identity import services
from portico.identity.models import PhoneVerification
from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

ACCOUNT = "AC0123456789"
TOKEN = "gateway-test-token"
SENDER = "+18005550100"


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class FakeProvider:
    """What the provider answers next (status, JSON body, delay) and what it received."""

    url: str = ""
    status: int = 201
    body: dict[str, Any] = field(default_factory=lambda: {"sid": "SM0001", "status": "queued"})
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    state = FakeProvider()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            state.received.append(
                Received(
                    method="POST",
                    path=self.path,
                    headers={k.lower(): v for k, v in self.headers.items()},
                    form=parse_qs(raw, keep_blank_values=True),
                )
            )
            if state.delay:
                time.sleep(state.delay)
            payload = json.dumps(state.body).encode()
            try:
                self.send_response(state.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:
                pass  # the client gave up waiting (the timeout test)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/2010-04-01"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


def gateway(provider: FakeProvider) -> HttpGateway:
    return HttpGateway(base_url=provider.url + "/", account=ACCOUNT, token=TOKEN, sender=SENDER)


def basic_auth(header: str) -> str:
    scheme, _, value = header.partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(value).decode()


def test_text_message_request(provider):
    sid = gateway(provider).send_sms(to="+12025550143", body="123456 is your code.")
    assert sid == "SM0001"
    [request] = provider.received
    assert request.method == "POST"
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    assert basic_auth(request.headers["authorization"]) == f"{ACCOUNT}:{TOKEN}"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.form == {
        "To": ["+12025550143"],
        "From": [SENDER],
        "Body": ["123456 is your code."],
    }


def test_voice_call_request_gathers_six_digits_for_the_webhook(provider):
    provider.body = {"sid": "CA0002"}
    call = VoiceCall(
        to="+12025550143",
        call_ref="ref-1",
        answer_callback="x.y",
        prompt='Key in the code & press "pound".',
    )
    sid = gateway(provider).place_call(
        call=call, status_url="https://id.example.org/id/phone/voice/ref-1/?a=1&b=2"
    )
    assert sid == "CA0002"
    [request] = provider.received
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT}/Calls.json"
    assert basic_auth(request.headers["authorization"]) == f"{ACCOUNT}:{TOKEN}"
    assert request.form["To"] == ["+12025550143"]
    assert request.form["From"] == [SENDER]
    assert request.form["Twiml"] == [
        '<Response><Gather numDigits="6" '
        'action="https://id.example.org/id/phone/voice/ref-1/?a=1&amp;b=2" method="POST">'
        '<Say>Key in the code &amp; press "pound".</Say></Gather></Response>'
    ]


@pytest.mark.parametrize("status", [500, 503])
def test_provider_error_is_a_clear_gateway_error(provider, status):
    provider.status = status
    provider.body = {"message": "upstream down"}
    with pytest.raises(GatewayError, match=rf"Gateway refused the request \({status}\)\."):
        gateway(provider).send_sms(to="+12025550143", body="x")
    assert len(provider.received) == 1  # tried once, not silently retried


def test_refused_request_is_a_gateway_error(provider):
    provider.status = 401
    with pytest.raises(GatewayError, match=r"\(401\)"):
        gateway(provider).send_sms(to="+12025550143", body="x")


def test_unreachable_provider_is_a_gateway_error():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    unreachable = HttpGateway(
        base_url=f"http://127.0.0.1:{port}", account=ACCOUNT, token=TOKEN, sender=SENDER
    )
    with pytest.raises(GatewayError, match="Gateway unreachable: ConnectionError"):
        unreachable.send_sms(to="+12025550143", body="x")


def test_slow_provider_times_out_as_a_gateway_error(provider, settings):
    settings.PORTICO_SMS_GATEWAY = "http"
    settings.PORTICO_SMS_GATEWAY_URL = provider.url
    settings.PORTICO_SMS_GATEWAY_ACCOUNT = ACCOUNT
    settings.PORTICO_SMS_GATEWAY_TOKEN = TOKEN
    settings.PORTICO_SMS_GATEWAY_TIMEOUT = 1.5  # the operator's setting, not a constant
    provider.delay = 4
    started = time.monotonic()
    with pytest.raises(GatewayError, match="Gateway unreachable: ReadTimeout"):
        get_gateway().send_sms(to="+12025550143", body="x")
    assert 1.5 <= time.monotonic() - started < 4


def test_missing_configuration_is_refused_up_front(settings):
    settings.PORTICO_SMS_GATEWAY = "http"
    settings.PORTICO_SMS_GATEWAY_URL = ""
    with pytest.raises(GatewayError, match="must be configured"):
        get_gateway()


# --- through Portico ID: what a failed send leaves behind ------------------------------
@pytest.fixture
def http_gateway(settings, provider) -> FakeProvider:
    settings.PORTICO_SMS_GATEWAY = "http"
    settings.PORTICO_SMS_GATEWAY_URL = provider.url
    settings.PORTICO_SMS_GATEWAY_ACCOUNT = ACCOUNT
    settings.PORTICO_SMS_GATEWAY_TOKEN = TOKEN
    settings.PORTICO_SMS_FROM = SENDER
    return provider


@pytest.mark.django_db
def test_code_by_text_goes_through_the_provider(http_gateway):
    user = UserFactory(phone="+12025550143", phone_verified=False)
    sent = services.phone_code_send(user=user, channel="sms")
    [request] = http_gateway.received
    assert request.form["To"] == ["+12025550143"]
    assert request.form["Body"][0].startswith(f"{sent.code} is your Portico ID verification code")
    assert not OutboxMessage.objects.exists()  # the provider, not the outbox
    assert AuditEvent.objects.filter(action="portico.identity.phone_code_sent").count() == 1
    assert services.phone_code_check(user=user, code=sent.code) is services.PhoneCheck.OK


@pytest.mark.django_db
def test_code_the_provider_refused_is_not_recorded_as_sent(http_gateway):
    http_gateway.status = 503
    user = UserFactory(phone="+12025550143", phone_verified=False)
    with pytest.raises(GatewayError):
        services.phone_code_send(user=user, channel="sms")
    verification = PhoneVerification.objects.get(user=user)
    assert verification.status == PhoneVerification.Status.UNDELIVERED
    assert not AuditEvent.objects.filter(action="portico.identity.phone_code_sent").exists()
    failed = AuditEvent.objects.get(action="portico.identity.phone_code_undelivered")
    assert failed.changes["reason"] == "Gateway refused the request (503)."
    # The code that never left cannot be used, even if someone guessed it; the user is told
    # it was not delivered (not that they typed too many wrong codes).
    check = services.phone_code_check(user=user, code="000000")
    assert check is services.PhoneCheck.UNDELIVERED
    assert services.PHONE_CHECK_MESSAGES[check] == (
        "The last code could not be delivered to your phone. Send a new code."
    )
    user.refresh_from_db()
    assert not user.phone_verified


@pytest.mark.django_db
def test_user_is_told_to_retry_when_the_provider_fails(http_gateway):
    http_gateway.status = 500
    user = UserFactory(username="gatewayuser", phone="+12025550143", phone_verified=False)
    client = mfa_login(Client(), user)
    page = client.post("/id/phone/verify/", {"action": "sms"}, follow=True).content.decode()
    assert "We could not reach the phone service. Wait a moment, then try again." in page
    assert "We sent a text message" not in page
    assert len(http_gateway.received) == 1
    assert not AuditEvent.objects.filter(action="portico.identity.phone_code_sent").exists()
    # Trying again once the provider answers sends at once: no code went out to wait for.
    http_gateway.status = 200
    page = client.post("/id/phone/verify/", {"action": "sms"}, follow=True).content.decode()
    assert "We sent a text message" in page and "sent recently" not in page
    assert len(http_gateway.received) == 2

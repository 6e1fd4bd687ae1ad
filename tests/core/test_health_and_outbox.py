import pytest
from django.core.mail import send_mail

from portico.core.models import OutboxMessage
from portico.core.notifications import OutboxGateway, VoiceCall

ANSWERS: list[tuple[str, str]] = []


def accept_123456(*, call_ref: str, digits: str) -> bool:
    ANSWERS.append((call_ref, digits))
    return digits == "123456"


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_reports_each_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_readyz_names_the_failing_part(client, monkeypatch):
    from portico.core import health

    def down():
        raise ConnectionError("db down")

    monkeypatch.setattr(health, "check_database", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "error: ConnectionError"


@pytest.mark.django_db
def test_email_lands_in_outbox_with_codes_and_links(client):
    send_mail(
        "Verify your email",
        "Your code is 482913.\nOr open http://localhost:8000/id/confirm/abc/ to verify.",
        "no-reply@portico.example",
        ["pat@example.org"],
    )
    message = OutboxMessage.objects.get()
    assert message.channel == "email" and message.to == "pat@example.org"
    assert message.codes == ["482913"]
    assert message.links == ["http://localhost:8000/id/confirm/abc/"]
    page = client.get("/dev/outbox/")
    assert page.status_code == 200
    assert b"482913" in page.content and b"pat@example.org" in page.content


@pytest.mark.django_db
def test_voice_call_is_answered_from_the_outbox(client):
    ANSWERS.clear()
    gateway = OutboxGateway()
    gateway.place_call(
        call=VoiceCall(
            to="+12125550100",
            call_ref="ref-1",
            answer_callback="tests.core.test_health_and_outbox.accept_123456",
            prompt="Key in the code on your screen.",
        )
    )
    call = OutboxMessage.objects.get(channel="voice")
    assert call.voice_state == "ringing"
    client.post(f"/dev/outbox/{call.pk}/answer/", {"digits": "123456"})
    call.refresh_from_db()
    assert call.voice_state == "completed"
    assert ANSWERS == [("ref-1", "123456")]


@pytest.mark.django_db
def test_csrf_failure_is_a_styled_page_saying_nothing_was_saved(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/dev/outbox/clear/")
    assert response.status_code == 403
    assert b"nothing was saved" in response.content

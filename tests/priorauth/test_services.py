"""Submitting, validating, reviewing and deciding prior authorizations (service layer)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portico.core.models import OutboxMessage
from portico.documents.models import Document
from portico.priorauth import services
from portico.priorauth.models import LineDecision, PriorAuthRequest, Status, Urgency
from tests.factories.priorauth import request_input, submitted

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_submit_gives_reference_and_received(world, pa):
    user = world.users["physician"]
    row = services.priorauth_submit(
        user=user,
        data=request_input(pa),
        files=[SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")],
    )
    assert row.reference.startswith("PA") and row.status == Status.RECEIVED
    assert row.organization == world.practice_a
    assert row.due_at - row.submitted_at == dt.timedelta(days=14)
    assert row.attachments.count() == 1
    assert row.lines.get().code == "63047"


def test_expedited_clock_is_72_hours(world, pa):
    row = submitted(
        pa,
        world.users["physician"],
        urgency=Urgency.EXPEDITED,
        expedited_attestation=True,
        expedited_reason="Progressive weakness",
    )
    assert row.due_at - row.submitted_at == dt.timedelta(hours=72)


def test_not_required_code_answered_at_once(world, pa):
    row = submitted(pa, world.users["physician"], codes=("97110",))
    assert row.status == Status.NOT_REQUIRED
    answer = services.priorauth_required_check(plan=pa.plan, code="97110")
    assert not answer.required and "Submission not required" in answer.message
    assert services.priorauth_required_check(plan=pa.plan, code="63047").required


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        (
            {"urgency": Urgency.EXPEDITED, "expedited_reason": "x"},
            "expedited_attestation",
            "attestation",
        ),
        ({"units": None}, "lines-0-units", "number of units"),
        ({"member_id": "HF999999999"}, "member_id", "No Harborview Health Plan member"),
        (
            {"requesting_provider_npi": "unconnected"},
            "requesting_provider",
            "not connected to your account",
        ),
        ({"service_date": dt.date(2025, 6, 1)}, "service_date", "not eligible"),
        ({"diagnoses": ["ZZZ"]}, "diagnoses", "ICD-10-CM"),
        ({"codes": ("ABC",)}, "lines-0-code", "CPT or HCPCS"),
    ],
)
def test_each_bad_input_has_its_own_message(world, pa, overrides, field, text):
    if overrides.get("requesting_provider_npi") == "unconnected":
        overrides["requesting_provider_npi"] = pa.unconnected.npi
    codes = overrides.pop("codes", ("63047",))
    units = overrides.pop("units", 1)
    data = request_input(pa, codes=codes, units=units, **overrides)
    with pytest.raises(services.RequestInvalid) as exc:
        services.priorauth_submit(user=world.users["physician"], data=data)
    assert field in exc.value.errors
    assert text in " ".join(exc.value.errors[field])
    assert not PriorAuthRequest.objects.exists()


def test_dates_outside_coverage(world, pa):
    data = request_input(pa)
    data.lines[0].end_date = dt.date(2028, 2, 1)
    with pytest.raises(services.RequestInvalid) as exc:
        services.priorauth_submit(user=world.users["physician"], data=data)
    assert "outside the member's coverage period" in exc.value.errors["lines-0-end_date"][0]


def test_duplicate_warning(world, pa):
    user = world.users["physician"]
    first = submitted(pa, user)
    with pytest.raises(services.PossibleDuplicate) as exc:
        services.priorauth_submit(user=user, data=request_input(pa))
    assert exc.value.duplicates == [first]
    second = services.priorauth_submit(user=user, data=request_input(pa), confirm_duplicate=True)
    assert second.pk != first.pk


def test_send_back_answer_and_partial_approval_with_letters(
    world, pa, django_capture_on_commit_callbacks
):
    office, reviewer = world.users["physician"], world.users["um_reviewer"]
    office.email = "doc@example.test"
    office.save()
    row = submitted(pa, office, codes=("63047", "22612"))
    with django_capture_on_commit_callbacks(execute=True):
        row = services.priorauth_start_review(request=row, actor=reviewer, version=row.version)
        row = services.priorauth_send_back(
            request=row, actor=reviewer, version=row.version, message="Send the MRI report."
        )
    assert row.status == Status.SEND_BACK
    assert Document.objects.filter(kind="pa_lack_of_info").count() == 1
    row = services.priorauth_respond(
        request=row, user=office, answer="Attached.", files=[SimpleUploadedFile("mri.pdf", PDF)]
    )
    assert row.status == Status.IN_REVIEW
    with django_capture_on_commit_callbacks(execute=True):
        row = services.priorauth_decide(
            request=row,
            actor=reviewer,
            version=row.version,
            decisions=[
                services.LineDecisionInput(1, LineDecision.APPROVED),
                services.LineDecisionInput(
                    2,
                    LineDecision.DENIED,
                    deny_reason="Not medically necessary",
                    criteria="Spine criteria 4.2",
                ),
            ],
        )
    assert row.status == Status.PARTIALLY_APPROVED
    letter = Document.objects.get(kind="pa_adverse_partial")
    assert letter.delivery == "portal" and letter.organization == world.practice_a
    assert Document.objects.get(kind="pa_member").delivery == "mail"
    kinds = [e.kind for e in row.events.all()]
    assert "sent_back" in kinds and "responded" in kinds and "decided" in kinds
    mails = OutboxMessage.objects.filter(channel="email", to="doc@example.test")
    assert mails.count() >= 3
    for mail in mails:
        assert "Whitfield" not in mail.body and "63047" not in mail.body


def test_only_clinical_reviewers_deny(world, pa):
    from django.contrib.auth.models import Group

    from tests.factories.identity import UserFactory

    plain = UserFactory(username="umonly01", is_staff=True)
    plain.groups.add(Group.objects.get_or_create(name="um_reviewer")[0])
    row = submitted(pa, world.users["physician"])
    with pytest.raises(services.RequestInvalid):
        services.priorauth_decide(
            request=row,
            actor=plain,
            version=row.version,
            decisions=[
                services.LineDecisionInput(1, LineDecision.DENIED, deny_reason="x", criteria="y")
            ],
        )
    row = services.priorauth_decide(
        request=row,
        actor=plain,
        version=row.version,
        decisions=[services.LineDecisionInput(1, LineDecision.APPROVED)],
    )
    assert row.status == Status.APPROVED
    assert Document.objects.filter(kind="pa_approval").exists()


def test_stale_version_is_refused(world, pa):
    reviewer = world.users["um_reviewer"]
    row = submitted(pa, world.users["physician"])
    stale_version = row.version
    services.priorauth_start_review(request=row, actor=reviewer, version=stale_version)
    with pytest.raises(services.StaleRequest) as exc:
        services.priorauth_send_back(
            request=row, actor=reviewer, version=stale_version, message="x"
        )
    assert "changed by someone else" in exc.value.message


def test_withdraw_and_pend_letters(world, pa):
    reviewer = world.users["um_reviewer"]
    row = submitted(pa, world.users["physician"])
    row = services.priorauth_pend(
        request=row, actor=reviewer, version=row.version, reason="Peer-to-peer scheduled"
    )
    assert row.status == Status.RECEIVED and row.pended_at
    row = services.priorauth_withdraw(
        request=row, actor=reviewer, version=row.version, reason="Duplicate of PA1"
    )
    assert row.is_final
    assert set(Document.objects.values_list("kind", flat=True)) == {"pa_pend", "pa_withdrawal"}


def test_expedited_approval_letter_type(world, pa):
    row = submitted(
        pa,
        world.users["physician"],
        urgency=Urgency.EXPEDITED,
        expedited_attestation=True,
        expedited_reason="Cauda equina signs",
    )
    services.priorauth_decide(
        request=row,
        actor=world.users["um_reviewer"],
        version=row.version,
        decisions=[services.LineDecisionInput(1, LineDecision.APPROVED)],
    )
    assert Document.objects.filter(kind="pa_expedited").exists()


def test_a_failure_after_the_files_were_stored_leaves_no_file_behind(world, pa, monkeypatch):
    """The attachment rows roll back with the transaction; the stored files go with them."""
    from django.core.files.storage import default_storage

    from portico.core import uploads
    from portico.priorauth.services import requests as request_services

    row = submitted(pa, world.users["physician"])
    stored: list[str] = []
    real_store = uploads.store_upload

    def spy(**kwargs):
        result = real_store(**kwargs)
        stored.append(result.key)
        return result

    def failing_audit(*args, **kwargs):
        raise RuntimeError("the audit log is unavailable")

    monkeypatch.setattr(request_services, "store_upload", spy)
    monkeypatch.setattr(request_services, "audit", failing_audit)
    files = [
        SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
        SimpleUploadedFile("b.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    ]
    with pytest.raises(RuntimeError):
        services.priorauth_attach(request=row, user=world.users["physician"], files=files)
    assert len(stored) == 2
    assert not any(default_storage.exists(key) for key in stored)
    assert row.attachments.count() == 0


def test_a_status_change_ends_the_pend_and_the_history_keeps_it(world, pa):
    from portico.priorauth.models import RequestEvent

    reviewer = world.users["um_reviewer"]
    row = submitted(pa, world.users["physician"])
    row = services.priorauth_pend(
        request=row, actor=reviewer, version=row.version, reason="Peer-to-peer scheduled"
    )
    row = services.priorauth_send_back(
        request=row, actor=reviewer, version=row.version, message="Send the MRI report."
    )
    row.refresh_from_db()
    assert row.status == Status.SEND_BACK
    assert row.pended_at is None and row.pend_reason == ""
    pend = row.events.get(kind=RequestEvent.Kind.PENDED)
    assert pend.message == "Peer-to-peer scheduled"


def test_letter_lists_diagnoses_as_on_screen_and_the_time_received_in_local_time(world, pa):
    from django.core.files.storage import default_storage
    from django.utils import timezone

    from tests.connect.helpers import pdf_text

    row = submitted(pa, world.users["physician"])
    services.priorauth_decide(
        request=row,
        actor=world.users["um_reviewer"],
        version=row.version,
        decisions=[services.LineDecisionInput(1, LineDecision.APPROVED)],
    )
    letter = Document.objects.get(kind="pa_approval")
    with default_storage.open(letter.storage_key) as handle:
        text = " ".join(pdf_text(handle.read()).split())
    assert "M54.50 Low back pain, unspecified" in text
    assert "Servicing provider Same as requesting" in text
    received = timezone.localtime(row.submitted_at).strftime("%m/%d/%Y %I:%M %p")
    assert f"Received {received}" in text


def test_a_provider_letter_of_a_request_without_a_practice_is_mailed_to_the_provider(world, pa):
    """A faxed-in request whose provider has no practice on Portico: its letters are mailed,
    addressed to the requesting provider, never to the patient's home."""
    reviewer = world.users["um_reviewer"]
    row = submitted(pa, world.users["physician"])
    PriorAuthRequest.objects.filter(pk=row.pk).update(organization=None)
    row.refresh_from_db()
    services.priorauth_send_back(
        request=row, actor=reviewer, version=row.version, message="Send the MRI report."
    )
    letter = Document.objects.get(kind="pa_lack_of_info")
    assert letter.delivery == "mail"
    provider = row.requesting_provider
    assert letter.mail_to.startswith(provider.display_name)
    assert row.member.full_name not in letter.mail_to

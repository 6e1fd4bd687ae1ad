"""Orphaned stored files (written before a transaction that never committed) are swept.

``portico.core.storage_sweep``: under the folders the apps registered, files no registered
key field refers to and older than the grace period are deleted (and audited); referenced
files, young files and everything outside those folders stay.
"""

from __future__ import annotations

import io
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import models
from django.utils import timezone

from portico.core import storage_sweep
from portico.core.audit import verify_chain
from portico.core.models import AuditCheckpoint, AuditEvent
from portico.core.storage_sweep import (
    AUDIT_ACTION,
    KeyField,
    register_stored_files,
    registered_key_fields,
    registered_prefixes,
    sweep_orphans,
)
from portico.core.tasks import storage_sweep as storage_sweep_task
from portico.organizations.models import AccessRequest
from portico.priorauth.services import priorauth_submit
from portico.support.models import Case, CaseAttachment, CustomerUser
from tests.factories.claims import make_appeal, make_attachment, make_claim, make_file
from tests.factories.documents import make_document
from tests.factories.priorauth import make_pa_world, request_input
from tests.factories.remittance import payment_for

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OLD = 72  # hours: past the default 24-hour grace period


@pytest.fixture(autouse=True)
def storage_root(settings, tmp_path):
    """A private file storage of this test's own (the shared test folder has other files)."""
    root = tmp_path / "storage"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        },
    }
    settings.MEDIA_ROOT = str(root)
    settings.PORTICO_STORAGE_SWEEP_GRACE_HOURS = 24
    return root


def age(key: str, hours: float) -> None:
    moment = time.time() - hours * 3600
    os.utime(default_storage.path(key), (moment, moment))


def put(key: str, *, hours: float = OLD) -> str:
    saved = default_storage.save(key, ContentFile(PDF))
    assert saved == key
    age(key, hours)
    return key


def orphan(prefix: str, *, hours: float = OLD) -> str:
    return put(f"{prefix}/2025/01/{uuid.uuid4().hex}.pdf", hours=hours)


def sweep_events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("id"))


# -- the sweep ---------------------------------------------------------------------------------


def test_old_orphans_are_deleted_referenced_and_young_files_stay(world):
    # Referenced, written by the real services, and old: only the rows protect them.
    document = make_document(organization=world.practice_a)
    age(document.storage_key, OLD)
    claim_file = make_file(organization=world.practice_a)
    age(claim_file.file_key, OLD)
    age(claim_file.ack_277ca_key, OLD)
    # What a killed or rolled-back write leaves behind.
    old = [
        orphan("documents"),
        orphan("support"),
        orphan("claims/x12"),
        orphan("claims/acks"),
        orphan("access-forms"),
    ]
    young = orphan("priorauth", hours=2)
    # Outside every registered folder: never looked at.
    stray = put("stray/2025/01/old.pdf")

    result = sweep_orphans()

    assert [default_storage.exists(k) for k in old] == [False] * 5
    assert default_storage.exists(document.storage_key)
    assert default_storage.exists(claim_file.file_key)
    assert default_storage.exists(claim_file.ack_277ca_key)
    assert default_storage.exists(young)
    assert default_storage.exists(stray)
    assert (result.examined, result.referenced, result.too_young, result.deleted) == (9, 3, 1, 5)
    assert "documents/" in result.prefixes and "stray/" not in result.prefixes

    [event] = sweep_events()
    assert event.changes["deleted"] == 5 and event.changes["examined"] == 9
    assert event.changes["referenced"] == 3 and event.changes["too_young"] == 1
    assert sorted(event.changes["deleted_keys"]) == sorted(old)
    assert event.changes["keys_truncated"] is False
    assert verify_chain() is None

    # A second run finds nothing more to delete and is audited too.
    again = sweep_orphans()
    assert again.deleted == 0 and again.examined == 4
    assert len(sweep_events()) == 2


def test_rolled_back_upload_leaves_a_file_the_sweep_removes(world):
    """The fault itself: a file stored by the real upload service whose row never commits."""
    from portico.core.uploads import store_upload

    stored = store_upload(
        file=SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf"),
        prefix="support",
    )  # ... and the process dies before the CaseAttachment row commits.
    assert not CaseAttachment.objects.filter(storage_key=stored.key).exists()

    assert sweep_orphans().deleted == 0  # young: its transaction may still be running
    assert default_storage.exists(stored.key)

    age(stored.key, 25)
    assert sweep_orphans().deleted == 1
    assert not default_storage.exists(stored.key)


def test_grace_period_from_the_setting_and_the_argument(settings):
    key = orphan("documents", hours=30)
    settings.PORTICO_STORAGE_SWEEP_GRACE_HOURS = 48
    assert sweep_orphans().too_young == 1
    assert sweep_orphans(grace=36).too_young == 1
    assert sweep_orphans(grace=24).deleted == 1
    assert not default_storage.exists(key)
    with pytest.raises(ValueError, match="at least"):
        sweep_orphans(grace=0.5)


def test_dry_run_deletes_nothing_and_records_nothing():
    keys = [orphan("documents"), orphan("claims-attachments")]
    result = sweep_orphans(dry_run=True)
    assert result.deleted == 2 and result.dry_run
    assert all(default_storage.exists(k) for k in keys)
    assert sweep_events() == []


def test_batches_are_checked_in_chunks(world):
    document = make_document(organization=world.practice_a)
    age(document.storage_key, OLD)
    keys = [orphan("documents") for _ in range(5)]
    result = sweep_orphans(batch_size=2)
    assert (result.examined, result.referenced, result.deleted) == (6, 1, 5)
    assert not any(default_storage.exists(k) for k in keys)
    assert default_storage.exists(document.storage_key)


def test_a_run_that_fails_part_way_is_still_audited(monkeypatch):
    keys = sorted(orphan("documents") for _ in range(3))
    storage = default_storage._wrapped if default_storage._wrapped else default_storage
    real_delete = type(storage).delete
    calls = []

    def flaky_delete(self: Any, name: str) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk went away")
        real_delete(self, name)

    monkeypatch.setattr(type(storage), "delete", flaky_delete)
    with pytest.raises(OSError, match="disk went away"):
        sweep_orphans()
    [event] = sweep_events()
    assert event.changes["deleted"] == 1
    assert event.changes["deleted_keys"] == [keys[0]]


def test_nothing_is_deleted_when_a_registered_key_field_does_not_resolve(monkeypatch):
    key = orphan("documents")
    broken = KeyField(storage="default", model="documents.NoSuchModel", field="storage_key")
    monkeypatch.setattr(storage_sweep, "_key_fields", {*storage_sweep._key_fields, broken})
    with pytest.raises(RuntimeError, match="does not exist"):
        sweep_orphans()
    assert default_storage.exists(key)


def test_registration_refuses_the_whole_storage_and_odd_folders():
    before = (set(storage_sweep._prefixes), set(storage_sweep._key_fields))
    for prefix in ["", "/", "../etc", "documents/../x", "a b"]:
        with pytest.raises(ValueError):
            register_stored_files(prefixes=[prefix])
    with pytest.raises(ValueError):
        register_stored_files(key_fields=["documents.Document"])
    assert (storage_sweep._prefixes, storage_sweep._key_fields) == before


# -- every registered key field protects its files ---------------------------------------------


def _document(world: Any) -> models.Model:
    return make_document(organization=world.practice_a)


def _claim(world: Any) -> Any:
    return make_claim(organization=world.practice_a, tin="111111111", number="C2025000901")


def _claim_attachment(world: Any) -> models.Model:
    return make_attachment(claim=_claim(world))


def _appeal_attachment(world: Any) -> models.Model:
    return make_appeal(claim=_claim(world), number="A2025000901").attachments.get()


def _claim_file(world: Any) -> models.Model:
    return make_file(organization=world.practice_a)


def _payment(world: Any) -> models.Model:
    return payment_for(organization=world.practice_a, tin="111111111", number="C2025000902")


def _case_attachment(world: Any) -> models.Model:
    customer = CustomerUser.objects.create(
        organization=world.practice_a, first_name="Pat", last_name="Lee", user_id="ZCS00042"
    )
    case = Case.objects.create(
        number="SC-SWEEP-1",
        case_type="account",
        organization=world.practice_a,
        customer=customer,
        subject="Claim rejected",
        description="Please check.",
    )
    return CaseAttachment.objects.create(
        case=case,
        author_kind="customer",
        author_name="Pat Lee",
        storage_key=f"support/{uuid.uuid4().hex}.pdf",
        file_name="a.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256="0" * 64,
    )


def _request_attachment(world: Any) -> models.Model:
    row = priorauth_submit(
        user=world.users["physician"],
        data=request_input(make_pa_world(world)),
        files=[SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")],
        confirm_duplicate=True,
    )
    return row.attachments.get()


def _referral_attachment(world: Any) -> models.Model:
    from tests.factories.referrals import referral_world, submit

    pdf = SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")
    referral = submit(referral_world(world.practice_a), files=[pdf])
    return referral.attachments.get()


def _access_request(world: Any) -> models.Model:
    return AccessRequest.objects.create(
        reference="AR-SWEEP01",
        application="claims",
        request_type="new",
        requester=world.users["new_user"],
        idempotency_key=uuid.uuid4(),
        practice_name="Sweep Practice",
        status=AccessRequest.Status.SUBMITTED,
        signature_method="upload",
        signed_form_key="access-forms/placeholder.pdf",
        signed_form_name="signed.pdf",
        signed_form_content_type="application/pdf",
    )


def _audit_checkpoint(world: Any) -> models.Model:
    return AuditCheckpoint.objects.create(
        last_event_id=0,
        last_hash="0" * 64,
        archived_before=timezone.now(),
        archive_key="audit-archive/placeholder.jsonl.gz",
        archive_sha256="0" * 64,
    )


# One real row per registered key field. A new registration needs a maker here.
ROW_MAKERS: dict[str, Callable[[Any], models.Model]] = {
    "core.AuditCheckpoint.archive_key": _audit_checkpoint,
    "documents.Document.storage_key": _document,
    "claims.ClaimSubmissionFile.file_key": _claim_file,
    "claims.ClaimSubmissionFile.ack_277ca_key": _claim_file,
    "claims.ClaimAttachment.file_key": _claim_attachment,
    "claims.AppealAttachment.file_key": _appeal_attachment,
    "remittance.Payment.file_key": _payment,
    "support.CaseAttachment.storage_key": _case_attachment,
    "priorauth.RequestAttachment.storage_key": _request_attachment,
    "organizations.AccessRequest.signed_form_key": _access_request,
    "referrals.ReferralAttachment.storage_key": _referral_attachment,
}


def test_a_row_in_any_registered_model_protects_its_file_in_any_swept_folder(world):
    registered = {str(f) for f in registered_key_fields()}
    assert set(ROW_MAKERS) == registered, "add a row maker for each registered key field"
    folders = [prefix for _, prefix in registered_prefixes("default")]
    protected = []
    for i, (dotted, make) in enumerate(sorted(ROW_MAKERS.items())):
        row = make(world)
        field_name = dotted.rsplit(".", 1)[1]
        # Under another app's folder than its own: every key field protects every folder.
        key = put(f"{folders[(i + 1) % len(folders)]}2020/01/{uuid.uuid4().hex}.pdf")
        type(row)._base_manager.filter(pk=row.pk).update(**{field_name: key})
        protected.append(key)
    gone = orphan("documents")

    sweep_orphans(batch_size=3)

    assert [k for k in protected if not default_storage.exists(k)] == []
    assert not default_storage.exists(gone)


# Columns holding a stored file's key as text: named here so a rename is noticed.
KNOWN_KEY_FIELDS = {
    "claims.ClaimSubmissionFile.ack_277ca_key",
    "core.AuditCheckpoint.archive_key",
    "documents.Document.storage_key",
    "claims.ClaimSubmissionFile.file_key",
    "claims.ClaimAttachment.file_key",
    "claims.AppealAttachment.file_key",
    "remittance.Payment.file_key",
    "support.CaseAttachment.storage_key",
    "priorauth.RequestAttachment.storage_key",
    "organizations.AccessRequest.signed_form_key",
    "referrals.ReferralAttachment.storage_key",
}
# ``*_key`` columns that are not storage keys.
NOT_STORAGE_KEYS = {
    "claims.Claim.idempotency_key",
    "claims.Appeal.idempotency_key",
    "organizations.AccessRequest.idempotency_key",
    "core.IdempotencyKey.key",
}


def _storage_key_fields() -> set[str]:
    found = set()
    for model in apps.get_models():
        if not model.__module__.startswith("portico."):
            continue
        for f in model._meta.get_fields():
            if not isinstance(f, models.Field) or f.auto_created:
                continue
            looks_like_key = isinstance(f, models.FileField) or (
                isinstance(f, models.CharField | models.TextField | models.UUIDField)
                and (f.name == "key" or f.name.endswith(("_key", "_path")))
            )
            if looks_like_key:
                found.add(f"{model._meta.label}.{f.name}")
    return found


def test_every_field_storing_a_file_key_is_registered():
    discovered = _storage_key_fields()
    registered = {str(f) for f in registered_key_fields()}
    assert discovered >= KNOWN_KEY_FIELDS, "a known key field was renamed: update the registry"
    unclassified = discovered - KNOWN_KEY_FIELDS - NOT_STORAGE_KEYS
    assert not unclassified, (
        f"new *_key/FileField columns {sorted(unclassified)}: if they hold stored files' keys, "
        "register them (storage_sweep.register_stored_files in the app's ready()) and list them "
        "in KNOWN_KEY_FIELDS; otherwise list them in NOT_STORAGE_KEYS"
    )
    missing = KNOWN_KEY_FIELDS - registered
    assert not missing, f"stored-file key fields not registered for the sweep: {sorted(missing)}"


def test_each_writer_folder_is_registered():
    """The folders the services write under (core/uploads.py prefixes and the direct
    writers), each swept."""
    swept = {prefix for _, prefix in registered_prefixes("default")}
    assert {
        "audit-archive/",
        "documents/",
        "claims/x12/",
        "claims-attachments/",
        "claims-appeals/",
        "remittance/835/",
        "support/",
        "priorauth/",
        "access-forms/",
    } <= swept


# -- the command and the periodic task ---------------------------------------------------------


def test_command_prints_counts_and_dry_run_lists_without_deleting():
    key = orphan("documents")
    young = orphan("documents", hours=1)
    out = io.StringIO()
    call_command("storage", "sweep", "--dry-run", stdout=out)
    text = out.getvalue()
    assert f"would delete {key}" in text and young not in text
    assert "Examined 2 stored files" in text and "would delete 1" in text
    assert default_storage.exists(key) and sweep_events() == []

    out = io.StringIO()
    call_command("storage", "sweep", "--grace-hours", "100", stdout=out)
    assert "younger than 100 hours, deleted 0" in out.getvalue()
    assert default_storage.exists(key)

    out = io.StringIO()
    call_command("storage", "sweep", stdout=out)
    assert "deleted 1" in out.getvalue() and key not in out.getvalue()
    assert not default_storage.exists(key) and default_storage.exists(young)
    assert len(sweep_events()) == 2

    with pytest.raises(CommandError, match="at least"):
        call_command("storage", "sweep", "--grace-hours", "0")


def test_daily_task_is_scheduled_and_sweeps():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "portico.core.storage_sweep" in tasks
    key = orphan("support")
    assert storage_sweep_task()["deleted"] == 1
    assert not default_storage.exists(key)

"""``portico backup`` / ``portico restore``: a round trip gives back every table and file.

Runs on the suite's database: SQLite (online backup API) by default, PostgreSQL
(pg_dump/pg_restore, or Django's dumpdata when no usable pg_dump) when DATABASE_URL names one.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portico.core import backup as backup_mod
from portico.core.audit import audit_record, verify_chain
from portico.core.backup import BackupError, backup, restore, storage_keys
from portico.core.models import AuditEvent, OutboxMessage

pytestmark = pytest.mark.django_db(transaction=True)


def _tables() -> dict[str, list[tuple]]:
    """Every row of every table, in a stable order."""
    data = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith("sqlite_"):
                continue
            cursor.execute(f'SELECT * FROM "{table}"')
            data[table] = sorted(tuple(map(repr, row)) for row in cursor.fetchall())
    return data


def _files() -> dict[str, str]:
    out = {}
    for key in storage_keys():
        with default_storage.open(key, "rb") as handle:
            out[key] = hashlib.sha256(handle.read()).hexdigest()
    return out


@pytest.fixture
def clean_storage(settings, tmp_path):
    """A private file storage of this test's own (the shared test folder has other files)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "storage")},
        },
    }
    assert list(storage_keys()) == []


def test_round_trip_restores_every_table_and_file(world, tmp_path, clean_storage):
    default_storage.save("support/2026/01/a.pdf", ContentFile(b"%PDF-1.4 one"))
    default_storage.save("letters/2026/01/b.txt", ContentFile(b"letter two"))
    audit_record(action="portico.test.before_backup", actor=world.users["billing_clerk"])
    before_tables, before_files = _tables(), _files()
    assert len(before_files) == 2 and before_tables["core_auditevent"]

    result = backup(tmp_path / "bk")
    manifest = json.loads((tmp_path / "bk" / "manifest.json").read_text())
    assert result.files == 2 and set(manifest["files"]) == set(before_files)
    assert manifest["vendor"] == connection.vendor

    # Disaster: rows deleted and added, files lost, changed and added.
    OutboxMessage.objects.create(channel="email", to="after@example.org")
    audit_record(action="portico.test.after_backup")
    world.users["physician"].delete()
    default_storage.delete("support/2026/01/a.pdf")
    default_storage.delete("letters/2026/01/b.txt")
    default_storage.save("letters/2026/01/b.txt", ContentFile(b"tampered"))
    default_storage.save("stray/new.txt", ContentFile(b"new"))
    assert _tables() != before_tables

    restore(tmp_path / "bk", prune=True)
    connection.close()  # a fresh connection sees the restored database
    assert _tables() == before_tables
    assert _files() == before_files
    assert verify_chain() is None


def test_restore_command_refuses_a_damaged_backup(world, tmp_path, clean_storage):
    default_storage.save("support/x.pdf", ContentFile(b"%PDF-1.4 x"))
    call_command("backup", str(tmp_path / "bk"))
    (tmp_path / "bk" / "files" / "support" / "x.pdf").write_bytes(b"changed")
    count = AuditEvent.objects.count()
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(tmp_path / "bk"), "--yes")
    assert AuditEvent.objects.count() == count  # nothing was replaced
    with pytest.raises(CommandError, match="not empty"):
        call_command("backup", str(tmp_path / "bk"))
    with pytest.raises(CommandError, match="not a Portico backup"):
        call_command("restore", str(tmp_path), "--yes")


def test_restore_command_records_the_restore(world, tmp_path, clean_storage):
    call_command("backup", str(tmp_path / "bk"))
    call_command("restore", str(tmp_path / "bk"), "--yes")
    connection.close()
    assert AuditEvent.objects.filter(action="portico.backup.restored").count() == 1
    assert verify_chain() is None


def test_unsafe_keys_in_a_backup_are_refused():
    with pytest.raises(BackupError):
        backup_mod._safe_key("../../etc/passwd")
    with pytest.raises(BackupError):
        backup_mod._safe_key("/abs/path")


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgres_round_trip_without_pg_dump_uses_django_dump(
    world, tmp_path, clean_storage, monkeypatch
):
    monkeypatch.setattr(backup_mod, "pg_tool", lambda name: None)
    audit_record(action="portico.test.before_backup")
    before = _tables()
    assert backup(tmp_path / "bk").method == "django-dumpdata"
    audit_record(action="portico.test.after_backup")
    world.users["physician"].delete()
    restore(tmp_path / "bk")
    after = _tables()
    diff = {
        t: (set(before[t]) ^ set(after.get(t, []))) for t in before if before[t] != after.get(t)
    }
    assert not diff, {t: sorted(d)[:4] for t, d in diff.items()}
    assert verify_chain() is None

"""``portico backup DEST`` / ``portico restore SRC``: the database and the stored files.

A backup is a directory::

    manifest.json        what was taken, how, and a SHA-256 of every file
    database.sqlite3     SQLite: a page-consistent copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: ``pg_dump --format=custom`` (one snapshot), when a
                         pg_dump at least as new as the server is on PATH
    database.json.gz     PostgreSQL without a usable pg_dump: Django's dumpdata of every
                         model, taken inside one REPEATABLE READ transaction
    files/<key>          every object of the private file storage (attachments, letters,
                         EDI files, audit archives), by its storage key

Consistency: the database is copied first as one snapshot, then the files. Stored files are
written under new generated keys and never changed in place, so every file the snapshot
refers to already exists when the files are copied; files added meanwhile are extra copies
nothing refers to (harmless). Restore needs the application stopped (no web or worker
processes writing): it replaces the database and writes every file back under its key.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.core import serializers
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

FORMAT_VERSION = 1


class BackupError(RuntimeError):
    """A backup could not be taken or restored; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    method: str
    files: int
    bytes: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def storage_keys(storage: Any = None, prefix: str = "") -> Iterator[str]:
    """Every key in ``storage`` (default: the private file storage), depth first."""
    storage = storage or default_storage
    try:
        dirs, files = storage.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        yield f"{prefix}{name}"
    for name in sorted(dirs):
        yield from storage_keys(storage, f"{prefix}{name}/")


def _safe_key(key: str) -> str:
    parts = key.split("/")
    if key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise BackupError(f"Refusing an unsafe file key in the backup: {key!r}")
    return key


# -- PostgreSQL tools --------------------------------------------------------------------------


def _pg_env() -> dict[str, str]:
    conf = connection.settings_dict
    env = dict(os.environ)
    env.update(
        PGHOST=str(conf.get("HOST") or ""),
        PGPORT=str(conf.get("PORT") or ""),
        PGUSER=str(conf.get("USER") or ""),
        PGDATABASE=str(conf["NAME"]),
    )
    if conf.get("PASSWORD"):
        env["PGPASSWORD"] = str(conf["PASSWORD"])
    return {k: v for k, v in env.items() if v != ""}


def pg_tool(name: str) -> str | None:
    """``pg_dump``/``pg_restore`` when on PATH and at least as new as the server."""
    path = shutil.which(name)
    if not path:
        return None
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"(\d+)", out.stdout)
    connection.ensure_connection()
    server_major = int(connection.pg_version) // 10000  # type: ignore[attr-defined]
    if not match or int(match.group(1)) < server_major:
        return None
    return path


def _run(args: list[str]) -> None:
    result = subprocess.run(args, env=_pg_env(), capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[:500]}")


# -- Django-level dump (PostgreSQL without a usable pg_dump) ------------------------------------


class _Encoder(json.JSONEncoder):
    """Full-precision JSON (Django's encoder cuts datetimes to milliseconds, which would
    change audit events' hashed content)."""

    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | date | time):
            return o.isoformat()
        if isinstance(o, Decimal | uuid.UUID):
            return str(o)
        return super().default(o)


def _dump_models() -> list[type[models.Model]]:
    ordered = serializers.sort_dependencies(
        [(config, None) for config in apps.get_app_configs()], allow_cycles=True
    )
    chosen: list[type[models.Model]] = []
    for model in ordered:
        if not model._meta.managed or model._meta.proxy:
            continue
        chosen.append(model)
        # Auto-created many-to-many tables (user ↔ groups, …) are dumped as rows of their own,
        # so that a restore keeps their primary keys instead of re-adding them under new ones.
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if through is not None and through._meta.auto_created:
                chosen.append(through)
    return chosen


def _django_dump(target: Path) -> None:
    """One JSON line per row (Django's python serialisation), models in dependency order."""
    with gzip.open(target, "wt", encoding="utf-8") as out:
        for model in _dump_models():
            rows = model._base_manager.order_by("pk").iterator(chunk_size=2000)
            for record in serializers.serialize("python", rows):
                out.write(json.dumps(record, cls=_Encoder) + "\n")


def _django_load(path: Path) -> None:
    seen: set[type[models.Model]] = set()
    with connection.constraint_checks_disabled(), gzip.open(path, "rt", encoding="utf-8") as src:
        for line in src:
            for obj in serializers.deserialize("python", [json.loads(line)]):
                obj.m2m_data = {}  # their rows come from the through tables' own lines
                obj.save()
                seen.add(type(obj.object))
    connection.check_constraints()
    statements = connection.ops.sequence_reset_sql(no_style(), list(seen))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


# -- database ----------------------------------------------------------------------------------


def _backup_database(dest: Path) -> tuple[str, str]:
    connection.ensure_connection()
    vendor = connection.vendor
    if vendor == "sqlite":
        target = dest / "database.sqlite3"
        out = sqlite3.connect(target)
        try:
            connection.connection.backup(out)  # type: ignore[union-attr]
        finally:
            out.close()
        return "sqlite-backup-api", target.name
    if vendor == "postgresql":
        tool = pg_tool("pg_dump")
        if tool:
            target = dest / "database.pgdump"
            _run([tool, "--format=custom", "--no-owner", "--no-privileges", "--file", str(target)])
            return "pg_dump", target.name
        target = dest / "database.json.gz"
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            _django_dump(target)
        return "django-dumpdata", target.name
    raise BackupError(f"Backups of {vendor} databases are not supported.")


def _restore_database(src: Path, method: str, name: str) -> None:
    path = src / name
    if method == "sqlite-backup-api":
        if connection.vendor != "sqlite":
            raise BackupError("This backup is of a SQLite database; the target is not SQLite.")
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)  # type: ignore[arg-type]
        finally:
            source.close()
        return
    if connection.vendor != "postgresql":
        raise BackupError("This backup is of a PostgreSQL database; the target is not.")
    if method == "pg_dump":
        tool = pg_tool("pg_restore")
        if not tool:
            raise BackupError("pg_restore (as new as the server) is needed to restore it.")
        connection.close()
        _run(
            [
                tool,
                "--clean",
                "--if-exists",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--dbname",
                str(connection.settings_dict["NAME"]),
                str(path),
            ]
        )
        return
    if method == "django-dumpdata":
        with transaction.atomic():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            _django_load(path)
        return
    raise BackupError(f"Unknown backup method {method!r}.")


# -- files -------------------------------------------------------------------------------------


def _backup_files(dest: Path) -> dict[str, dict[str, Any]]:
    files: dict[str, dict[str, Any]] = {}
    root = dest / "files"
    for key in storage_keys():
        target = root / _safe_key(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        with default_storage.open(key, "rb") as handle, target.open("wb") as out:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
        files[key] = {"sha256": digest.hexdigest(), "size": size}
    return files


def _restore_files(src: Path, files: dict[str, dict[str, Any]], *, prune: bool) -> None:
    root = src / "files"
    for key, meta in files.items():
        path = root / _safe_key(key)
        if _sha256(path) != meta["sha256"]:
            raise BackupError(f"Backup file {key} does not match its checksum.")
    for key in files:
        if default_storage.exists(key):
            default_storage.delete(key)
        with (root / key).open("rb") as handle:
            saved = default_storage.save(key, File(handle, name=key))
        if saved != key:
            raise BackupError(f"Storage saved {key} as {saved}; restore into empty storage.")
    if prune:
        for key in list(storage_keys()):
            if key not in files:
                default_storage.delete(key)


# -- entry points ------------------------------------------------------------------------------


def backup(dest: Path | str) -> BackupResult:
    """Write a backup into the new (or empty) directory ``dest``."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty; choose a new directory.")
    dest.mkdir(parents=True, exist_ok=True)
    taken_at = timezone.now()
    method, db_name = _backup_database(dest)
    files = _backup_files(dest)
    manifest = {
        "format": FORMAT_VERSION,
        "taken_at": taken_at.isoformat(),
        "vendor": connection.vendor,
        "method": method,
        "database": {"name": db_name, "sha256": _sha256(dest / db_name)},
        "files": files,
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    os.chmod(dest, 0o700)
    total = sum(int(meta["size"]) for meta in files.values())
    return BackupResult(path=dest, method=method, files=len(files), bytes=total)


def read_manifest(src: Path | str) -> dict[str, Any]:
    path = Path(src) / "manifest.json"
    try:
        manifest: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path} is missing or unreadable: not a Portico backup.") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Unsupported backup format {manifest.get('format')!r}.")
    return manifest


def restore(src: Path | str, *, prune: bool = False) -> dict[str, Any]:
    """Replace the database and write back the files of the backup in ``src``."""
    src = Path(src)
    manifest = read_manifest(src)
    db = manifest["database"]
    if _sha256(src / db["name"]) != db["sha256"]:
        raise BackupError("The database file does not match its checksum; not restoring.")
    for key in manifest["files"]:
        if not (src / "files" / _safe_key(key)).is_file():
            raise BackupError(f"Backup file {key} is missing; not restoring.")
    _restore_database(src, manifest["method"], db["name"])
    _restore_files(src, manifest["files"], prune=prune)
    return manifest

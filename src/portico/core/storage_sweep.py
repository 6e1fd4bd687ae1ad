"""Sweep orphaned stored files: PHI left in storage by a killed or rolled-back write.

Every writer stores its file *before* the transaction that records the file's key commits
(``store_upload``, ``document_create``, the 837 upload, the 835 of a payment run, the audit
archive). A process killed in between, or a transaction that rolls back for any reason, leaves
a file no row points to — patient data nothing would ever delete. ``sweep_orphans`` deletes
such files once they are older than a grace period (``PORTICO_STORAGE_SWEEP_GRACE_HOURS``,
default 24), which protects files whose transaction is still in flight (a large upload, a
letter run).

Core knows no app. Each app declares, in its ``AppConfig.ready()``, what it owns::

    from portico.core import storage_sweep

    storage_sweep.register_stored_files(
        prefixes=["documents"],                         # folders this app writes files under
        key_fields=["documents.Document.storage_key"],  # columns holding a stored file's key
    )

A folder is swept only when an app declared it; anything else in the storage is never looked
at. A file under a swept folder is kept when *any* registered key field (of any app, same
storage) holds its key, so a key recorded by another app than the one that wrote it is still
protected. Rows are looked up through ``_base_manager`` (no default-manager filtering hides a
reference), 500 keys per query. If no key field is registered for a storage, or a registered
one does not resolve to a model field, nothing is deleted.

Listing walks the folders with ``storage.listdir`` (FileSystemStorage and django-storages' S3
alike) one folder at a time and checks keys in batches, so a large bucket is never held in
memory. Each real run writes one audit event (``portico.storage.swept``) with the counts and
the deleted keys (generated, opaque: no names, no patient data), also when the run fails
part-way. ``portico storage sweep`` runs it by hand; the Celery task
``portico.core.storage_sweep`` daily.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.files.storage import Storage, storages
from django.db import models
from django.utils import timezone

from portico.core.audit import audit_record
from portico.core.backup import storage_keys

logger = logging.getLogger(__name__)

DEFAULT_GRACE_HOURS = 24.0
# Below this a file whose transaction is still running (an upload, a letter run) could be
# deleted under a row that then commits: refused.
MIN_GRACE_HOURS = 1.0
BATCH_SIZE = 500
# The audit event lists at most this many deleted keys (and says when it left some out).
AUDIT_KEYS_LIMIT = 1000
AUDIT_ACTION = "portico.storage.swept"

_PREFIX_RE = re.compile(r"^[A-Za-z0-9_-]+(?:/[A-Za-z0-9_-]+)*$")


@dataclass(frozen=True, order=True)
class KeyField:
    """A model field holding keys of files in ``storage`` (``"app_label.Model"``, field)."""

    storage: str
    model: str
    field: str

    def __str__(self) -> str:
        return f"{self.model}.{self.field}"


_prefixes: set[tuple[str, str]] = set()  # (storage alias, "folder/")
_key_fields: set[KeyField] = set()


def _normalise_prefix(prefix: str) -> str:
    text = prefix.strip().strip("/")
    if not _PREFIX_RE.match(text):
        raise ValueError(
            f"A swept prefix must be a folder like 'documents' or 'claims/x12', not {prefix!r}."
        )
    return f"{text}/"


def _parse_key_field(dotted: str, storage: str) -> KeyField:
    parts = dotted.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"A key field is 'app_label.Model.field', not {dotted!r}.")
    return KeyField(storage=storage, model=f"{parts[0]}.{parts[1]}", field=parts[2])


def register_stored_files(
    *,
    prefixes: Iterable[str] = (),
    key_fields: Iterable[str] = (),
    storage: str = "default",
) -> None:
    """Declare folders an app writes files under and the fields recording their keys.

    ``prefixes``: folders (``"documents"``, ``"claims/x12"``) whose unreferenced, old files are
    deleted. ``key_fields``: ``"app_label.Model.field"`` strings of every column that holds a
    key of a file in ``storage``. Call from ``AppConfig.ready()``; repeating it is harmless.
    """
    new_prefixes = {(storage, _normalise_prefix(p)) for p in prefixes}
    new_fields = {_parse_key_field(f, storage) for f in key_fields}
    _prefixes.update(new_prefixes)
    _key_fields.update(new_fields)


def registered_prefixes(storage: str | None = None) -> list[tuple[str, str]]:
    """(storage alias, folder) pairs to sweep; a folder inside another one is not repeated."""
    chosen = sorted(p for p in _prefixes if storage is None or p[0] == storage)
    return [
        (alias, prefix)
        for alias, prefix in chosen
        if not any(
            other_alias == alias and other != prefix and prefix.startswith(other)
            for other_alias, other in chosen
        )
    ]


def registered_key_fields(storage: str | None = None) -> list[KeyField]:
    return sorted(f for f in _key_fields if storage is None or f.storage == storage)


def grace_hours() -> float:
    """``PORTICO_STORAGE_SWEEP_GRACE_HOURS`` (default 24)."""
    return float(getattr(settings, "PORTICO_STORAGE_SWEEP_GRACE_HOURS", DEFAULT_GRACE_HOURS))


@dataclass
class SweepResult:
    grace_hours: float
    dry_run: bool
    examined: int = 0
    referenced: int = 0
    too_young: int = 0
    deleted: int = 0  # with dry_run: would be deleted
    vanished: int = 0  # gone between listing and checking (deleted by someone else)
    prefixes: list[str] = field(default_factory=list)
    deleted_keys: list[str] = field(default_factory=list)  # at most AUDIT_KEYS_LIMIT
    keys_truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "examined": self.examined,
            "referenced": self.referenced,
            "too_young": self.too_young,
            "deleted": self.deleted,
            "vanished": self.vanished,
            "dry_run": self.dry_run,
            "grace_hours": self.grace_hours,
        }


def _batches(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    batch: list[str] = []
    for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _resolve(fields: list[KeyField]) -> list[tuple[type[models.Model], str]]:
    """Each key field as (model, column name); a field that does not resolve stops the run."""
    resolved = []
    for key_field in fields:
        try:
            model = apps.get_model(key_field.model)
            model_field = model._meta.get_field(key_field.field)
        except (LookupError, ValueError, FieldDoesNotExist) as exc:
            raise RuntimeError(f"Registered key field {key_field} does not exist.") from exc
        if not isinstance(model_field, models.CharField | models.FileField):
            raise RuntimeError(f"Registered key field {key_field} does not hold text keys.")
        resolved.append((model, key_field.field))
    return resolved


def _referenced(keys: list[str], fields: list[tuple[type[models.Model], str]]) -> set[str]:
    found: set[str] = set()
    for model, name in fields:
        remaining = [k for k in keys if k not in found]
        if not remaining:
            break
        rows = model._base_manager.filter(**{f"{name}__in": remaining}).values_list(name, flat=True)
        found.update(str(value) for value in rows)
    return found


def _aware(moment: datetime) -> datetime:
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _modified(storage: Storage, key: str) -> datetime | None:
    """When ``key`` was last written, or None when it is gone."""
    try:
        return _aware(storage.get_modified_time(key))
    except Exception:  # S3 answers ClientError, the file system OSError
        if not storage.exists(key):
            return None
        raise


def _sweep_prefix(
    storage: Storage,
    prefix: str,
    fields: list[tuple[type[models.Model], str]],
    *,
    cutoff: datetime,
    result: SweepResult,
    batch_size: int,
    on_orphan: Callable[[str], None] | None,
) -> None:
    # One folder listing at a time, depth first (the backup's walk).
    for batch in _batches(storage_keys(storage, prefix), batch_size):
        result.examined += len(batch)
        referenced = _referenced(batch, fields)
        result.referenced += len(referenced.intersection(batch))
        candidates: list[str] = []
        for key in batch:
            if key in referenced:
                continue
            modified = _modified(storage, key)
            if modified is None:
                result.vanished += 1
            elif modified > cutoff:
                result.too_young += 1
            else:
                candidates.append(key)
        if not candidates:
            continue
        # Checked again right before deleting: a row committed while the batch's ages were
        # read (one request per file on S3) still protects its file.
        late = _referenced(candidates, fields)
        result.referenced += len(late)
        for key in candidates:
            if key in late:
                continue
            if not result.dry_run:
                storage.delete(key)
            result.deleted += 1
            if len(result.deleted_keys) < AUDIT_KEYS_LIMIT:
                result.deleted_keys.append(key)
            else:
                result.keys_truncated = True
            if on_orphan is not None:
                on_orphan(key)


def sweep_orphans(
    *,
    dry_run: bool = False,
    grace: float | None = None,
    now: datetime | None = None,
    actor: Any = None,
    batch_size: int = BATCH_SIZE,
    on_orphan: Callable[[str], None] | None = None,
) -> SweepResult:
    """Delete stored files under the registered folders that no row refers to and that are
    older than ``grace`` hours (default ``PORTICO_STORAGE_SWEEP_GRACE_HOURS``).

    ``dry_run`` deletes nothing and records no audit event; ``on_orphan(key)`` is called for
    each file deleted (or that would be). Raises ``ValueError`` for a grace period under
    ``MIN_GRACE_HOURS`` and ``RuntimeError`` when the registry cannot protect referenced files.
    """
    hours = grace_hours() if grace is None else float(grace)
    if hours < MIN_GRACE_HOURS:
        raise ValueError(
            f"The grace period must be at least {MIN_GRACE_HOURS:g} hour(s): files of "
            "transactions still running would be deleted."
        )
    cutoff = (now or timezone.now()) - timedelta(hours=hours)
    result = SweepResult(grace_hours=hours, dry_run=dry_run)
    plan = []
    for alias, prefix in registered_prefixes():
        fields = registered_key_fields(alias)
        if not fields:
            raise RuntimeError(f"No key fields are registered for storage {alias!r}.")
        plan.append((alias, prefix, _resolve(fields)))
    try:
        for alias, prefix, resolved in plan:
            result.prefixes.append(prefix if alias == "default" else f"{alias}:{prefix}")
            _sweep_prefix(
                storages[alias],
                prefix,
                resolved,
                cutoff=cutoff,
                result=result,
                batch_size=batch_size,
                on_orphan=on_orphan,
            )
    finally:
        # Deleting PHI is audited, also when the run stops part-way.
        if not dry_run:
            audit_record(
                action=AUDIT_ACTION,
                actor=actor,
                object_type="storage",
                object_repr="orphaned stored files",
                changes={
                    **result.as_dict(),
                    "prefixes": result.prefixes,
                    "deleted_keys": result.deleted_keys,
                    "keys_truncated": result.keys_truncated,
                },
            )
    logger.info(
        "storage sweep: %s",
        " ".join(f"{name}={value}" for name, value in result.as_dict().items()),
    )
    return result

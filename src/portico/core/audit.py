"""The audit trail: append-only, hash-chained events with dotted action codes.

Services call ``audit_record`` inside their own ``transaction.atomic`` block, so the event
and the change commit (or roll back) together. Action codes are dotted
(``portico.claim.submitted``) and each app registers readable text for its codes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from portico.core import request_context, statements
from portico.core.models import AuditChainHead, AuditCheckpoint, AuditEvent

_ACTIONS: dict[str, str] = {}
HEAD_ID = 1  # the chain head's one row
# The organizations app names the practices events refer to by number (the kernel reads no
# module's tables; the module registers its look-up from ``ready``).
_organization_names: Callable[[Iterable[int]], Mapping[int, str]] | None = None


def register_actions(actions: Mapping[str, str]) -> None:
    """Register readable text for action codes (called from each app's ``ready``)."""
    _ACTIONS.update(actions)


def register_organization_names(lookup: Callable[[Iterable[int]], Mapping[int, str]]) -> None:
    """Register how organization numbers become names (called from the owning app's ``ready``)."""
    global _organization_names
    _organization_names = lookup


def organization_names(ids: Iterable[int | None]) -> dict[int, str]:
    """Names of the given organizations, by number; numbers without a name are left out."""
    wanted = {i for i in ids if i is not None}
    if not wanted or _organization_names is None:
        return {}
    return dict(_organization_names(wanted))


def describe(action: str) -> str:
    return _ACTIONS.get(action, action.removeprefix("portico.").replace(".", " ").replace("_", " "))


def _canonical(event: AuditEvent) -> bytes:
    payload = {
        "occurred_at": event.occurred_at.isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "organization_id": event.organization_id,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "member_ref": event.member_ref,
        "changes": event.changes,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "request_id": event.request_id,
    }
    return json.dumps(payload, sort_keys=True, default=str, separators=(",", ":")).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(event.prev_hash.encode() + _canonical(event)).hexdigest()


def _without_nul(value: Any) -> Any:
    """``value`` with each NUL in its strings written as U+FFFD: PostgreSQL's text and jsonb
    cannot hold NUL, and an audited request may carry one (a tampered query string)."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    return value


def _json_safe(value: Any) -> Any:
    text = json.dumps(value, default=str)
    loaded = json.loads(text)
    return _without_nul(loaded) if "\\u0000" in text else loaded


def audit_record(
    *,
    action: str,
    actor: Any = None,
    obj: models.Model | None = None,
    organization_id: int | None = None,
    member_ref: str = "",
    changes: Mapping[str, Any] | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
) -> AuditEvent:
    """Append one event. Must run inside the caller's transaction (it opens one if not)."""
    ctx = request_context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)[:255]
    user = actor if getattr(actor, "is_authenticated", False) else None
    # No savepoint inside the caller's transaction: the event and the change commit or roll
    # back together, so a failed audit write dooms the whole transaction (a caller cannot catch
    # it and commit the change without its event), and each audited change is spared the
    # SAVEPOINT/RELEASE pair. Outside a transaction this opens one, as before.
    with transaction.atomic(savepoint=False):
        prev_hash = _chain_head_locked()
        event = AuditEvent(
            occurred_at=timezone.now(),
            actor=user,
            actor_label=(user.get_username() if user else "")[:150],
            organization_id=organization_id,
            action=action,
            object_type=object_type,
            object_id=_without_nul(object_id[:64]),
            object_repr=_without_nul(object_repr[:255]),
            member_ref=_without_nul(member_ref[:64]),
            changes=_json_safe(dict(changes or {})),
            ip_address=ctx.ip_address,
            user_agent=ctx.user_agent,
            request_id=ctx.request_id,
            prev_hash=prev_hash,
        )
        event.hash = compute_hash(event)
        statements.insert(event)
        _chain_head_advance(event.hash)
    return event


# The chain head is read and advanced by every audited action (each PHI view), so its two
# statements are prepared (core/statements.py) rather than compiled by the ORM each time.
def _chain_head_sql() -> tuple[str, str]:
    table = statements.table(AuditChainHead)
    last_hash, count, key = (
        statements.column(AuditChainHead, n) for n in ("last_hash", "count", "id")
    )
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    return (
        f"SELECT {last_hash} FROM {table} WHERE {key} = %s{lock}",  # noqa: S608  # nosec B608
        f"UPDATE {table} SET {last_hash} = %s, {count} = {count} + 1 WHERE {key} = %s",  # noqa: S608  # nosec B608
    )


def _chain_head_locked() -> str:
    """The newest hash, with the head row locked until the caller's transaction ends (on
    SQLite the write transaction holds the database). The first event ever creates the row."""
    select, _update = statements.once(("audit_chain_head", connection.vendor), _chain_head_sql)
    with connection.cursor() as cursor:
        cursor.execute(select, [HEAD_ID])
        row = cursor.fetchone()
    if row is None:
        head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=HEAD_ID)
        return head.last_hash
    return str(row[0])


def _chain_head_advance(new_hash: str) -> None:
    _select, update = statements.once(("audit_chain_head", connection.vendor), _chain_head_sql)
    with connection.cursor() as cursor:
        cursor.execute(update, [new_hash, HEAD_ID])


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    reason: str


GENESIS = "0" * 64


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-last_event_id").first()


def verify_chain(events: Iterable[AuditEvent] | None = None) -> ChainBreak | None:
    """Walk the chain oldest first; return the first broken link, or None when intact.

    With no ``events`` it checks the live table: from the newest archive checkpoint (or the
    genesis hash), every row's link and content, and finally that the newest row is the one
    the chain head recorded (so deleting the newest rows is found too).
    """
    prev = GENESIS
    last_id = 0
    check_head = events is None
    if events is None:
        checkpoint = latest_checkpoint()
        qs = AuditEvent.objects.order_by("id")
        if checkpoint is not None:
            prev = checkpoint.last_hash
            last_id = checkpoint.last_event_id
            qs = qs.filter(id__gt=checkpoint.last_event_id)
        events = qs.iterator(2000)
    for event in events:
        if event.prev_hash != prev:
            return ChainBreak(event.id, "previous-hash link does not match the preceding event")
        if compute_hash(event) != event.hash:
            return ChainBreak(event.id, "content does not match its hash (modified)")
        prev = event.hash
        last_id = event.id
    if check_head:
        head = AuditChainHead.objects.filter(id=HEAD_ID).first()
        if head is not None and head.last_hash != prev:
            return ChainBreak(
                last_id, "the chain head names a newer event than the last one (rows removed)"
            )
    return None


def model_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A {field: {"from": old, "to": new}} diff for the audit row of an update."""
    return {
        key: {"from": before.get(key), "to": after.get(key)}
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }

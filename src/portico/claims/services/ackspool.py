"""The 277CA's per-claim entries of one 837 file, spooled to disk.

The 277CA lists claims grouped by billing provider, with each provider's and the batch's
totals before the claims, so it can only be written after the whole file is read. Keeping one
entry per claim in memory until then made the intake's memory grow with the file (about
1 KiB a claim). The entries go to a temporary SQLite file instead (the standard library's
``sqlite3``: an indexed, append-only table is all this needs, and SQLite sorts on disk); what
stays in memory is a few numbers per provider and transaction set.

Hand-written because no library spools dataclasses to disk with grouped read-back.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import date
from decimal import Decimal

from portico.x12.ack277ca import (
    AcknowledgmentTotals,
    ClaimAcknowledgment,
    ClaimStatus,
    ProviderAcknowledgment,
)

SetKey = tuple[str, str, str]  # interchange, group and transaction set control numbers
_BUFFER = 1000  # entries per insert


def _encode(ack: ClaimAcknowledgment) -> str:
    return json.dumps(
        [
            ack.patient_account_number,
            str(ack.total_charge),
            ack.accepted,
            ack.patient_last_name,
            ack.patient_member_id,
            ack.service_date.isoformat(),
            ack.service_date_end.isoformat() if ack.service_date_end else None,
            ack.patient_first_name,
            [[s.category, s.code, s.entity] for s in ack.statuses],
            ack.payer_claim_control_number,
            ack.clearinghouse_trace_number,
            ack.bill_type,
            ack.status_date.isoformat() if ack.status_date else None,
        ],
        separators=(",", ":"),
    )


def _decode(data: str) -> ClaimAcknowledgment:
    (pan, charge, accepted, last, member, start, end, first, statuses, pcn, trace, tob, when) = (
        json.loads(data)
    )
    return ClaimAcknowledgment(
        patient_account_number=pan,
        total_charge=Decimal(charge),
        accepted=accepted,
        patient_last_name=last,
        patient_member_id=member,
        service_date=date.fromisoformat(start),
        service_date_end=date.fromisoformat(end) if end else None,
        patient_first_name=first,
        statuses=[ClaimStatus(*s) for s in statuses],
        payer_claim_control_number=pcn,
        clearinghouse_trace_number=trace,
        bill_type=tob,
        status_date=date.fromisoformat(when) if when else None,
    )


class AcknowledgmentSpool:
    """Append claims' 277CA entries as they are decided; read them back by provider.

    The file is created on the first entry and removed by :meth:`close` (use ``with``).
    """

    def __init__(self) -> None:
        self._db: sqlite3.Connection | None = None
        self._path = ""
        self._buffer: list[tuple[int, str, str]] = []
        # Provider NPI -> (its order of first appearance, its 2000C details).
        self._providers: dict[str, tuple[int, ProviderAcknowledgment]] = {}
        # Totals per (transaction set, provider): a rejected set's claims are taken out
        # without reading the spool again.
        self._totals: dict[tuple[SetKey, int], AcknowledgmentTotals] = {}
        self._dropped: set[SetKey] = set()

    def __enter__(self) -> AcknowledgmentSpool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(
        self,
        npi: str,
        claim: ClaimAcknowledgment,
        key: SetKey,
        provider: Callable[[], ProviderAcknowledgment],
    ) -> None:
        """Spool ``claim`` under its billing provider ``npi``; ``provider`` gives the 2000C
        details, asked for once per provider."""
        known = self._providers.get(npi)
        if known is None:
            known = self._providers[npi] = (len(self._providers), provider())
        order = known[0]
        self._totals.setdefault((key, order), AcknowledgmentTotals()).add(claim)
        self._buffer.append((order, "\x1f".join(key), _encode(claim)))
        if len(self._buffer) >= _BUFFER:
            self._write()

    def set_keys(self) -> set[SetKey]:
        return {key for key, _ in self._totals} - self._dropped

    def drop_sets(self, keys: set[SetKey]) -> None:
        """Leave the claims of these transaction sets out of the 277CA (the 999 rejected
        them, so their claims were not kept)."""
        self._dropped |= keys

    def totals(self) -> AcknowledgmentTotals:
        out = AcknowledgmentTotals()
        for (key, _), t in self._totals.items():
            if key not in self._dropped:
                out += t
        return out

    def providers(self) -> list[ProviderAcknowledgment]:
        """The 2000C loops in order of first appearance, each with its totals and its claims
        read lazily from the spool (one provider at a time, as the writer needs them)."""
        self._write()
        if self._db is not None:
            # Built once, after the appends: cheaper than keeping it up to date on each.
            self._db.execute("CREATE INDEX IF NOT EXISTS entry_provider ON entry (provider, seq)")
        by_provider: dict[int, AcknowledgmentTotals] = {}
        for (key, prov), t in self._totals.items():
            if key not in self._dropped:
                provider_totals = by_provider.setdefault(prov, AcknowledgmentTotals())
                provider_totals += t  # in place: the dict holds the same object
        out = []
        for npi, (order, details) in self._providers.items():
            totals = by_provider.get(order)
            if totals is not None and totals.accepted + totals.rejected:
                out.append(replace(details, npi=npi, claims=self._claims(order), totals=totals))
        return out

    def _claims(self, provider: int) -> Iterator[ClaimAcknowledgment]:
        if self._db is None:
            return
        dropped = {"\x1f".join(k) for k in self._dropped}
        cursor = self._db.execute(
            "SELECT set_key, data FROM entry WHERE provider = ? ORDER BY seq", (provider,)
        )
        for set_key, data in cursor:
            if set_key not in dropped:
                yield _decode(data)

    def _write(self) -> None:
        if not self._buffer:
            return
        if self._db is None:
            fd, self._path = tempfile.mkstemp(prefix="portico-277ca-", suffix=".sqlite3")
            os.close(fd)
            self._db = sqlite3.connect(self._path)
            # A scratch file: nothing to recover after a crash, so no journal and no fsync.
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE entry (seq INTEGER PRIMARY KEY, provider INTEGER NOT NULL, "
                "set_key TEXT NOT NULL, data TEXT NOT NULL)"
            )
        # One statement for the buffer (a full one, or the last): executemany would give the
        # GIL up and wait for it again for every entry, while the intake's writer thread runs.
        per = max(1, self._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // 3)
        for start in range(0, len(self._buffer), per):
            chunk = self._buffer[start : start + per]
            params: list[object] = []
            for entry in chunk:
                params += entry
            values = ", ".join(["(?, ?, ?)"] * len(chunk))
            self._db.execute(
                f"INSERT INTO entry (provider, set_key, data) VALUES {values}",  # noqa: S608  # nosec B608 - placeholders only
                params,
            )
        self._buffer = []

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._path:
            os.unlink(self._path)
            self._path = ""
        self._buffer = []

"""Parse and validate a health plan's provider file before anything is written.

The file a plan sends is CSV (UTF-8, header row):

==================  ========  =========================================================
column              required  content
==================  ========  =========================================================
npi                 yes       10 digits with a valid check digit
first_name          *         individual providers: first and last name
last_name           *
organization_name   *         organisations: the name (a row needs a person's last name
                              or an organisation name)
credential          no        MD, DO, NP, …
taxonomy_code       no        10 characters (NUCC), e.g. 207Q00000X
provider_id         yes       the plan's Provider ID (unique in the file)
network             no        in / out (default in)
effective_date      no        YYYY-MM-DD
termination_date    no        YYYY-MM-DD, not before effective_date
provider_password   no        the password the plan issued to the office; stored hashed
==================  ========  =========================================================
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from portico.organizations.validators import validate_npi

REQUIRED_COLUMNS = ("npi", "provider_id")
_TAXONOMY_RE = re.compile(r"^[0-9A-Z]{9}X$")


@dataclass(frozen=True)
class ProviderFileRow:
    npi: str
    first_name: str
    last_name: str
    organization_name: str
    credential: str
    taxonomy_code: str
    provider_id: str
    network: str
    effective_date: dt.date | None
    termination_date: dt.date | None
    provider_password: str


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _date(value: str, column: str, problems: list[str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        problems.append(f"{column} {value!r} is not a date (YYYY-MM-DD)")
        return None


def parse_provider_file(text: str) -> tuple[list[ProviderFileRow], list[RowError]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, f"missing column(s): {', '.join(missing)}")]
    rows: list[ProviderFileRow] = []
    errors: list[RowError] = []
    seen_ids: dict[str, int] = {}
    seen_npis: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        values = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        get = values.get
        problems: list[str] = []
        npi = get("npi") or ""
        try:
            validate_npi(npi)
        except ValidationError as exc:
            problems.append(f"npi {npi!r}: {exc.messages[0]}")
        if npi in seen_npis:
            problems.append(f"npi {npi} repeats line {seen_npis[npi]}")
        seen_npis.setdefault(npi, line)
        provider_id = get("provider_id") or ""
        if not provider_id or len(provider_id) > 30:
            problems.append("provider_id must have 1 to 30 characters")
        elif provider_id.upper() in seen_ids:
            problems.append(
                f"provider_id {provider_id} repeats line {seen_ids[provider_id.upper()]}"
            )
        seen_ids.setdefault(provider_id.upper(), line)
        if not (get("last_name") or get("organization_name")):
            problems.append("a row needs last_name or organization_name")
        taxonomy = (get("taxonomy_code") or "").upper()
        if taxonomy and not _TAXONOMY_RE.match(taxonomy):
            problems.append(f"taxonomy_code {taxonomy!r} is not a 10-character NUCC code")
        network = (get("network") or "in").lower()
        if network not in {"in", "out"}:
            problems.append("network must be in or out")
        effective = _date(get("effective_date") or "", "effective_date", problems)
        termination = _date(get("termination_date") or "", "termination_date", problems)
        if effective and termination and termination < effective:
            problems.append("termination_date is before effective_date")
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        rows.append(
            ProviderFileRow(
                npi=npi,
                first_name=get("first_name") or "",
                last_name=get("last_name") or "",
                organization_name=get("organization_name") or "",
                credential=get("credential") or "",
                taxonomy_code=taxonomy,
                provider_id=provider_id,
                network=network,
                effective_date=effective,
                termination_date=termination,
                provider_password=get("provider_password") or "",
            )
        )
    if not rows and not errors:
        errors.append(RowError(1, "the file has no rows"))
    return rows, errors

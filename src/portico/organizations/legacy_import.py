"""Parse and validate a legacy-user file before anything is written.

The file is CSV (UTF-8, header row) with these columns:

=================  ========  ===========================================================
column             required  content
=================  ========  ===========================================================
username           yes       the previous portal's username (unique in the file)
email              yes       the email address on file (codes are sent there)
first_name         no
last_name          no
practice_tin       no        12-3456789, 123-45-6789 or 9 digits
practice_name      no        used when no practice has the TIN yet
applications       yes       ``;``-separated: claims, patientinfo, referrals, priorauth,
                             support
submit_claims      no        Y/N (claims scope; default N)
regions            no        ``;``-separated region codes (patientinfo scope; required
                             when patientinfo is listed)
pip_role           no        staff, pcp or specialist (patientinfo; default staff)
password_hash      no        Django format: ``pbkdf2_sha256$…``, ``argon2$…``,
                             ``bcrypt$…`` (see ``legacy_hashes``) or empty
=================  ========  ===========================================================
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from portico.organizations import legacy_hashes
from portico.organizations.models import Application
from portico.organizations.services.legacy import LegacyRow
from portico.organizations.validators import parse_tin

REQUIRED_COLUMNS = ("username", "email", "applications")
PIP_ROLES = ("staff", "pcp", "specialist")


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


def _yes(value: str) -> bool | None:
    v = value.strip().lower()
    if v in {"y", "yes", "true", "1"}:
        return True
    if v in {"", "n", "no", "false", "0"}:
        return False
    return None


def parse_legacy_users(
    text: str, *, region_codes: set[str]
) -> tuple[list[LegacyRow], list[RowError]]:
    """Every row validated; the rows are usable only when the error list is empty."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, f"missing column(s): {', '.join(missing)}")]
    rows: list[LegacyRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        get = {k.strip(): (v or "").strip() for k, v in raw.items() if k}.get
        problems: list[str] = []
        username = get("username") or ""
        if not username:
            problems.append("username is empty")
        elif username.lower() in seen:
            problems.append(f"username {username!r} repeats line {seen[username.lower()]}")
        else:
            seen[username.lower()] = line
        email = get("email") or ""
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"email {email!r} is not an email address")
        tin = ""
        if get("practice_tin"):
            try:
                tin = parse_tin(get("practice_tin") or "").digits
            except ValidationError:
                problems.append(f"practice_tin {get('practice_tin')!r} is not a Tax ID")
        apps = [a.strip().lower() for a in (get("applications") or "").split(";") if a.strip()]
        unknown = [a for a in apps if a not in Application.values]
        if not apps:
            problems.append("applications is empty")
        if unknown:
            problems.append(
                f"unknown application(s) {', '.join(unknown)}; use {', '.join(Application.values)}"
            )
        scope: dict[str, dict] = {}
        submit = _yes(get("submit_claims") or "")
        if submit is None:
            problems.append("submit_claims must be Y or N")
        if "claims" in apps:
            scope["claims"] = {"submit_claims": bool(submit)}
            if tin:
                scope["claims"]["tins"] = [tin]
            else:
                problems.append("practice_tin is required for claims access")
        if "patientinfo" in apps:
            regions = [r.strip().upper() for r in (get("regions") or "").split(";") if r.strip()]
            bad = [r for r in regions if r not in region_codes]
            role = (get("pip_role") or "staff").lower()
            if not regions:
                problems.append("regions is required for patientinfo access")
            if bad:
                problems.append(f"unknown region(s) {', '.join(bad)}")
            if role not in PIP_ROLES:
                problems.append(f"pip_role must be one of {', '.join(PIP_ROLES)}")
            scope["patientinfo"] = {
                "regions": regions,
                "roles": [role],
                "cap_report": False,
                "add_terms": False,
            }
        hash_problem = legacy_hashes.hash_format_error(get("password_hash") or "")
        if hash_problem:
            problems.append(hash_problem)
        if problems:
            errors.extend(RowError(line, p) for p in problems)
            continue
        rows.append(
            LegacyRow(
                username=username,
                email=email,
                first_name=get("first_name") or "",
                last_name=get("last_name") or "",
                practice_tin=tin,
                practice_name=get("practice_name") or "",
                applications=apps,
                scope=scope,
                password_hash=get("password_hash") or "",
            )
        )
    if not rows and not errors:
        errors.append(RowError(1, "the file has no rows"))
    return rows, errors

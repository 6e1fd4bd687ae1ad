"""Reading, checking and (for ICD-10-CM) building the code-set files under ``data/``.

The files are plain CSV (ICD-10-CM gzip-compressed) so that a reviewer can diff a yearly
update. Reading is separate from loading: every file is parsed and checked completely before the
loader opens its transaction, so a bad file stops the load with every problem listed and nothing
written. Lines starting with ``#`` are comments; ``# key: value`` comments at the top carry
metadata such as the ICD-10-CM fiscal year.

No Django models are touched here; ``services.code_sets_load`` does the writing.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from portico.codes.validators import (
    CARC_PATTERN,
    ICD10_PATTERN,
    RARC_PATTERN,
    TAXONOMY_PATTERN,
)

DATA_DIR = Path(__file__).resolve().parent / "data"

ICD10_FILE = "icd10cm.csv.gz"
PLACE_OF_SERVICE_FILE = "place_of_service.csv"
CARC_FILE = "carc.csv"
RARC_FILE = "rarc.csv"
TAXONOMY_FILE = "taxonomy.csv"

#: Stop after this many problems: a wholly wrong file would otherwise print 98,000 lines.
MAX_REPORTED_ERRORS = 20

ICD10_DESCRIPTION_MAX = 255


class CodeSetDataError(Exception):
    """A shipped file is missing or malformed; ``errors`` lists each problem with its line."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("\n".join(errors))


@dataclass(frozen=True, slots=True)
class Icd10Row:
    code: str
    description: str
    billable: bool


@dataclass(frozen=True, slots=True)
class Icd10Release:
    fiscal_year: int
    rows: list[Icd10Row]


@dataclass(frozen=True, slots=True)
class PlaceOfServiceRow:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class DatedCodeRow:
    code: str
    description: str
    start_date: datetime.date | None
    stop_date: datetime.date | None


@dataclass(frozen=True, slots=True)
class TaxonomyRow:
    code: str
    grouping: str
    classification: str
    specialization: str


class _Errors:
    """Collects problems for one file and raises them together."""

    def __init__(self, path: Path) -> None:
        self.name = path.name
        self.items: list[str] = []

    def add(self, line: int, message: str) -> None:
        self.items.append(f"{self.name}, line {line}: {message}")
        if len(self.items) >= MAX_REPORTED_ERRORS:
            self.items.append(f"{self.name}: stopped after {MAX_REPORTED_ERRORS} problems")
            raise CodeSetDataError(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise CodeSetDataError(self.items)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise CodeSetDataError([f"{path}: file not found"])
    try:
        raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return raw.decode("utf-8")
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CodeSetDataError([f"{path}: cannot be read ({exc})"]) from exc


def _records(
    path: Path, columns: tuple[str, ...]
) -> tuple[dict[str, str], Iterator[tuple[int, list[str]]], _Errors]:
    """Split a file into its ``# key: value`` metadata and its data records.

    Records are yielded with their line number in the file, for error messages; the header row
    must name exactly ``columns`` so that a reordered file cannot load values into wrong fields.
    """
    text = _read_text(path)
    errors = _Errors(path)
    metadata: dict[str, str] = {}
    numbered: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("#"):
            key, sep, value = line[1:].partition(":")
            if sep:
                metadata[key.strip().lower()] = value.strip()
        elif line.strip():
            numbered.append((number, line))
    if not numbered:
        raise CodeSetDataError([f"{path.name}: no header row"])
    header_line, header = numbered[0]
    found = tuple(next(csv.reader([header])))
    if found != columns:
        raise CodeSetDataError(
            [
                f"{path.name}, line {header_line}: expected columns {','.join(columns)}, "
                f"found {','.join(found)}"
            ]
        )

    def rows() -> Iterator[tuple[int, list[str]]]:
        body = numbered[1:]
        parsed = csv.reader(line for _, line in body)
        try:
            for (number, _), fields in zip(body, parsed, strict=True):
                if len(fields) != len(columns):
                    errors.add(number, f"expected {len(columns)} fields, found {len(fields)}")
                    continue
                yield number, [field.strip() for field in fields]
        except (csv.Error, ValueError) as exc:
            # A quoted field spanning lines shifts every later record; stop rather than guess.
            errors.items.append(f"{path.name}: malformed CSV ({exc})")

    return metadata, rows(), errors


def _check_unique(errors: _Errors, seen: set[str], number: int, code: str) -> bool:
    if code in seen:
        errors.add(number, f"duplicate code {code}")
        return False
    seen.add(code)
    return True


def _parse_date(errors: _Errors, number: int, value: str, label: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        errors.add(number, f"{label} {value!r} is not a date (YYYY-MM-DD)")
        return None


# --------------------------------------------------------------------------------------------
# Readers
# --------------------------------------------------------------------------------------------


def read_icd10(path: Path) -> Icd10Release:
    """Read ``icd10cm.csv.gz``: ``code,billable,description`` plus a ``fiscal_year`` header.

    Besides each row's shape it checks that every code's three-character category is present,
    because the validator's "choose a more specific code" message depends on the headers.
    """
    metadata, records, errors = _records(path, ("code", "billable", "description"))
    fiscal_year = metadata.get("fiscal_year", "")
    if not re.fullmatch(r"20[0-9]{2}", fiscal_year):
        raise CodeSetDataError([f"{path.name}: missing or invalid '# fiscal_year:' header"])
    rows: list[Icd10Row] = []
    lines: dict[str, int] = {}
    seen: set[str] = set()
    for number, (code, billable, description) in records:
        lines.setdefault(code, number)
        if not ICD10_PATTERN.fullmatch(code):
            errors.add(number, f"{code!r} is not an ICD-10-CM code without its dot")
            continue
        if billable not in ("0", "1"):
            errors.add(number, f"billable must be 0 or 1, found {billable!r}")
            continue
        if not description or len(description) > ICD10_DESCRIPTION_MAX:
            errors.add(number, f"description of {code} is empty or over 255 characters")
            continue
        if _check_unique(errors, seen, number, code):
            rows.append(Icd10Row(code, description, billable == "1"))
    for row in rows:
        if row.code[:3] not in seen:
            errors.add(lines[row.code], f"{row.code} has no category row {row.code[:3]}")
    errors.raise_if_any()
    if not rows:
        raise CodeSetDataError([f"{path.name}: no codes"])
    return Icd10Release(fiscal_year=int(fiscal_year), rows=rows)


def read_place_of_service(path: Path) -> list[PlaceOfServiceRow]:
    """Read ``place_of_service.csv``: ``code,name`` with two-digit codes."""
    _, records, errors = _records(path, ("code", "name"))
    rows: list[PlaceOfServiceRow] = []
    seen: set[str] = set()
    for number, (code, name) in records:
        if not re.fullmatch(r"[0-9]{2}", code) or code == "00":
            errors.add(number, f"{code!r} is not a two-digit place of service code")
        elif not name:
            errors.add(number, f"place of service {code} has no name")
        elif _check_unique(errors, seen, number, code):
            rows.append(PlaceOfServiceRow(code, name))
    errors.raise_if_any()
    return rows


def _read_dated(path: Path, pattern: re.Pattern[str], kind: str) -> list[DatedCodeRow]:
    _, records, errors = _records(path, ("code", "description", "start_date", "stop_date"))
    rows: list[DatedCodeRow] = []
    seen: set[str] = set()
    for number, (code, description, start, stop) in records:
        if not pattern.fullmatch(code):
            errors.add(number, f"{code!r} is not a {kind}")
            continue
        if not description:
            errors.add(number, f"{kind} {code} has no description")
            continue
        start_date = _parse_date(errors, number, start, "start_date")
        stop_date = _parse_date(errors, number, stop, "stop_date")
        if start_date and stop_date and stop_date < start_date:
            errors.add(number, f"{kind} {code} stops before it starts")
            continue
        if _check_unique(errors, seen, number, code):
            rows.append(DatedCodeRow(code, description, start_date, stop_date))
    errors.raise_if_any()
    return rows


def read_carc(path: Path) -> list[DatedCodeRow]:
    """Read ``carc.csv``: ``code,description,start_date,stop_date``."""
    return _read_dated(path, CARC_PATTERN, "claim adjustment reason code")


def read_rarc(path: Path) -> list[DatedCodeRow]:
    """Read ``rarc.csv``: ``code,description,start_date,stop_date``."""
    return _read_dated(path, RARC_PATTERN, "remark code")


def read_taxonomy(path: Path) -> list[TaxonomyRow]:
    """Read ``taxonomy.csv``: ``code,grouping,classification,specialization``."""
    _, records, errors = _records(path, ("code", "grouping", "classification", "specialization"))
    rows: list[TaxonomyRow] = []
    seen: set[str] = set()
    for number, (code, grouping, classification, specialization) in records:
        if not TAXONOMY_PATTERN.fullmatch(code):
            errors.add(number, f"{code!r} is not a provider taxonomy code")
        elif not grouping or not classification:
            errors.add(number, f"taxonomy {code} needs a grouping and a classification")
        elif _check_unique(errors, seen, number, code):
            rows.append(TaxonomyRow(code, grouping, classification, specialization))
    errors.raise_if_any()
    return rows


# --------------------------------------------------------------------------------------------
# Building the ICD-10-CM file from the pinned simple-icd-10-cm package
# --------------------------------------------------------------------------------------------

_MONTHS = {
    name: index
    for index, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        start=1,
    )
}


def fiscal_year_of_release(month: int, year: int) -> int:
    """The federal fiscal year runs October to September: an October 2025 release is FY2026."""
    return year + 1 if month >= 10 else year


def _clean_description(text: str) -> str:
    # The tabular XML has stray tabs and line breaks inside a few descriptions.
    return re.sub(r"/\s+", "/", " ".join(text.split()))


def icd10_release_from_package() -> tuple[Icd10Release, str]:
    """Every category, subcategory and billable code in the pinned ``simple_icd_10_cm`` data.

    Returns the release and a human label of its source (``April 2026``). Chapters and blocks
    (``A00-A09``) are not codes and are left out; billable means a leaf of the classification,
    which is CMS's definition of a valid code for a claim.
    """
    # Imported here: it parses a 10 MB XML file on import, which only this build step needs.
    import simple_icd_10_cm as icd

    data_dir = Path(icd.__file__).resolve().parent / "data"
    lists = sorted(data_dir.glob("code-list-*-*.txt"))
    match = re.fullmatch(r"code-list-([A-Za-z]+)-([0-9]{4})\.txt", lists[0].name) if lists else None
    if match is None or match.group(1).lower() not in _MONTHS:
        raise CodeSetDataError([f"cannot tell the release of the package data in {data_dir}"])
    month, year = _MONTHS[match.group(1).lower()], int(match.group(2))
    rows: list[Icd10Row] = []
    seen: set[str] = set()
    for code in icd.get_all_codes(with_dots=False):
        if code in seen or not icd.is_category_or_subcategory(code):
            continue
        seen.add(code)
        rows.append(
            Icd10Row(code, _clean_description(icd.get_description(code)), icd.is_leaf(code))
        )
    rows.sort(key=lambda row: row.code)
    label = f"{match.group(1).capitalize()} {year}"
    return Icd10Release(fiscal_year=fiscal_year_of_release(month, year), rows=rows), label


def write_icd10(path: Path, release: Icd10Release, *, source: str) -> None:
    """Write a release in the format :func:`read_icd10` reads, gzip-compressed and stable.

    ``mtime=0`` keeps the bytes identical for identical content, so a rebuild without a new
    release shows no change in version control.
    """
    buffer = io.StringIO()
    buffer.write(
        "# ICD-10-CM (public domain, CDC National Center for Health Statistics / CMS).\n"
        f"# source: {source}\n"
        f"# fiscal_year: {release.fiscal_year}\n"
        "# billable: 1 = valid for a claim (leaf code); 0 = category or subcategory header\n"
    )
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "billable", "description"])
    for row in release.rows:
        writer.writerow([row.code, "1" if row.billable else "0", row.description])
    with (
        path.open("wb") as handle,
        gzip.GzipFile(filename="", mode="wb", fileobj=handle, mtime=0, compresslevel=9) as archive,
    ):
        archive.write(buffer.getvalue().encode("utf-8"))

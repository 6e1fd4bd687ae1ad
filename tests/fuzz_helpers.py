"""Hypothesis strategies shared by the fuzz tests of the forms, the pages and the FHIR endpoints
(issue "Trust": "never a crash, always a structured error").

The strategies generate what a browser or a careless client can send, not what a form wants:
text with NUL bytes, very long strings, unicode oddities, digits-only and blank values,
plausible-but-wrong dates and numbers, multi-value lists, and uploaded files with random bytes
and random (path-traversal) names. Lone surrogates are left out: a request cannot carry them
(Django decodes the body with ``errors="replace"``).
"""

from __future__ import annotations

from typing import Any, Literal

from django import forms
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.formsets import (
    INITIAL_FORM_COUNT,
    MAX_NUM_FORM_COUNT,
    MIN_NUM_FORM_COUNT,
    TOTAL_FORM_COUNT,
)
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st


def fuzz_settings(examples: int) -> settings:
    """Reproducible in CI: the same inputs every run (derandomized, no example database)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# Values that broke forms somewhere once, or that sit right next to a rule.
NASTY_STRINGS = [
    "",
    " ",
    "\t\r\n",
    "\x00",
    "a\x00b",
    "0",
    "-1",
    "-0",
    "1.5",
    "1e309",
    "-1e309",
    "1E+1000000",
    "NaN",
    "Infinity",
    "-Infinity",
    "99999999999999999999999999999999",
    "9223372036854775808",
    "2147483648",
    "１２３",  # full-width digits
    "١٢٣",  # Arabic-Indic digits
    "½",
    "1_000",
    "0x1F",
    "%s%d%(name)s{0}{name}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "\u202etxt.exe",
    "\u200b",
    "\ufeff",
    "🙂" * 3,
    "İstanbul ß ǅ ﬁ",
    "2020-13-45",
    "2020-02-30",
    "0000-00-00",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "-2020-01-01",
    "13/45/2020",
    "2020-1-1",
    "2020-01-01T25:61:61Z",
    "2020-W53",
    "2026-13",
    "yesterday",
    "true",
    "on",
    "null",
    "None",
    "[]",
    "{}",
    "x" * 300,
    "9" * 400,
    "a" * 5000,
]

_SURROGATES: list[Literal["Cs"]] = ["Cs"]
TEXT_CHARS = st.characters(exclude_categories=_SURROGATES)


def nasty_text(max_size: int = 40) -> st.SearchStrategy[str]:
    """Arbitrary text a field may be sent (including NUL, unicode, whitespace, long runs)."""
    return st.one_of(
        st.sampled_from(NASTY_STRINGS),
        st.text(TEXT_CHARS, max_size=max_size),
        st.text(st.characters(codec="ascii"), max_size=max_size),
        st.from_regex(r"[0-9]{1,30}", fullmatch=True),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.text(" \t\r\n\x0b\x0c\u00a0\u2028\u3000", max_size=8),
        st.integers(min_value=200, max_value=12000).map(lambda n: "z" * n),
    )


def date_text() -> st.SearchStrategy[str]:
    """Dates, valid and not: ISO, US style, out-of-range months and days, odd years."""
    return st.one_of(
        st.dates().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.strftime("%m/%d/%Y")),
        st.tuples(st.integers(-10, 10**5), st.integers(-1, 99), st.integers(-1, 99)).map(
            lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
        ),
        nasty_text(),
    )


def number_text() -> st.SearchStrategy[str]:
    """Numbers, valid and not: huge, negative, NaN/Infinity, many decimals, exponents."""
    return st.one_of(
        st.integers(min_value=-5, max_value=20).map(str),
        st.integers().map(str),
        st.decimals(allow_nan=True, allow_infinity=True, places=None).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        nasty_text(),
    )


UPLOAD_NAMES = [
    "report.pdf",
    "scan.tif",
    "photo.jpg",
    "image.png",
    "notes.txt",
    "claims.837",
    "../../../../etc/passwd",
    "..\\..\\windows\\system32\\drivers\\etc\\hosts.pdf",
    "/absolute/path/letter.pdf",
    "dir/",
    ".pdf",
    "no-extension",
    "double.pdf.exe",
    "trailing-dot.pdf.",
    "CON.pdf",
    "nul\x00byte.pdf",
    "new\nline.pdf",
    'quote".pdf',
    "semi;colon.pdf",
    "ünïcödé-名前.pdf",
    "\u202efdp.exe",
    "x" * 300 + ".pdf",
]
MAGIC_PREFIXES = [
    b"",
    b"%PDF-1.4\n",
    b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff\xe0",
    b"II*\x00",
    b"MM\x00*",
    b"PK\x03\x04",
    b"\x1f\x8b\x08",
    b"MZ\x90\x00",
    b"<!DOCTYPE html><html>",
    b"ISA*00*          *00*          *ZZ*",
    b"\xef\xbb\xbf",
]


def upload_names() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(UPLOAD_NAMES),
        st.tuples(
            st.text(TEXT_CHARS, max_size=20),
            st.sampled_from(["", ".pdf", ".PDF", ".tiff", ".png", ".jpeg", ".txt", ".exe"]),
        ).map("".join),
    )


def uploads(*, text_names: bool = True) -> st.SearchStrategy[SimpleUploadedFile]:
    """An uploaded file: random bytes (often behind a real file type's magic number), a random
    name (path traversal included) and a random content type. ``text_names=False`` keeps the
    names encodable in a multipart header (no NUL or line breaks), for HTTP posts."""
    names = upload_names()
    if not text_names:
        names = names.map(lambda n: n.replace("\x00", "").replace("\n", "").replace("\r", ""))
    content = st.tuples(st.sampled_from(MAGIC_PREFIXES), st.binary(max_size=600)).map(
        lambda t: t[0] + t[1]
    )
    content_types = st.sampled_from(
        ["application/pdf", "image/png", "text/plain", "application/octet-stream", "", "x/\x7f"]
    )
    return st.builds(_upload, names, content, content_types)


def _upload(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    """Django refuses to build an upload whose name has no file name ("", ".", "dir/"); a
    request's multipart parser drops those, so the file is then named "upload"."""
    try:
        return SimpleUploadedFile(name, content, content_type)
    except SuspiciousFileOperation:
        return SimpleUploadedFile("upload", content, content_type)


# ---------------------------------------------------------------------------
# Form data from a form's fields
# ---------------------------------------------------------------------------
def _choice_values(field: forms.Field) -> list[str]:
    """The values a choice field offers (its real options: the way past "select a valid
    choice" to the form's deeper rules). Reads the database for model choice fields."""
    values: list[str] = []
    for value, label in getattr(field, "choices", None) or []:
        if isinstance(label, list | tuple):  # an optgroup
            values += [str(v) for v, _ in label]
        else:
            values.append(str(getattr(value, "value", value)))
    return values[:50]


def _is_multi_file(field: forms.Field) -> bool:
    return bool(getattr(field.widget, "allow_multiple_selected", False))


def field_values(field: forms.Field, *, http: bool = False) -> st.SearchStrategy[Any]:
    """Values for one field: a string, a list of strings (multi-value fields) or uploads."""
    if isinstance(field, forms.FileField):
        files = uploads(text_names=not http)
        if _is_multi_file(field):
            return st.lists(files, max_size=3)
        return files.map(lambda f: [f])
    options = _choice_values(field)
    if isinstance(field, forms.BooleanField | forms.NullBooleanField):
        base = st.sampled_from(["on", "true", "True", "false", "0", "1", "", "unknown"])
    elif isinstance(field, forms.DateField | forms.DateTimeField):
        base = date_text()
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        base = number_text()
    elif isinstance(field, forms.EmailField):
        base = st.one_of(st.emails().map(str), st.just("a@b"), st.just("@example.org"))
    else:
        base = st.nothing()
    one = st.one_of(base, st.sampled_from(options) if options else st.nothing(), nasty_text())
    if isinstance(field, forms.MultipleChoiceField) or getattr(
        field.widget, "allow_multiple_selected", False
    ):
        return st.lists(one, max_size=4)
    return st.one_of(one.map(lambda v: [v]), st.lists(one, min_size=2, max_size=3))


@st.composite
def form_payload(
    draw: st.DrawFn,
    fields: dict[str, forms.Field],
    *,
    prefix: str | None = None,
    http: bool = False,
    extra: bool = True,
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(data, files) for a form with ``fields``: each field present or missing, and a few
    unknown extra keys. Values are lists (as in a ``QueryDict``)."""
    optional = {
        (f"{prefix}-{name}" if prefix else name): field_values(field, http=http)
        for name, field in fields.items()
    }
    values = draw(st.fixed_dictionaries({}, optional=optional))
    if extra:
        unknown = draw(
            st.dictionaries(
                st.text(st.characters(codec="ascii", exclude_characters="\x00"), max_size=12),
                nasty_text(20).map(lambda v: [v]),
                max_size=2,
            )
        )
        for key, value in unknown.items():
            values.setdefault(key, value)
    data: dict[str, list[Any]] = {}
    files: dict[str, list[Any]] = {}
    for key, value in values.items():
        if value and isinstance(value[0], SimpleUploadedFile):
            files[key] = value
        else:
            data[key] = value
    return data, files


def management_values() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["0", "1", "2", "3", "4", "5", "20", "1000", "-1", "", "x"]),
        nasty_text(10),
    )


@st.composite
def formset_payload(
    draw: st.DrawFn,
    form_fields: dict[str, forms.Field],
    *,
    prefix: str,
    http: bool = False,
) -> tuple[dict[str, list[Any]], dict[str, list[Any]]]:
    """(data, files) for a formset: its management form (sometimes missing or wrong) and a
    few rows of ``form_fields``."""
    data: dict[str, list[Any]] = {}
    files: dict[str, list[Any]] = {}
    rows = draw(st.integers(min_value=0, max_value=4))
    management = {
        TOTAL_FORM_COUNT: st.one_of(st.just(str(rows)), management_values()),
        INITIAL_FORM_COUNT: st.one_of(st.just("0"), management_values()),
        MIN_NUM_FORM_COUNT: management_values(),
        MAX_NUM_FORM_COUNT: management_values(),
    }
    chosen = draw(st.fixed_dictionaries({}, optional=management))
    data.update({f"{prefix}-{key}": [value] for key, value in chosen.items()})
    for index in range(rows):
        row_data, row_files = draw(
            form_payload(form_fields, prefix=f"{prefix}-{index}", http=http, extra=False)
        )
        data.update(row_data)
        files.update(row_files)
    return data, files

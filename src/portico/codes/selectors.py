"""Reads for the code-set app: look-ups and type-ahead search.

Code sets are public reference data, so these selectors take no user: any signed-in screen or
API client may read them. ICD-10-CM search returns only the current release; ``icd10_get``
also finds retired codes, because a claim from an earlier year must still show its diagnosis.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Length

from portico.codes.models import (
    AdjustmentReason,
    Icd10Code,
    PlaceOfService,
    RemarkCode,
    Taxonomy,
    icd10_display,
)
from portico.codes.validators import normalize_icd10_code

#: Upper bound on search results whatever the caller asks: type-ahead needs a handful.
MAX_SEARCH_LIMIT = 50

_CODE_PREFIX = re.compile(r"^[A-Z][0-9A-Z]{0,6}$")


def icd10_search(*, query: str, limit: int = 20, billable_only: bool = False) -> list[Icd10Code]:
    """Current ICD-10-CM codes matching ``query``, for type-ahead.

    A query shaped like the start of a code (``m54.5``, ``E11``) matches codes by prefix, in
    code order, so the category and its children appear together. Anything else is read as
    words, each of which must appear in the description (``back pain low`` finds M54.50);
    shorter codes come first because they are the general ones a user usually means.
    """
    text = query.strip()
    limit = max(0, min(limit, MAX_SEARCH_LIMIT))
    if not text or limit == 0:
        return []
    codes = Icd10Code.objects.current()
    if billable_only:
        codes = codes.billable()
    prefix = normalize_icd10_code(text)
    if _CODE_PREFIX.fullmatch(prefix) and (len(prefix) == 1 or any(ch.isdigit() for ch in prefix)):
        return list(codes.filter(code__startswith=prefix).order_by("code")[:limit])
    condition = Q()
    for word in re.split(r"[\s,;]+", text):
        if word:
            condition &= Q(description__icontains=word)
    return list(codes.filter(condition).order_by(Length("code"), "code")[:limit])


def icd10_description_of(field: str = "code") -> Subquery:
    """For ``annotate``: the description of the ICD-10-CM code held in ``field`` (stored form),
    or NULL for a code the loaded releases do not have."""
    return Subquery(Icd10Code.objects.filter(code=OuterRef(field)).values("description")[:1])


@dataclass(frozen=True)
class DiagnosisText:
    code: str  # as printed: M54.50
    description: str  # "" for a code the loaded releases do not have


def icd10_descriptions(*, codes: Iterable[str]) -> dict[str, str]:
    """Code (stored form) → description for those of ``codes`` the loaded releases have, in
    one query."""
    return dict(Icd10Code.objects.filter(code__in=list(codes)).values_list("code", "description"))


def icd10_texts(*, codes: Iterable[str]) -> list[DiagnosisText]:
    """The codes (stored form, in their order) with their descriptions, in one query."""
    codes = list(codes)
    texts = icd10_descriptions(codes=codes)
    return [DiagnosisText(icd10_display(code), texts.get(code, "")) for code in codes]


def icd10_get(*, code: str) -> Icd10Code:
    """The row for ``code`` in any form (``M54.50``, ``m5450``); raises ``DoesNotExist``."""
    return Icd10Code.objects.get(code=normalize_icd10_code(code))


def carc_get(*, code: str) -> AdjustmentReason:
    """A claim adjustment reason code by code; raises ``AdjustmentReason.DoesNotExist``."""
    return AdjustmentReason.objects.get(code=code.strip().upper())


def rarc_get(*, code: str) -> RemarkCode:
    """A remittance advice remark code by code; raises ``RemarkCode.DoesNotExist``."""
    return RemarkCode.objects.get(code=code.strip().upper())


def place_of_service_choices() -> list[tuple[str, str]]:
    """``(code, "11 - Office")`` pairs for a select box, in code order."""
    return [(pos.code, f"{pos.code} - {pos.name}") for pos in PlaceOfService.objects.all()]


def taxonomy_get(*, code: str) -> Taxonomy:
    """A provider taxonomy by code; raises ``Taxonomy.DoesNotExist`` (the table is a subset)."""
    return Taxonomy.objects.get(code=code.strip().upper())

"""Admin pages for the code sets: browse and search only.

The tables belong to ``portico load_codes``: an edit made here would be overwritten by the next
load and would not be reviewed like a change to the data files, so the admin is read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from portico.codes.models import AdjustmentReason, Icd10Code, PlaceOfService, RemarkCode, Taxonomy


class ReadOnlyCodeAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Lists and searches reference rows; adding, changing and deleting are refused."""

    list_per_page = 50

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Icd10Code)
class Icd10CodeAdmin(ReadOnlyCodeAdmin):
    list_display = ["display_code", "description", "billable", "fiscal_year"]
    list_filter = ["billable", "fiscal_year"]
    search_fields = ["code", "description"]
    show_full_result_count = False  # counting ~100k rows on every search page is wasted work

    def get_search_results(
        self, request: HttpRequest, queryset: Any, search_term: str
    ) -> tuple[Any, bool]:
        # Let staff search "M54.50" as printed; the stored code has no dot.
        return super().get_search_results(request, queryset, search_term.replace(".", ""))


@admin.register(PlaceOfService)
class PlaceOfServiceAdmin(ReadOnlyCodeAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(AdjustmentReason)
class AdjustmentReasonAdmin(ReadOnlyCodeAdmin):
    list_display = ["code", "description", "start_date", "stop_date"]
    search_fields = ["code", "description"]


@admin.register(RemarkCode)
class RemarkCodeAdmin(ReadOnlyCodeAdmin):
    list_display = ["code", "description", "start_date", "stop_date"]
    search_fields = ["code", "description"]


@admin.register(Taxonomy)
class TaxonomyAdmin(ReadOnlyCodeAdmin):
    list_display = ["code", "grouping", "classification", "specialization"]
    list_filter = ["grouping"]
    search_fields = ["code", "classification", "specialization"]

"""Reads of the API app: system clients and their organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from portico.api.models import ApiClientBinding


def api_clients() -> QuerySet[ApiClientBinding]:
    return ApiClientBinding.objects.select_related(
        "client", "organization", "service_user"
    ).order_by("organization__name", "client__name")

"""System API clients: which organisation an OAuth client-credentials client acts for."""

from __future__ import annotations

from allauth.idp.oidc.models import Client
from django.conf import settings
from django.db import models

from portico.core.models import TimeStampedModel
from portico.organizations.models import Organization


class ApiClientBinding(TimeStampedModel):
    """Links an OpenID Connect client (client-credentials grant) to the organisation it acts
    for, through a **service account**: a Portico user that cannot sign in (no usable
    password, no second factor, an unroutable email) and holds the organisation's membership
    and application grants that the client was given. API calls with the client's token run
    as that user, so every app's selectors scope them like a person of that practice.
    """

    client = models.OneToOneField(Client, on_delete=models.CASCADE, related_name="api_binding")
    service_user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client_binding"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="api_clients"
    )
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "API client binding"

    def __str__(self) -> str:
        return f"{self.client_id} → {self.organization}"

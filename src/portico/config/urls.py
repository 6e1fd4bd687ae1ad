"""Root URL map. Each app owns its own urls module; this file only mounts them."""

from __future__ import annotations

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("portico.core.urls")),
    path("", include("portico.connect.urls")),
    path("id/", include("portico.identity.urls")),
    path("support/", include("portico.support.urls")),
    path("claims/payments/", include("portico.remittance.urls")),
    path("claims/staff/", include("portico.claims.staff_urls")),
    path("claims/", include("portico.claims.urls")),
    path("priorauth/", include("portico.priorauth.urls")),
    path("pip/", include("portico.patientinfo.urls")),
    path("referrals/", include("portico.referrals.urls")),
    path("documents/", include("portico.documents.urls")),
    path("", include("portico.api.urls")),
    path("id/", include("allauth.urls")),
    # Portico's authorize/token/revoke views take allauth's paths (amr/acr, max_age, audit).
    path("", include("portico.identity.oidc")),
    path("", include("allauth.idp.urls")),
    path("backoffice/django-admin/", admin.site.urls),
]

handler400 = "portico.core.views.bad_request"
handler403 = "portico.core.views.permission_denied"
handler404 = "portico.core.views.page_not_found"
handler429 = "portico.core.views.too_many_requests"  # read by allauth's rate limits
handler500 = "portico.core.views.server_error"

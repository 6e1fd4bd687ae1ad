"""Bench URLconf: Portico's OIDC wrappers first, then the real root URLconf."""

from django.urls import include, path

from portico.identity import oidc

urlpatterns = [*oidc.urlpatterns, path("", include("portico.config.urls"))]

from django.conf import settings
from django.urls import path

from portico.core import views

app_name = "core"
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("backoffice/audit/", views.audit_log, name="audit"),
    path("backoffice/audit/export.csv", views.audit_export, name="audit-export"),
]
if settings.PORTICO_OUTBOX_ENABLED:
    # Development outbox: only in the embedded and test profiles.
    urlpatterns += [
        path("dev/outbox/", views.outbox, name="outbox"),
        path("dev/outbox/<int:pk>/answer/", views.outbox_answer, name="outbox-answer"),
        path("dev/outbox/clear/", views.outbox_clear, name="outbox-clear"),
    ]

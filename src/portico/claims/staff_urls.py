"""URLs of the claims back office (mounted at /claims/staff/, namespace ``claims_staff``)."""

from django.urls import path

from portico.claims.views import staff

app_name = "claims_staff"
urlpatterns = [
    path("", staff.queue, name="queue"),
    path("c/<str:number>/", staff.claim_review, name="claim_review"),
    path("c/<str:number>/adjudicate/", staff.claim_adjudicate_view, name="claim_adjudicate"),
    path("c/<str:number>/accept/", staff.claim_accept_view, name="claim_accept"),
    path("c/<str:number>/pend/", staff.claim_pend_view, name="claim_pend"),
    path("c/<str:number>/deny/", staff.claim_deny_view, name="claim_deny"),
    path("attachments/<int:pk>/", staff.attachment_download, name="attachment_download"),
    path("appeals/", staff.appeal_queue, name="appeal_queue"),
    path("appeals/<str:number>/", staff.appeal_review_view, name="appeal_review"),
    path("appeals/<str:number>/start/", staff.appeal_start, name="appeal_start"),
    path("appeals/<str:number>/decide/", staff.appeal_decide, name="appeal_decide"),
    path(
        "appeals/<str:number>/files/<int:pk>/",
        staff.appeal_attachment_download,
        name="appeal_attachment_download",
    ),
]

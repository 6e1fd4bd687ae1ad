"""URLs of the Claims Online Portal (mounted at /claims/)."""

from django.urls import path

from portico.claims.views import portal

app_name = "claims"
urlpatterns = [
    path("", portal.home, name="home"),
    path("search/", portal.claim_list, name="claim_list"),
    path("new/", portal.claim_new, name="claim_new"),
    path("new/check/", portal.claim_check, name="claim_check"),
    path("c/<str:number>/", portal.claim_detail, name="claim_detail"),
    path("c/<str:number>/edit/", portal.claim_edit, name="claim_edit"),
    path("c/<str:number>/delete/", portal.claim_delete, name="claim_delete"),
    path("c/<str:number>/attach/", portal.claim_attach, name="claim_attach"),
    path("c/<str:number>/appeal/", portal.appeal_new, name="appeal_new"),
    path("attachments/", portal.attachment_unsolicited, name="attachment_unsolicited"),
    path("attachments/<int:pk>/", portal.attachment_download, name="attachment_download"),
    path("files/", portal.file_list, name="file_list"),
    path("files/<int:pk>/", portal.file_detail, name="file_detail"),
    path("files/<int:pk>/<str:which>/", portal.file_ack, name="file_ack"),
    path("appeals/", portal.appeal_list, name="appeal_list"),
    path("appeals/<str:number>/", portal.appeal_detail, name="appeal_detail"),
    path("appeals/<str:number>/withdraw/", portal.appeal_withdraw, name="appeal_withdraw"),
    path("appeals/<str:number>/files/", portal.appeal_add_files, name="appeal_add_files"),
    path(
        "appeals/<str:number>/files/<int:pk>/",
        portal.appeal_attachment_download,
        name="appeal_attachment_download",
    ),
]

from django.urls import path

from portico.priorauth.views import portal, staff

app_name = "priorauth"
urlpatterns = [
    path("", portal.home, name="home"),
    path("required/", portal.required_check, name="required_check"),
    path("requests/", portal.request_list, name="request_list"),
    path("requests/new/", portal.request_new, name="request_new"),
    path("requests/<str:reference>/", portal.request_detail, name="request_detail"),
    path("requests/<str:reference>/edit/", portal.request_edit, name="request_edit"),
    path("requests/<str:reference>/delete/", portal.draft_delete, name="draft_delete"),
    path("requests/<str:reference>/status/", portal.request_status, name="request_status"),
    path("requests/<str:reference>/respond/", portal.request_respond, name="request_respond"),
    path("requests/<str:reference>/attach/", portal.request_attach, name="request_attach"),
    path("files/<int:pk>/", portal.attachment_download, name="attachment_download"),
    path("letters/", portal.letters, name="letters"),
    path("legacy/", portal.legacy_list, name="legacy_list"),
    path("legacy/<int:pk>/", portal.legacy_detail, name="legacy_detail"),
    path("staff/", staff.queue, name="staff_queue"),
    path("staff/fax/", staff.fax_intake, name="staff_fax_intake"),
    path("staff/requests/<str:reference>/", staff.request_detail, name="staff_request"),
    path("staff/requests/<str:reference>/assign/", staff.request_assign, name="staff_assign"),
    path("staff/requests/<str:reference>/start/", staff.request_start, name="staff_start"),
    path(
        "staff/requests/<str:reference>/send-back/", staff.request_send_back, name="staff_send_back"
    ),
    path("staff/requests/<str:reference>/pend/", staff.request_pend, name="staff_pend"),
    path("staff/requests/<str:reference>/withdraw/", staff.request_withdraw, name="staff_withdraw"),
    path("staff/requests/<str:reference>/decide/", staff.request_decide, name="staff_decide"),
    path("staff/files/<int:pk>/", staff.attachment_download, name="staff_attachment"),
]

from django.urls import path

from portico.referrals.views import portal, staff

app_name = "referrals"
urlpatterns = [
    path("", portal.home, name="home"),
    path("new/", portal.submit, name="submit"),
    path("files/<int:pk>/", portal.attachment_download, name="attachment_download"),
    path("staff/", staff.queue, name="staff_queue"),
    path("staff/files/<int:pk>/", staff.attachment_download, name="staff_attachment_download"),
    path("staff/<str:number>/", staff.detail, name="staff_detail"),
    path("<str:number>/", portal.detail, name="detail"),
    path("<str:number>/cancel/", portal.cancel, name="cancel"),
    path("<str:number>/print/", portal.print_view, name="print"),
    path("<str:number>/x12/278/", portal.x12_278, name="x12_278"),
]

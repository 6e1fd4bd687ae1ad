from django.urls import path

from portico.support.views import portal, staff

app_name = "support"
urlpatterns = [
    path("", portal.home, name="home"),
    path("contact/", portal.contact, name="contact"),
    path("customer/login/", portal.customer_login, name="customer_login"),
    path("customer/logout/", portal.customer_logout, name="customer_logout"),
    path("cases/", portal.case_list, name="case_list"),
    path("cases/new/", portal.case_create, name="case_create"),
    path("cases/<str:number>/", portal.case_detail, name="case_detail"),
    path("cases/<str:number>/comment/", portal.case_comment, name="case_comment"),
    path("cases/<str:number>/attach/", portal.case_attach, name="case_attach"),
    path("cases/<str:number>/reopen/", portal.case_reopen, name="case_reopen"),
    path("files/<int:pk>/", portal.attachment_download, name="attachment_download"),
    path("staff/", staff.queue, name="staff_queue"),
    path("staff/cases/<str:number>/", staff.case_detail, name="staff_case"),
    path("staff/cases/<str:number>/assign/", staff.case_assign, name="staff_case_assign"),
    path("staff/cases/<str:number>/reply/", staff.case_reply, name="staff_case_reply"),
    path("staff/cases/<str:number>/attach/", staff.case_attach, name="staff_case_attach"),
    path("staff/cases/<str:number>/status/", staff.case_status, name="staff_case_status"),
    path("staff/cases/<str:number>/merge/", staff.case_merge, name="staff_case_merge"),
    path("staff/files/<int:pk>/", staff.attachment_download, name="staff_attachment_download"),
]

from django.urls import path

from portico.documents.views import portal, staff

app_name = "documents"
urlpatterns = [
    path("", portal.inbox, name="inbox"),
    path("<int:pk>/download/", portal.download, name="download"),
    path("staff/mail/", staff.mail_queue, name="staff_mail_queue"),
    path("staff/mail/<int:pk>/printed/", staff.mark_printed, name="staff_mark_printed"),
    path("staff/mail/<int:pk>/mailed/", staff.mark_mailed, name="staff_mark_mailed"),
    path("staff/<int:pk>/download/", staff.staff_download, name="staff_download"),
]

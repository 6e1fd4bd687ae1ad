from django.urls import path

from portico.patientinfo.views import portal

app_name = "patientinfo"
urlpatterns = [
    path("", portal.home, name="home"),
    path("patients/<int:pk>/", portal.patient, name="patient"),
    path("patients/<int:pk>/print/", portal.patient_print, name="patient_print"),
    path("patients/<int:pk>/pdf/", portal.patient_pdf, name="patient_pdf"),
    path("cap-report/", portal.cap_report, name="cap_report"),
    path("cap-report/csv/", portal.cap_report_csv, name="cap_report_csv"),
    path("cap-report/pdf/", portal.cap_report_pdf, name="cap_report_pdf"),
    path("access-log/", portal.access_log, name="access_log"),
]

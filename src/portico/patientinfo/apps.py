"""Physician Info Portal."""

from django.apps import AppConfig


class PatientinfoConfig(AppConfig):
    name = "portico.patientinfo"
    label = "patientinfo"
    verbose_name = "Physician Info Portal"

    def ready(self) -> None:
        from portico.core import audit

        audit.register_actions(
            {
                "portico.patientinfo.patient_searched": "looked up a patient",
                "portico.patientinfo.patient_summary_viewed": "viewed a patient summary",
                "portico.patientinfo.patient_print_viewed": "printed a patient summary",
                "portico.patientinfo.patient_pdf_viewed": "downloaded a patient summary PDF",
                "portico.patientinfo.patient_api_viewed": "read a patient summary (API)",
                "portico.patientinfo.cap_report_viewed": "opened the Cap Report",
            }
        )

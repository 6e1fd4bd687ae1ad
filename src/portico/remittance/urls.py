"""URLs of payments and remittance (mounted at /claims/payments/, namespace ``remittance``)."""

from django.urls import path

from portico.remittance.views import portal, staff

app_name = "remittance"
urlpatterns = [
    path("", portal.payment_list, name="payment_list"),
    path("recent/", portal.recent_fragment, name="recent_fragment"),
    path("claim/<str:number>/", portal.claim_payments_fragment, name="claim_payments"),
    path("p/<str:number>/", portal.payment_detail, name="payment_detail"),
    path("p/<str:number>/eob.pdf", portal.eob_download, name="eob_pdf"),
    path("p/<str:number>/835/", portal.download_835, name="download_835"),
    path("p/<str:number>/reconciliation/", portal.reconciliation, name="reconciliation"),
    path("p/<str:number>/reconciliation.csv", portal.reconciliation_csv, name="reconciliation_csv"),
    path("staff/runs/", staff.runs, name="staff_runs"),
    path("staff/runs/new/", staff.run_create, name="staff_run_create"),
    path("staff/runs/<str:number>/", staff.run_detail, name="staff_run_detail"),
    path("staff/p/<str:number>/", staff.payment_detail, name="staff_payment_detail"),
    path("staff/p/<str:number>/eob.pdf", staff.eob_download, name="staff_eob_pdf"),
    path("staff/p/<str:number>/835/", staff.download_835, name="staff_download_835"),
    path("staff/claim/<str:number>/", staff.claim_payments_fragment, name="staff_claim_payments"),
    path("staff/adjustments/new/", staff.plb_create, name="staff_plb_create"),
    path("staff/adjustments/<int:pk>/cancel/", staff.plb_cancel, name="staff_plb_cancel"),
]

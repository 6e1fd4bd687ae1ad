"""Web claim entry: as-you-type checks, draft, submit → claim number and Received."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.urls import reverse

from portico.claims import services
from portico.claims.api import router
from portico.claims.models import Claim, ClaimStatus
from portico.core.models import AuditEvent
from tests.claims.conftest import claim_data, no_submit
from tests.conftest import router_client
from tests.factories.claims import make_claim

api = router_client(router)

FORM = {
    "kind": "professional",
    "frequency": "1",
    "billing_tin": "111111111",
    "billing_npi": "1234567893",
    "billing_name": "Practice A",
    "rendering_npi": "1987654328",
    "rendering_name": "Ben Kildare",
    "payer_id": "PORTICO01",
    "member_id": "HM100000001",
    "patient_account_number": "PA-77",
    "place_of_service": "11",
    "service_date_from": "2025-03-10",
    "service_date_to": "2025-03-10",
    "total_charge": "150.00",
    "dx_1": "M54.50",
    "lines-TOTAL_FORMS": "3",
    "lines-INITIAL_FORMS": "0",
    "lines-MIN_NUM_FORMS": "0",
    "lines-MAX_NUM_FORMS": "50",
    "lines-0-service_date": "2025-03-10",
    "lines-0-procedure_code": "99213",
    "lines-0-diagnosis_pointers": "1",
    "lines-0-units": "1",
    "lines-0-unit_type": "UN",
    "lines-0-charge": "100.00",
    "lines-1-service_date": "2025-03-10",
    "lines-1-procedure_code": "97110",
    "lines-1-modifiers": "GP",
    "lines-1-diagnosis_pointers": "1",
    "lines-1-units": "1",
    "lines-1-unit_type": "UN",
    "lines-1-charge": "50.00",
}


def test_submit_professional_claim_gets_number_and_received(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    page = client.get("/claims/new/?kind=professional")
    assert page.status_code == 200 and b"Professional claim" in page.content
    response = client.post("/claims/new/?kind=professional", {**FORM, "action": "submit"})
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert claim.status == ClaimStatus.RECEIVED and claim.number.startswith("C")
    assert claim.member == cw.member and claim.coverage == cw.coverage
    assert [ln.procedure_code for ln in claim.lines.all()] == ["99213", "97110"]
    assert claim.lines.all()[1].modifier1 == "GP"
    detail = client.get(response["Location"])
    assert claim.number.encode() in detail.content and b"Received" in detail.content
    assert AuditEvent.objects.filter(action="portico.claim.submitted").exists()
    assert AuditEvent.objects.filter(action="portico.claim.viewed").exists()


def test_check_reports_problems_as_the_user_types(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    bad = {
        **FORM,
        "dx_1": "M54",
        "total_charge": "175.00",
        "billing_npi": "1234567890",
        "service_date_from": "2023-01-05",
        "service_date_to": "2023-01-01",
    }
    html = client.post("/claims/new/check/", bad).content.decode()
    assert "not a billable code" in html
    assert "add up to $150.00, not $175.00" in html
    assert "not a valid NPI" in html
    assert "before the first" in html
    assert "no coverage on 01/05/2023" in html
    ok = client.post("/claims/new/check/", FORM).content.decode()
    assert "No problems found so far" in ok


def test_invalid_claim_is_not_submitted_and_errors_show(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    response = client.post(
        "/claims/new/?kind=professional", {**FORM, "dx_1": "XYZ", "action": "submit"}
    )
    assert response.status_code == 200
    assert b"ICD-10-CM" in response.content or b"not an ICD" in response.content
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert claim.status == ClaimStatus.DRAFT  # saved as a draft, never half-submitted


def test_a_submission_refused_only_for_a_line_says_so_at_the_top(cw: Any, persona_client: Any):
    """Before: when only a service line was wrong (here a code and a pointer), Submit claim
    showed the form again with the messages beside the line far down the page and no error
    summary at the top: nothing said the claim had not been submitted."""
    client = persona_client("billing_clerk")
    response = client.post(
        "/claims/new/?kind=professional",
        {
            **FORM,
            "lines-1-procedure_code": "9999X",
            "lines-1-diagnosis_pointers": "7",
            "action": "submit",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="form-error-summary"' not in html
    summary = html.split('id="lines-error-summary"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "data-focus-on-load" in summary and "There is a problem" in summary
    assert 'href="#id_lines-1-procedure_code"' in summary and "Line 2, CPT/HCPCS: " in summary
    assert "Line 2, Diagnosis pointers: There is no diagnosis 7." in summary
    assert Claim.objects.get(patient_account_number="PA-77").status == ClaimStatus.DRAFT


def test_save_draft_then_submit_from_edit(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    response = client.post("/claims/new/?kind=professional", {**FORM, "action": "draft"})
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert response["Location"] == f"/claims/c/{claim.number}/edit/"
    assert claim.status == ClaimStatus.DRAFT
    edit = client.get(response["Location"])
    assert b"draft " + claim.number.encode() in edit.content
    post = {**FORM, "version": claim.version, "action": "submit"}
    client.post(response["Location"], post)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RECEIVED and claim.submitted_at is not None


def test_user_without_submit_permission_can_view_but_not_submit(cw: Any, persona_client: Any):
    no_submit(cw.world.users["billing_clerk"])
    client = persona_client("billing_clerk")
    home = client.get("/claims/")
    assert home.status_code == 200 and b"Submit a claim" not in home.content
    page = client.get("/claims/new/?kind=professional")
    assert b"not submit claims" in page.content
    client.post("/claims/new/?kind=professional", {**FORM, "action": "submit"})
    assert not Claim.objects.exists()


def test_institutional_claim(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    form = {
        **FORM,
        "kind": "institutional",
        "type_of_bill": "0131",
        "place_of_service": "",
        "attending_npi": "1987654328",
        "attending_name": "Dr A",
        "lines-0-revenue_code": "0450",
        "lines-1-revenue_code": "0300",
        "action": "submit",
    }
    response = client.post("/claims/new/?kind=institutional", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    claim = Claim.objects.get()
    assert claim.kind == "institutional" and claim.type_of_bill == "0131"
    assert [ln.revenue_code for ln in claim.lines.all()] == ["0450", "0300"]


def test_claims_home_names_statuses_and_reasons_as_sentences(cw: Any, persona_client: Any):
    from tests.factories.claims import make_claim

    org = cw.world.practice_a
    make_claim(
        organization=org,
        tin="111111111",
        number="C2025H0001",
        status=ClaimStatus.PENDED,
        pend_reason="Medical records requested (PWK).",
    )
    make_claim(
        organization=org,
        tin="111111111",
        number="C2025H0002",
        status=ClaimStatus.REJECTED,
        reject_reason="Member not eligible on the date of service",
    )
    make_claim(
        organization=org, tin="111111111", number="C2025H0003", status=ClaimStatus.FINALIZED_PAID
    )
    page = persona_client("billing_clerk").get("/claims/").content.decode()
    assert "is pended: Medical records requested (PWK).</li>" in page
    assert "was rejected: Member not eligible on the date of service.</li>" in page
    assert ".." not in page.replace("...", "")
    # Claims by status: the statuses' own names, in lifecycle order, linked to the search.
    assert '?status=rejected">Rejected</a>: 1' in page
    assert '?status=finalized_paid">Finalized – paid</a>: 1' in page
    by_status = page[page.index("<h2>Claims by status</h2>") :]
    assert (
        by_status.index(">Rejected</a>")
        < by_status.index(">Pended</a>")
        < by_status.index(">Finalized – paid</a>")
    )


def test_diagnoses_read_with_the_dot_on_the_claim_and_in_the_back_office(
    cw: Any, persona_client: Any
):
    from portico.codes.models import Icd10Code
    from tests.factories.claims import make_claim

    claim = make_claim(organization=cw.world.practice_a, tin="111111111", number="C2025D0001")
    office_url = reverse("claims:claim_detail", kwargs={"number": claim.number})
    staff_url = reverse("claims_staff:claim_review", kwargs={"number": claim.number})
    office, staff = persona_client("billing_clerk"), persona_client("claims_examiner")
    # The claims world loads M5450 into the code set (Low back pain, unspecified).
    assert "<li>M54.50 Low back pain, unspecified (" in office.get(office_url).content.decode()
    assert "1. M54.50 Low back pain, unspecified</dd>" in staff.get(staff_url).content.decode()
    # A code the loaded code set lacks still reads as a code.
    Icd10Code.objects.filter(code="M5450").delete()
    assert "<li>M54.50 (" in office.get(office_url).content.decode()
    assert "1. M54.50</dd>" in staff.get(staff_url).content.decode()


# --- the total charge and the fields a submission needs ---------------------------------


def _required_marker(html: str, field_id: str) -> bool:
    """Whether the label of ``field_id`` carries the "*" of includes/form_field.html."""
    label = re.search(rf'<label [^>]*for="{field_id}">(.*?)</label>', html, re.S)
    assert label is not None, field_id
    return 'class="usa-hint usa-hint--required">*</abbr>' in label.group(1)


def test_blank_total_is_the_sum_of_the_lines_and_the_claim_is_submitted(
    cw: Any, persona_client: Any
):
    client = persona_client("billing_clerk")
    response = client.post(
        "/claims/new/?kind=professional", {**FORM, "total_charge": "", "action": "submit"}
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert claim.status == ClaimStatus.RECEIVED and claim.total_charge == Decimal("150.00")
    assert b"Total charge</dt><dd>$150.00" in client.get(response["Location"]).content


def test_blank_total_never_reads_as_zero_dollars(cw: Any, persona_client: Any):
    """Before: a blank total was saved as $0.00, then refused with "The line charges add up
    to $150.00, not $0.00." — a total the user never typed."""
    client = persona_client("billing_clerk")
    check = client.post("/claims/new/check/", {**FORM, "total_charge": ""}).content.decode()
    assert "$0.00" not in check and "No problems found so far" in check
    assert "Line charges add up to $150.00." in check

    # A draft saved without a total and with a line still missing its charge: the edit page
    # shows the total empty (not 0.00), and submitting it names what is missing instead.
    draft = {**FORM, "total_charge": "", "lines-1-charge": "", "action": "draft"}
    response = client.post("/claims/new/?kind=professional", draft)
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert response["Location"] == f"/claims/c/{claim.number}/edit/"
    edit = client.get(response["Location"]).content.decode()
    total = re.search(r'<input [^>]*name="total_charge"[^>]*>', edit)
    assert total is not None and "value=" not in total.group(0)
    submit = {**draft, "version": claim.version, "action": "submit"}
    html = client.post(response["Location"], submit).content.decode()
    assert "Enter the line charge." in html and "$0.00" not in html
    # With the charge entered and the total still empty, it goes through.
    claim.refresh_from_db()
    done = {**FORM, "total_charge": "", "version": claim.version, "action": "submit"}
    assert client.post(response["Location"], done).status_code == 302
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.RECEIVED and claim.total_charge == Decimal("150.00")


def test_a_draft_keeps_what_was_left_empty(cw: Any, persona_client: Any):
    """Before: a draft line saved without its charge came back as 0.00, a charge the user
    never typed. Now the draft keeps it empty, on the edit page, the claim page and the API."""
    client = persona_client("billing_clerk")
    draft = {**FORM, "total_charge": "", "lines-1-charge": "", "action": "draft"}
    response = client.post("/claims/new/?kind=professional", draft)
    claim = Claim.objects.get(patient_account_number="PA-77")
    assert claim.total_charge is None
    assert [ln.charge for ln in claim.lines.all()] == [Decimal("100.00"), None]
    edit = client.get(response["Location"]).content.decode()
    charge = re.search(r'<input [^>]*name="lines-1-charge"[^>]*>', edit)
    assert charge is not None and "value=" not in charge.group(0)
    page = client.get(f"/claims/c/{claim.number}/").content.decode()
    assert "Total charge</dt><dd>Not entered yet" in page and "$0.00" not in page
    # A draft's appeal page (refused: not finalized) lists its lines without a charge.
    assert client.get(f"/claims/c/{claim.number}/appeal/").status_code == 200
    detail = api.get(f"/claims/{claim.number}", user=cw.world.users["billing_clerk"]).json()
    assert [ln["charge"] for ln in detail["lines"]] == ["100.00", None]


def test_a_typed_total_that_does_not_add_up_is_still_refused(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    html = client.post(
        "/claims/new/?kind=professional", {**FORM, "total_charge": "175.00", "action": "submit"}
    ).content.decode()
    assert "The line charges add up to $150.00, not $175.00." in html


def test_the_form_marks_what_a_submission_needs_and_explains_the_total(
    cw: Any, persona_client: Any
):
    client = persona_client("billing_clerk")
    html = client.get("/claims/new/?kind=professional").content.decode()
    assert "Fields marked with an asterisk" in html
    for field_id in (
        "id_billing_tin",
        "id_payer_id",
        "id_billing_npi",
        "id_billing_name",
        "id_member_id",
        "id_patient_account_number",
        "id_place_of_service",
        "id_service_date_from",
        "id_dx_1",
        "id_lines-0-procedure_code",
        "id_lines-0-diagnosis_pointers",
        "id_lines-0-charge",
    ):
        assert _required_marker(html, field_id), field_id
    for field_id in ("id_rendering_npi", "id_dx_2", "id_lines-1-procedure_code", "id_note"):
        assert not _required_marker(html, field_id), field_id
    # The total is added up from the lines, so it is not required; its hint says so, and the
    # script that keeps it in step with the lines is loaded.
    assert not _required_marker(html, "id_total_charge")
    hint = re.search(r'<div class="usa-hint" id="id_total_charge_helptext">([^<]*)</div>', html)
    assert hint is not None and "added up for you" in hint.group(1)
    assert re.search(r'<input [^>]*name="total_charge"[^>]*data-claim-total', html)
    assert re.search(r'<input [^>]*name="lines-0-charge"[^>]*data-line-charge', html)
    assert "/static/claims/claim_form.js" in html

    inst = client.get("/claims/new/?kind=institutional").content.decode()
    for field_id in ("id_attending_npi", "id_type_of_bill", "id_lines-0-revenue_code"):
        assert _required_marker(inst, field_id), field_id
    assert not _required_marker(inst, "id_lines-0-procedure_code")


def test_fields_marked_for_submission_do_not_stop_a_draft(cw: Any, persona_client: Any):
    client = persona_client("billing_clerk")
    half_done = {
        **{k: v for k, v in FORM.items() if k.startswith("lines-") and k.endswith("_FORMS")},
        "kind": "professional",
        "frequency": "1",
        "billing_tin": "111111111",
        "payer_id": "PORTICO01",
        "member_id": "HM100000001",
        "action": "draft",
    }
    response = client.post("/claims/new/?kind=professional", half_done)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert Claim.objects.get(member_number="HM100000001").status == ClaimStatus.DRAFT


def test_a_paid_claim_with_nothing_paid_says_why(world, persona_client):
    """Finalized – paid at $0.00 (the allowed amount went to the deductible) is explained."""
    import datetime as dt

    from django.utils import timezone

    from tests.factories.claims import make_claim

    claim = make_claim(
        organization=world.practice_a,
        tin="111111111",
        number="C2026000777",
        status=ClaimStatus.FINALIZED_PAID,
        allowed_total=Decimal("11.00"),
        paid_total=Decimal("0.00"),
        patient_responsibility_total=Decimal("11.00"),
        adjudicated_at=timezone.now() - dt.timedelta(days=1),
    )
    page = persona_client("billing_clerk").get(
        reverse("claims:claim_detail", kwargs={"number": claim.number})
    )
    text = page.content.decode()
    assert page.status_code == 200 and "paid $0.00" in text
    assert "Nothing is paid: the allowed amount is the patient" in text
    assert "11-1111111" in text  # the Tax ID as people write it


def test_bad_input_on_the_claim_pages_gets_a_message_not_a_500(cw: Any, persona_client: Any):
    """Before: a negative line charge reached the database's check (500), a version that was
    not a number crashed the save (500) and an empty one skipped the "changed by someone else"
    check; ?line=² on the appeal page crashed (500)."""
    client = persona_client("billing_clerk")
    negative = client.post(
        "/claims/new/?kind=professional", {**FORM, "lines-0-charge": "-1", "action": "draft"}
    )
    assert negative.status_code == 200
    assert "Ensure this value is greater than or equal to 0." in negative.content.decode()
    assert not Claim.objects.exists()
    response = client.post("/claims/new/?kind=professional", {**FORM, "action": "draft"})
    claim = Claim.objects.get()
    for version in ("abc", "1.5", ""):
        page = client.post(response["Location"], {**FORM, "version": version, "action": "draft"})
        assert page.status_code == 200, version
        assert "Someone else changed this record" in page.content.decode()
    claim.refresh_from_db()
    assert claim.version == 1
    finalized = make_claim(
        organization=cw.world.practice_a,
        tin="111111111",
        number="C2025PAID077",
        status=ClaimStatus.FINALIZED_DENIED,
    )
    assert client.get(f"/claims/c/{finalized.number}/appeal/?line=²").status_code == 200


def test_the_service_refuses_a_negative_charge_in_a_draft(cw: Any) -> None:
    data = claim_data(total_charge=None)
    data.lines[0].charge = Decimal("-1")
    try:
        services.claim_save_draft(user=cw.world.users["billing_clerk"], data=data)
        raise AssertionError("expected refusal")
    except services.ClaimInvalid as exc:
        assert exc.errors["lines.0.charge"] == ["A charge can't be negative."]
    assert not Claim.objects.exists()


def test_the_same_claim_form_sent_twice_makes_one_claim(cw: Any, persona_client: Any):
    """Before: a double click on Submit (or a resend) made two Received claims; the form now
    carries a key, and the second request finds the first claim."""
    client = persona_client("billing_clerk")
    data = {**FORM, "idempotency_key": "claim-form-1", "action": "submit"}
    first = client.post("/claims/new/?kind=professional", data)
    second = client.post("/claims/new/?kind=professional", data)
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.RECEIVED
    assert first["Location"] == second["Location"] == f"/claims/c/{claim.number}/"
    assert "was already submitted" in client.get(second["Location"]).content.decode()
    # Save draft twice, or Back and save again with changes: one draft, with the last changes.
    draft = {**FORM, "idempotency_key": "claim-form-2", "action": "draft"}
    client.post("/claims/new/?kind=professional", draft)
    again = client.post(
        "/claims/new/?kind=professional", {**draft, "patient_account_number": "PA-78"}
    )
    drafts = Claim.objects.filter(status=ClaimStatus.DRAFT)
    assert [d.patient_account_number for d in drafts] == ["PA-78"]
    assert again["Location"] == f"/claims/c/{drafts[0].number}/edit/"


def test_institutional_codes_and_dates_the_837i_cannot_carry_are_refused(
    cw: Any, persona_client: Any
):
    """Before: an emoji admission type or discharge status, an admission on 0001-01-01 and a
    discharge on 9999-12-31 were submitted."""
    client = persona_client("billing_clerk")
    form = {
        **FORM,
        "kind": "institutional",
        "type_of_bill": "0111",
        "place_of_service": "",
        "attending_npi": "1987654328",
        "attending_name": "Dr A",
        "lines-0-revenue_code": "0450",
        "lines-1-revenue_code": "0300",
        "admission_type": "😀",
        "admission_source": "-",
        "patient_status": "-1",
        "admission_date": "0001-01-01",
        "discharge_date": "9999-12-31",
        "action": "submit",
    }
    page = client.post("/claims/new/?kind=institutional", form).content.decode()
    for message in (
        "Use an admission type code: 1–5 or 9.",
        "Use a point-of-origin code: one digit or letter.",
        "Use a two-digit discharge status code, e.g. 01.",
        "Enter a date in 1900 or later.",
        "The discharge date can&#x27;t be in the future.",
    ):
        assert message in page, message
    assert not Claim.objects.filter(status=ClaimStatus.RECEIVED).exists()


def test_a_stale_tab_cannot_overwrite_a_colleagues_save_by_saving_twice(
    cw: Any, persona_client: Any
):
    """Before: the "changed by someone else" page carried the new version, so pressing Save a
    second time overwrote the other tab's changes unseen."""
    client = persona_client("billing_clerk")
    created = client.post("/claims/new/?kind=professional", {**FORM, "action": "draft"})
    edit = created["Location"]
    tab_one = {**FORM, "version": "1", "patient_account_number": "TAB-1", "action": "draft"}
    tab_two = {**FORM, "version": "1", "patient_account_number": "TAB-2", "action": "draft"}
    assert client.post(edit, tab_one).status_code == 302
    stale = client.post(edit, tab_two).content.decode()
    assert "Someone else changed this record" in stale
    kept = re.search(r'name="version" value="(\d+)"', stale)
    assert kept is not None and kept.group(1) == "1"
    again = client.post(edit, {**tab_two, "version": kept.group(1)}).content.decode()
    assert "Someone else changed this record" in again
    assert Claim.objects.get().patient_account_number == "TAB-1"

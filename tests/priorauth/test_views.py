"""The office portal and the review pages through the HTTP layer."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from portico.core.models import AuditEvent
from portico.documents.models import Document
from portico.priorauth.models import PriorAuthRequest, Status
from tests.factories.priorauth import decide_data, pa_form_data, submitted

pytestmark = pytest.mark.django_db


def _post_data(pa, **extra):
    return pa_form_data(pa, **extra)


def test_form_pages_render(pa, persona_client):
    client = persona_client("physician")
    start = client.get(reverse("priorauth:request_new"))
    assert start.status_code == 200
    page = client.get(
        reverse("priorauth:request_new"), {"plan": pa.plan.pk, "category": pa.category.code}
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert "Has conservative therapy" in text and pa.provider_a.npi in text


def test_submit_through_form(pa, persona_client):
    client = persona_client("physician")
    response = client.post(reverse("priorauth:request_new"), _post_data(pa, submit="1"))
    row = PriorAuthRequest.objects.get()
    assert response.status_code == 302 and row.status == Status.RECEIVED
    page = client.get(reverse("priorauth:request_detail", kwargs={"reference": row.reference}))
    assert "Received" in page.content.decode() and 'hx-trigger="every 1s"' in page.content.decode()
    assert AuditEvent.objects.filter(action="portico.priorauth.viewed").exists()


def test_the_same_form_submitted_twice_makes_one_request(pa, persona_client):
    """A double click, or Back and Submit again: the form's key returns the first request."""
    client = persona_client("physician")
    data = _post_data(pa, submit="1", idempotency_key="pa-form-key-1")
    first = client.post(reverse("priorauth:request_new"), data)
    second = client.post(reverse("priorauth:request_new"), data)
    row = PriorAuthRequest.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] and row.reference in second["Location"]
    assert AuditEvent.objects.filter(action="portico.priorauth.submitted").count() == 1
    # A new form (a new key) is a new request, after the duplicate warning is confirmed.
    again = client.post(
        reverse("priorauth:request_new"),
        _post_data(pa, submit="1", idempotency_key="pa-form-key-2", confirm_duplicate="on"),
    )
    assert again.status_code == 302 and PriorAuthRequest.objects.count() == 2


def test_form_field_errors(pa, persona_client):
    client = persona_client("physician")
    response = client.post(
        reverse("priorauth:request_new"),
        _post_data(pa, submit="1", **{"lines-0-units": "", "urgency": "expedited"}),
    )
    text = response.content.decode()
    assert response.status_code == 400
    assert "Enter the number of units for 63047" in text
    assert "clinical attestation" in text
    assert not PriorAuthRequest.objects.exists()


def test_save_draft_then_submit(pa, persona_client):
    client = persona_client("physician")
    response = client.post(reverse("priorauth:request_new"), _post_data(pa, save_draft="1"))
    draft = PriorAuthRequest.objects.get()
    assert draft.status == Status.DRAFT and response.status_code == 302
    edit = client.get(reverse("priorauth:request_edit", kwargs={"reference": draft.reference}))
    assert "63047" in edit.content.decode()
    client.post(
        reverse("priorauth:request_edit", kwargs={"reference": draft.reference}),
        _post_data(pa, submit="1"),
    )
    draft.refresh_from_db()
    assert draft.status == Status.RECEIVED


def test_not_required_code_at_once(pa, persona_client):
    client = persona_client("physician")
    client.post(
        reverse("priorauth:request_new"), _post_data(pa, submit="1", **{"lines-0-code": "97110"})
    )
    assert PriorAuthRequest.objects.get().status == Status.NOT_REQUIRED
    answer = client.get(reverse("priorauth:required_check"), {"plan": pa.plan.pk, "code": "97110"})
    assert "Submission not required" in answer.content.decode()


def test_duplicate_warning_page(pa, world, persona_client):
    submitted(pa, world.users["physician"])
    response = persona_client("physician").post(
        reverse("priorauth:request_new"), _post_data(pa, submit="1")
    )
    assert response.status_code == 409 and "Possible duplicate" in response.content.decode()


def test_status_poll_returns_204_when_unchanged(pa, world, persona_client):
    row = submitted(pa, world.users["physician"])
    url = reverse("priorauth:request_status", kwargs={"reference": row.reference})
    client = persona_client("physician")
    assert client.get(url, {"since": row.version}).status_code == 204
    assert "Received" in client.get(url, {"since": row.version - 1}).content.decode()


def test_review_pages_show_the_time_left_before_the_due_date(pa, world, persona_client):
    import datetime as dt

    from django.utils import timezone

    row = submitted(pa, world.users["physician"])
    PriorAuthRequest.objects.filter(pk=row.pk).update(
        due_at=timezone.now() + dt.timedelta(days=3, hours=5, minutes=1)
    )
    reviewer = persona_client("um_reviewer")
    queue = reviewer.get(reverse("priorauth:staff_queue")).content.decode()
    assert "3\xa0days, 5\xa0hours" in queue
    page = reviewer.get(reverse("priorauth:staff_request", kwargs={"reference": row.reference}))
    assert "(3\xa0days, 5\xa0hours left)" in page.content.decode()


def test_request_pages_show_diagnoses_with_the_dot_and_description(pa, world, persona_client):
    from portico.codes.models import Icd10Code

    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    staff_url = reverse("priorauth:staff_request", kwargs={"reference": row.reference})
    office_url = reverse("priorauth:request_detail", kwargs={"reference": row.reference})
    office = persona_client("physician")
    # The prior-auth world loads M5450 into the code set; the request stores it undotted.
    assert row.diagnoses == ["M5450"]
    for client, url in ((reviewer, staff_url), (office, office_url)):
        assert "<dd>M54.50 Low back pain, unspecified</dd>" in client.get(url).content.decode()
    Icd10Code.objects.filter(code="M5450").delete()  # a code the loaded set lacks
    assert "<dd>M54.50</dd>" in reviewer.get(staff_url).content.decode()


def test_reviewer_flow_and_stale_page(pa, world, persona_client):
    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    queue = reviewer.get(reverse("priorauth:staff_queue"))
    assert row.reference in queue.content.decode()
    url = reverse("priorauth:staff_send_back", kwargs={"reference": row.reference})
    assert reviewer.post(url, {"version": row.version, "message": "Send MRI"}).status_code == 302
    stale = reviewer.post(
        reverse("priorauth:staff_pend", kwargs={"reference": row.reference}),
        {"version": row.version, "reason": "x"},
    )
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    office = persona_client("physician")
    office.post(
        reverse("priorauth:request_respond", kwargs={"reference": row.reference}),
        {"answer": "Done"},
    )
    row.refresh_from_db()
    assert row.status == Status.IN_REVIEW
    decide = reviewer.post(
        reverse("priorauth:staff_decide", kwargs={"reference": row.reference}),
        decide_data(row, approved_units="1"),
    )
    assert decide.status_code == 302
    row.refresh_from_db()
    assert row.status == Status.APPROVED
    letters = persona_client("physician").get(reverse("priorauth:letters"))
    assert "Approval" in letters.content.decode() and "Unread" in letters.content.decode()


def test_legacy_cases_read_only(pa, world, persona_client, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "legacy.csv"
    path.write_text(Path("examples/priorauth-legacy-cases.csv").read_text())
    call_command("import_legacy_cases", str(path))
    client = persona_client("physician")
    page = client.get(reverse("priorauth:legacy_list"))
    text = page.content.decode()
    assert "ON-2026-000101" in text and "Legacy" in text and "ON-2026-000103" not in text


def test_fax_intake(pa, world, persona_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = persona_client("um_reviewer")
    data = _post_data(pa)
    data["fax"] = SimpleUploadedFile(
        "fax.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
    )
    response = client.post(reverse("priorauth:staff_fax_intake"), data)
    row = PriorAuthRequest.objects.get()
    assert (
        response.status_code == 302 and row.source == "fax" and row.organization == world.practice_a
    )
    assert row.attachments.count() == 1


def test_other_practice_letter_is_404(pa, world, persona_client):
    from portico.priorauth.services import priorauth_submit
    from tests.factories.priorauth import request_input

    row = priorauth_submit(
        user=world.users["um_reviewer"],
        staff=True,
        data=request_input(pa, member=pa.member_b, provider=pa.provider_b),
    )
    assert row.organization == world.practice_b
    from portico.priorauth.services import priorauth_send_back

    priorauth_send_back(
        request=row, actor=world.users["um_reviewer"], version=row.version, message="x"
    )
    doc = Document.objects.get()
    assert (
        persona_client("physician")
        .get(reverse("documents:download", kwargs={"pk": doc.pk}))
        .status_code
        == 404
    )


def test_a_refused_start_review_says_why_on_the_page(pa, world, persona_client):
    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    start = reverse("priorauth:staff_start", kwargs={"reference": row.reference})
    assert reviewer.post(start, {"version": row.version}).status_code == 302
    row.refresh_from_db()
    assert row.status == Status.IN_REVIEW
    # Started again from a second tab still showing the button: refused, and the page says so.
    again = reviewer.post(start, {"version": row.version})
    assert again.status_code == 400
    page = again.content.decode()
    assert "There is a problem" in page
    assert "A request that is In Review cannot be changed to In Review." in page
    missing = reviewer.post(start, {})
    assert missing.status_code == 400 and "This field is required" in missing.content.decode()


def test_adding_attachments_needs_a_file_and_names_each_refused_one(pa, world, persona_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    row = submitted(pa, world.users["physician"])
    before = row.attachments.count()
    client = persona_client("physician")
    url = reverse("priorauth:request_attach", args=[row.reference])
    empty = client.post(url, {})
    assert empty.status_code == 400 and "This field is required" in empty.content.decode()
    good = SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    bad = SimpleUploadedFile("macro.docm", b"PK\x03\x04 an archive", content_type="application/zip")
    response = client.post(url, {"attachments": [good, bad]})
    assert response.status_code == 400
    assert "macro.docm:" in response.content.decode()
    assert row.attachments.count() == before


class _Labels(HTMLParser):
    """Each label's and legend's text, and whether it carries the required "*" marker."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, bool] = {}
        self._open: list[str] | None = None
        self._marked = False
        self._in_abbr = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("label", "legend"):
            self._open, self._marked = [], False
        elif tag == "abbr" and self._open is not None:
            self._in_abbr = "usa-hint--required" in (dict(attrs).get("class") or "")
            self._marked = self._marked or self._in_abbr

    def handle_endtag(self, tag: str) -> None:
        if tag == "abbr":
            self._in_abbr = False
        elif tag in ("label", "legend") and self._open is not None:
            self.labels[" ".join("".join(self._open).split())] = self._marked
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open is not None and not self._in_abbr:
            self._open.append(data)


def _labels(html: str) -> dict[str, bool]:
    parser = _Labels()
    parser.feed(html)
    return parser.labels


REQUIRED_TO_SUBMIT = [
    "Health plan",
    "Member ID",
    "Member's date of birth",
    "Date of service",
    "Requesting provider",
    "Diagnosis codes (ICD-10-CM)",
    "Urgency",
    "Has conservative therapy (physical therapy, medication, activity modification) been tried?",
    "Imaging done (type and date) and findings",
    "Is there a progressive neurological deficit?",
]
OPTIONAL = [
    "Servicing provider",
    "Facility name",
    "Facility NPI",
    "Modifier",
    "For how many weeks?",
    "Other clinical information",
    "Clinical attachments",
]
REQUIRED_NOTE = "Fields marked with an asterisk (*) are required."


def test_the_request_form_marks_what_a_submission_needs(pa, world, persona_client):
    client = persona_client("physician")
    page = client.get(
        reverse("priorauth:request_new"), {"plan": pa.plan.pk, "category": pa.category.code}
    )
    html = page.content.decode()
    labels = _labels(html)
    for label in REQUIRED_TO_SUBMIT:
        assert labels.get(label) is True, label
    for label in OPTIONAL:
        assert labels.get(label) is False, label
    # At least one service line: the first line's code and units are marked, not the others.
    assert 'for="id_lines-0-code">Procedure code (CPT/HCPCS) <abbr' in html
    assert 'for="id_lines-0-units">Units <abbr' in html
    assert 'for="id_lines-1-code">Procedure code (CPT/HCPCS)</label>' in html
    note = re.search(r'<p class="usa-hint portico-required-legend">(.*?)</p>', html, re.S)
    assert note and " ".join(re.sub(r"<[^>]+>", "", note.group(1)).split()) == REQUIRED_NOTE
    assert html.index("portico-required-legend") < html.index('id="id_member_id"')
    assert "Required for an expedited/urgent request." in html.split('id="id_expedited_reason"')[0]


def test_marked_fields_still_let_a_half_done_draft_be_saved(pa, world, persona_client):
    client = persona_client("physician")
    data = {
        "plan": str(pa.plan.pk),
        "service_category": pa.category.code,
        "urgency": "",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "save_draft": "1",
    }
    response = client.post(reverse("priorauth:request_new"), data)
    draft = PriorAuthRequest.objects.get()
    assert response.status_code == 302 and draft.status == Status.DRAFT
    edit = client.get(response["Location"]).content.decode()
    assert _labels(edit)["Member ID"] is True and "portico-required-legend" in edit
    # Submitting it still gets one message per missing answer (from the shared validation),
    # not Django's "This field is required."
    data.pop("save_draft")
    refused = client.post(response["Location"], {**data, "submit": "1"})
    text = refused.content.decode()
    assert refused.status_code == 400
    assert "Enter the member ID from the member&#x27;s card." in text
    assert "Answer: Imaging done (type and date) and findings" in text
    assert "This field is required" not in text


def test_clinical_answers_show_the_choice_labels(pa, world, persona_client):
    row = submitted(pa, world.users["physician"])
    assert row.clinical_answers["conservative_therapy"] == "yes"
    conservative = (
        "<dt>Has conservative therapy (physical therapy, medication, activity modification) "
        "been tried?</dt><dd>Yes</dd>"
    )
    neuro = "<dt>Is there a progressive neurological deficit?</dt><dd>No</dd>"
    pages = [
        (
            persona_client("physician"),
            reverse("priorauth:request_detail", kwargs={"reference": row.reference}),
        ),
        (
            persona_client("um_reviewer"),
            reverse("priorauth:staff_request", kwargs={"reference": row.reference}),
        ),
    ]
    for client, url in pages:
        html = client.get(url).content.decode()
        assert conservative in html and neuro in html
        assert "<dd>yes</dd>" not in html and "<dd>no</dd>" not in html
        assert "<dt>For how many weeks?</dt><dd>8</dd>" in html


def test_fax_intake_pages_lead_back_to_the_review_queue(pa, world, persona_client):
    client = persona_client("um_reviewer")
    queue = reverse("priorauth:staff_queue")
    start_url = reverse("priorauth:staff_fax_intake")
    trail = '<nav class="usa-breadcrumb" aria-label="Breadcrumbs">'
    queue_link = f'<a href="{queue}" class="usa-breadcrumb__link"><span>Review queue</span></a>'
    start = client.get(start_url).content.decode()
    assert trail in start and queue_link in start
    assert 'aria-current="page"><span>Enter a faxed request</span>' in start
    form = client.get(start_url, {"plan": pa.plan.pk, "category": pa.category.code})
    html = form.content.decode()
    assert trail in html and queue_link in html
    assert f'<a href="{start_url}" class="usa-breadcrumb__link"><span>Enter a faxed request' in html
    assert 'aria-current="page"><span>Spine surgery</span>' in html
    # The fax form marks what a submission needs too.
    assert _labels(html)["Member ID"] is True and _labels(html)["Faxed request (PDF or TIFF)"]


def test_a_tampered_draft_still_opens_and_a_refused_file_is_not_dropped(pa, persona_client):
    """Before: a draft saved with lines-TOTAL_FORMS=abc answered 500 on every visit (it could
    not even be deleted), and "Save draft" with a refused file said "Draft saved" without it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = persona_client("physician")
    data = {**_post_data(pa, save_draft="1"), "lines-TOTAL_FORMS": "abc"}
    response = client.post(reverse("priorauth:request_new"), data)
    draft = PriorAuthRequest.objects.get()
    assert response.status_code == 302 and draft.status == Status.DRAFT
    assert client.get(response["Location"]).status_code == 200
    draft.delete()

    program = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    refused = client.post(
        reverse("priorauth:request_new"), {**_post_data(pa, save_draft="1"), "attachments": program}
    )
    assert refused.status_code == 400
    assert "programs can" in refused.content.decode()
    assert not PriorAuthRequest.objects.exists()


def test_dates_far_off_are_refused(pa, persona_client):
    """Before: a line ending on 9999-12-31 (an open-ended coverage covers it) was submitted."""
    from portico.members.models import Coverage

    Coverage.objects.filter(member=pa.member).update(end_date=None)  # open-ended
    client = persona_client("physician")
    far = _post_data(pa, submit="1", **{"lines-0-end_date": "9999-12-31"})
    response = client.post(reverse("priorauth:request_new"), far)
    assert response.status_code == 400
    assert "A request covers at most one year" in response.content.decode()
    late = _post_data(pa, submit="1", service_date="2999-01-01")
    response = client.post(reverse("priorauth:request_new"), late)
    assert "Enter a date of service within a year of today." in response.content.decode()
    assert not PriorAuthRequest.objects.exists()


def test_an_unknown_category_says_nothing_was_saved(pa, persona_client):
    client = persona_client("physician")
    data = _post_data(pa, submit="1", service_category="not-a-category")
    page = client.post(reverse("priorauth:request_new"), data, follow=True).content.decode()
    assert "service category was not recognised, so nothing was saved" in page
    assert not PriorAuthRequest.objects.exists()


@pytest.mark.parametrize(
    "extra",
    [
        {"service_date": "9999-12-31"},
        {"lines-0-start_date": "9999-12-31", "lines-0-end_date": ""},
        {"lines-0-start_date": "9999-12-31", "lines-0-end_date": "9999-12-31"},
    ],
)
def test_the_last_day_of_the_calendar_is_refused_not_a_500(pa, persona_client, extra):
    """Before: 9999-12-31 as the date of service or a line's start date raised ValueError
    ("year 10000 is out of range") while checking the one-year limit: a 500."""
    from portico.members.models import Coverage

    Coverage.objects.filter(member=pa.member).update(end_date=None)  # open-ended
    client = persona_client("physician")
    response = client.post(reverse("priorauth:request_new"), _post_data(pa, submit="1", **extra))
    assert response.status_code == 400
    text = response.content.decode()
    assert "within a year of today" in text
    assert not PriorAuthRequest.objects.exists()


@pytest.mark.parametrize("weeks", ["²", "٣", "6²", "½"])
def test_a_number_question_takes_only_the_digits_0_to_9(pa, persona_client, weeks):
    """Before: "²" (and other Unicode digits) passed str.isdigit() and was stored as the
    number of weeks of conservative therapy."""
    client = persona_client("physician")
    response = client.post(
        reverse("priorauth:request_new"), _post_data(pa, submit="1", q_conservative_weeks=weeks)
    )
    assert response.status_code == 400
    assert "Enter a whole number (digits 0-9)." in response.content.decode()
    assert not PriorAuthRequest.objects.exists()


def test_a_refused_service_line_is_in_an_error_summary_at_the_top(pa, persona_client):
    """Before: a line's error (here units of -5) was shown only beside the line, far down
    the page, with no error summary at the top to say that anything was wrong."""
    client = persona_client("physician")
    response = client.post(
        reverse("priorauth:request_new"), _post_data(pa, submit="1", **{"lines-0-units": "-5"})
    )
    text = response.content.decode()
    assert response.status_code == 400
    summary = text.split('id="lines-error-summary"', 1)[1].split("</div>\n</div>", 1)[0]
    assert "data-focus-on-load" in summary and "There is a problem" in summary
    assert 'href="#id_lines-0-units"' in summary
    assert "Service line 1, Units: Enter the number of units (1 or more)." in summary


@pytest.mark.parametrize(
    ("units", "message"), [("0", "(1 or more)"), ("-5", "(1 or more)"), ("5000", "at most 999")]
)
def test_units_out_of_range_get_the_same_words_from_the_form_and_the_rules(
    pa, persona_client, units, message
):
    client = persona_client("physician")
    response = client.post(
        reverse("priorauth:request_new"), _post_data(pa, submit="1", **{"lines-0-units": units})
    )
    text = response.content.decode()
    assert response.status_code == 400 and message in text
    assert "greater than or equal to" not in text and "less than or equal to" not in text


def test_a_refused_form_says_its_chosen_files_were_not_attached(pa, persona_client):
    """Before: the chosen file was silently dropped when the request was refused."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = persona_client("physician")
    pdf = SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
    data = _post_data(pa, submit="1", member_id="HV999999999", attachments=pdf)
    response = client.post(reverse("priorauth:request_new"), data)
    assert response.status_code == 400
    assert "The files you chose were not attached" in response.content.decode()
    plain = client.post(reverse("priorauth:request_new"), _post_data(pa, submit="1", q_imaging=""))
    assert "The files you chose were not attached" not in plain.content.decode()


def test_an_over_long_expedited_reason_is_refused_at_its_field(pa, persona_client):
    client = persona_client("physician")
    data = _post_data(
        pa,
        submit="1",
        urgency="expedited",
        expedited_attestation="on",
        expedited_reason="x" * 20000,
    )
    response = client.post(reverse("priorauth:request_new"), data)
    assert response.status_code == 400
    assert "at most 2000 characters" in response.content.decode()
    assert not PriorAuthRequest.objects.exists()


def _error_of(page: str, field_id: str) -> str:
    """The error message shown in the form group of ``field_id`` (empty if none)."""
    group = page.split(f'id="{field_id}_group"', 1)[1].split('class="usa-form-group', 1)[0]
    found = re.search(r'class="usa-error-message"[^>]*>\s*(.*?)\s*<', group, re.S)
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("line", "field", "message"),
    [
        ({"approved_units": "5"}, "approved_units", "Approve between 1 and 1 units on line 1."),
        (
            {"approved_start": "2020-01-01"},
            "approved_start",
            "The approved dates on line 1 must lie within the requested dates.",
        ),
        (
            {"decision": "denied", "criteria": "InterQual"},
            "deny_reason",
            "Give the reason and the criteria cited for denying line 1.",
        ),
    ],
)
def test_a_refused_line_decision_is_shown_at_its_field(
    pa, world, persona_client, line, field, message
):
    """Before: the rules' message for a line (too many units, dates outside the request, a
    denial without its reason) was only in the summary above the form, not at the field."""
    row = submitted(pa, world.users["physician"])
    reviewer = persona_client("um_reviewer")
    url = reverse("priorauth:staff_decide", kwargs={"reference": row.reference})
    response = reviewer.post(url, decide_data(row, **line))
    page = response.content.decode()
    assert response.status_code == 400
    assert message in _error_of(page, f"id_decide-0-{field}")
    assert 'id="decide-lines-error-summary"' in page and message in page
    row.refresh_from_db()
    assert row.status == Status.RECEIVED


def test_opening_a_legacy_case_is_audited(pa, world, persona_client, tmp_path):
    """Before: the legacy case page (member name and ID) was shown without an audit event."""
    from django.core.management import call_command

    from portico.priorauth.models import LegacyCase

    path = tmp_path / "legacy.csv"
    path.write_text(Path("examples/priorauth-legacy-cases.csv").read_text())
    call_command("import_legacy_cases", str(path))
    case = LegacyCase.objects.get(legacy_reference="ON-2026-000101")
    client = persona_client("physician")
    page = client.get(reverse("priorauth:legacy_detail", kwargs={"pk": case.pk}))
    assert page.status_code == 200
    event = AuditEvent.objects.get(action="portico.priorauth.legacy_viewed")
    assert event.object_id == str(case.pk) and event.member_ref == case.member_id


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("staff_pend", {"reason": "x"}, "Only requests waiting for review or in review can be"),
        ("staff_send_back", {"message": "x"}, "closed; it cannot be changed."),
        ("staff_withdraw", {"reason": "x"}, "Only open requests can be withdrawn."),
        ("staff_assign", {"assignee": ""}, "This request is closed (decided or withdrawn)."),
        ("staff_start", {}, "closed; it cannot be changed."),
    ],
)
def test_an_action_refused_on_a_closed_request_says_why(
    pa, world, persona_client, action, data, message
):
    """Before: the page of a closed request has no action forms, so a refused action (a
    second tab, a replayed form) answered 400 with no message at all."""
    from portico.priorauth.services import priorauth_withdraw

    row = submitted(pa, world.users["physician"])
    row = priorauth_withdraw(
        request=row, actor=world.users["um_reviewer"], reason="Duplicate", version=row.version
    )
    reviewer = persona_client("um_reviewer")
    url = reverse(f"priorauth:{action}", kwargs={"reference": row.reference})
    response = reviewer.post(url, {"version": row.version, **data})
    page = response.content.decode()
    assert response.status_code == 400
    assert "There is a problem" in page and message in page


def test_the_services_table_lets_the_decision_and_dates_wrap(pa, world, persona_client):
    """Before: USWDS's scrollable table kept every cell on one line, so an approved line (its
    dates and authorization number) or a denial reason ran the table to 1,000+ pixels, far
    past its column: the decision had to be scrolled to sideways on a desktop screen."""
    row = submitted(pa, world.users["physician"])
    for client, name in (
        (persona_client("physician"), "priorauth:request_detail"),
        (persona_client("um_reviewer"), "priorauth:staff_request"),
    ):
        page = client.get(reverse(name, kwargs={"reference": row.reference})).content.decode()
        table = page.split("<caption>Services</caption>", 1)[1].split("</table>", 1)[0]
        assert '<td class="text-wrap portico-line-decision">Not decided yet' in table
        assert '<td class="text-wrap">' in table
    css = Path("src/portico/core/static/portico/portico.css").read_text()
    assert ".usa-table-container--scrollable td.text-wrap {\n  white-space: normal;" in css


def test_a_draft_submitted_twice_shows_the_request_it_became(pa, persona_client):
    """Before: the second Submit of the same draft (another tab; a new form key) landed on the
    portal's home page with "This request was already submitted."."""
    client = persona_client("physician")
    client.post(reverse("priorauth:request_new"), _post_data(pa, save_draft="1"))
    draft = PriorAuthRequest.objects.get()
    edit = reverse("priorauth:request_edit", kwargs={"reference": draft.reference})
    client.post(edit, _post_data(pa, submit="1", idempotency_key="tab-1"))
    again = client.post(edit, _post_data(pa, submit="1", idempotency_key="tab-2"), follow=True)
    detail = reverse("priorauth:request_detail", kwargs={"reference": draft.reference})
    assert again.redirect_chain[-1][0] == detail
    assert f"Request {draft.reference} was already submitted; nothing was changed." in (
        again.content.decode()
    )
    assert PriorAuthRequest.objects.count() == 1
    assert AuditEvent.objects.filter(action="portico.priorauth.submitted").count() == 1


def test_lists_that_name_members_are_audited_with_the_requests_shown(pa, world, persona_client):
    """Before: the office's home and request list, and the UM review queue, showed members'
    names and IDs with no audit event; a PHI view must leave one (as the claims search does)."""
    row = submitted(pa, world.users["physician"])
    client = persona_client("physician")
    assert client.get(reverse("priorauth:home")).status_code == 200
    assert client.get(reverse("priorauth:request_list"), {"q": "63047"}).status_code == 200
    home, listed = AuditEvent.objects.filter(action="portico.priorauth.listed").order_by("pk")
    assert home.object_repr == "Prior authorization home"
    assert home.changes == {"requests": [row.reference]}
    assert home.actor_id == world.users["physician"].pk
    assert listed.changes == {"requests": [row.reference], "filters": {"query": "63047"}}
    reviewer = persona_client("um_reviewer")
    assert reviewer.get(reverse("priorauth:staff_queue")).status_code == 200
    queue = AuditEvent.objects.get(action="portico.priorauth.listed_by_staff")
    assert queue.changes["requests"] == [row.reference]
    assert queue.changes["filters"] == {"status": "open"}


def test_the_legacy_case_list_is_audited(pa, world, persona_client, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "legacy.csv"
    path.write_text(Path("examples/priorauth-legacy-cases.csv").read_text())
    call_command("import_legacy_cases", str(path))
    page = persona_client("physician").get(reverse("priorauth:legacy_list"))
    assert page.status_code == 200
    event = AuditEvent.objects.get(action="portico.priorauth.legacy_listed")
    assert "ON-2026-000101" in event.changes["cases"]
    assert all(case in page.text for case in event.changes["cases"])

"""The two access forms: every field validates, a request is never doubled or half-saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from portico.core.models import AuditEvent, OutboxMessage
from portico.organizations.models import AccessRequest
from tests.connect.helpers import cop_data, pip_data

pytestmark = pytest.mark.django_db


def test_claims_form_shows_every_field_with_portico_id_read_only(world, persona_client):
    response = persona_client("new_user").get(reverse("connect:access-claims"))
    html = response.content.decode()
    assert response.status_code == 200
    for label in [
        "Request type",
        "New Request",
        "Update Existing Account",
        "Add Tax ID",
        "Deactivate Account",
        "Reactivate Account",
        "Contact name",
        "Contact phone",
        "Practice / Group name",
        "Billing Provider TINs",
        "Address",
        "Suite",
        "City",
        "State",
        "Zip",
        "Telephone number",
        "Front office email address",
        "Fax number",
        "Authorizing Officer first name",
        "Authorizing Officer title",
        "User email address",
        "Allow submit claims online?",
        "User title",
        "Login user ID",
        "Administrator, Supervisor, Manager, Director or the Doctor",
    ]:
        assert label in html, label
    assert 'value="newuser01"' in html and "disabled" in html
    assert html.count("must be someone in a management position") == 1  # stated once


def test_submitting_the_claims_form_creates_one_request_and_tells_how_to_sign(
    world, persona_client, django_capture_on_commit_callbacks
):
    client = persona_client("new_user")
    data = cop_data()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("connect:access-claims"), data)
    request = AccessRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("connect:request-detail", args=[request.pk])
    assert request.status == AccessRequest.Status.AWAITING_SIGNATURE
    assert request.reference.startswith("AR-")
    assert request.data["tins"] == [
        {"digits": "123456789", "kind": "ein", "display": "12-3456789"},
        {"digits": "987654321", "kind": "ssn", "display": "987-65-4321"},
    ]
    assert request.data["portico_id"] == "newuser01"
    assert request.data["telephone"] == "(212) 555-0150"
    assert request.data["submit_claims"] is True
    assert AuditEvent.objects.filter(action="portico.access_request.submitted").count() == 1
    mail = OutboxMessage.objects.get(to=world.users["new_user"].email)
    assert request.reference in mail.body and "(310) 555-0117" in mail.body
    page = client.get(response["Location"]).content.decode()
    assert request.reference in page and "(310) 555-0117" in page
    assert "Print Portal Access Form" in page

    # Double click / Back button: the same form again returns the same request.
    again = client.post(reverse("connect:access-claims"), data)
    assert again.status_code == 302 and again["Location"] == response["Location"]
    assert AccessRequest.objects.count() == 1


def test_the_portico_id_cannot_be_changed_by_the_form(world, persona_client):
    persona_client("new_user").post(
        reverse("connect:access-claims"), cop_data(portico_id="superuser1")
    )
    assert AccessRequest.objects.get().data["portico_id"] == "newuser01"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("tins", "12-345678", "is not a Tax ID"),
        ("tins", "12-3456789, 12-3456789", "listed twice"),
        ("tins", "", "This field is required"),
        ("contact_phone", "555-0142", "10-digit U.S. phone number"),
        ("zip", "1099", "ZIP code as 12345"),
        ("state", "ZZ", "Select a valid choice"),
        ("front_office_email", "front desk", "Enter an email address"),
        ("officer_title", "Receptionist", "must be someone in a management position"),
        ("login_user_id", "has space", "no spaces"),
        ("request_type", "", "Choose a request type"),
        ("submit_claims", "", "Yes or No"),
    ],
)
def test_claims_form_rejects_bad_input_with_a_clear_message(
    world, persona_client, field, value, message
):
    response = persona_client("new_user").post(
        reverse("connect:access-claims"), cop_data(**{field: value})
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessRequest.objects.exists()


@pytest.mark.parametrize(
    "title",
    [
        "Office Manager",
        "Medical Director",
        "Doctor",
        "Practice Administrator",
        "MD",
        "Owner",
        "President",
        "CEO",
        "Chief Operating Officer",
        "Dr.",
        "Office Mgr",
        "Jane Roe, DDS",
    ],
)
def test_management_titles_are_accepted(world, persona_client, title):
    persona_client("new_user").post(reverse("connect:access-claims"), cop_data(officer_title=title))
    assert AccessRequest.objects.count() == 1


@pytest.mark.parametrize("title", ["Receptionist", "Billing Clerk", "Medical Assistant"])
def test_titles_that_are_not_management_are_refused(world, persona_client, title):
    persona_client("new_user").post(reverse("connect:access-claims"), cop_data(officer_title=title))
    assert not AccessRequest.objects.exists()


def test_the_users_own_username_is_accepted_as_login_user_id(world, persona_client):
    """The form fills in the Portico ID username; its rules allow symbols such as = and !."""
    user = world.users["new_user"]
    user.username = "d=whitfield!"
    user.save(update_fields=["username"])
    client = persona_client("new_user")
    form = client.get(reverse("connect:access-claims")).content.decode()
    assert 'value="d=whitfield!"' in form
    client.post(reverse("connect:access-claims"), cop_data(login_user_id="d=whitfield!"))
    assert AccessRequest.objects.get().data["login_user_id"] == "d=whitfield!"


def test_pip_form_shows_regions_rows_hipaa_and_referrals_note(world, persona_client):
    html = persona_client("new_user").get(reverse("connect:access-patientinfo")).content.decode()
    for text in [
        "R1: Pasadena SGV/PA",
        "R7: Riverside",
        "San Jose",
        "Magan",
        "Portico Care Network",
        "Staff",
        "PCP",
        "Specialist",
        "New Access",
        "Update Report Access",
        "Remove Access",
        "Update Phone / Address / Email",
        "Cap Report",
        "Add/Terms (AC only)",
        "Sign after printing",
        "Health Insurance Portability and Accountability Act",
        "does not give access to submitting electronic referrals",
        "Please do not print from the browser",
    ]:
        assert text in html, text
    assert html.count('name="rows-') >= 4 * 6


def test_pip_form_submits_rows(world, persona_client):
    rows = [
        {
            "name": "Robin Hartwell",
            "email": "robin@bayside.example",
            "npi": "1234567893",
            "existing_username": "",
            "cap_report": "yes",
            "add_terms": "no",
        },
        {
            "name": "Jamie Staff",
            "email": "jamie@bayside.example",
            "npi": "",
            "existing_username": "jstaff",
            "cap_report": "no",
            "add_terms": "yes",
        },
    ]
    response = persona_client("new_user").post(
        reverse("connect:access-patientinfo"), pip_data(rows=rows)
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    request = AccessRequest.objects.get()
    assert request.application == "patientinfo"
    assert request.data["regions"] == ["R1", "SJ"]
    assert [r["email"] for r in request.data["rows"]] == [
        "robin@bayside.example",
        "jamie@bayside.example",
    ]
    assert request.data["rows"][1]["add_terms"] is True


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"regions": []}, "Choose at least one region"),
        ({"regions": ["R9"]}, "Select a valid choice"),
        ({"roles": []}, "Choose Staff, PCP or Specialist (one or more)."),
        ({"roles": ["pcp", "doctor"]}, "Select a valid choice"),
        ({"actions": []}, "Choose at least one request type"),
        ({"actions": ["remove", "new_access"]}, "cannot be combined"),
        ({"hipaa_acknowledged": ""}, "Agree to the HIPAA statement"),
        ({"zip": "ABCDE"}, "ZIP code as 12345"),
        ({"rows-0-npi": "1234567890"}, "check digit is wrong"),
        ({"rows-0-email": "nope"}, "Enter an email address"),
        (
            {"rows-TOTAL_FORMS": "5", "rows-4-name": "Fifth", "rows-4-email": "e@x.example"},
            "at most 4",
        ),
        (
            {
                "rows-0-name": "",
                "rows-0-email": "",
                "rows-0-npi": "",
                "rows-0-existing_username": "",
            },
            "This field is required",
        ),
    ],
)
def test_pip_form_rejects_bad_input(world, persona_client, overrides, message):
    data = pip_data()
    if overrides.get("hipaa_acknowledged") == "":
        data.pop("hipaa_acknowledged")
        overrides = {}
    data.update(overrides)
    response = persona_client("new_user").post(reverse("connect:access-patientinfo"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessRequest.objects.exists()


def _summary(html: str, summary_id: str) -> str:
    return html.split(f'id="{summary_id}-error-summary"', 1)[1].split("</div>\n</div>", 1)[0]


def test_a_refused_row_is_in_an_error_summary_at_the_top(world, persona_client):
    """Before: with the rest of the form right, a row's error (here a wrong NPI) was shown
    only in the table far down the page: no "There is a problem" at the top, nothing focused,
    the page looked as if Submit had done nothing."""
    response = persona_client("new_user").post(
        reverse("connect:access-patientinfo"),
        pip_data(**{"rows-0-npi": "1234567890", "rows-1-name": "Jamie Staff"}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    summary = _summary(html, "rows")
    assert "data-focus-on-load" in summary and "There is a problem" in summary
    assert 'href="#id_rows-0-npi"' in summary
    assert "Row 1, Physician NPI: This NPI&#x27;s check digit is wrong" in summary
    assert 'href="#id_rows-1-email"' in summary
    assert "Row 2, Email address: This field is required." in summary
    assert not AccessRequest.objects.exists()


def test_row_errors_follow_the_forms_own_summary(world, persona_client):
    """With errors in the form too, its summary is the one focused; the rows' is titled."""
    response = persona_client("new_user").post(
        reverse("connect:access-patientinfo"), pip_data(zip="ABCDE", **{"rows-0-email": "nope"})
    )
    html = response.content.decode()
    assert 'id="form-error-summary"' in html
    summary = _summary(html, "rows")
    assert "data-focus-on-load" not in summary and "Physicians and staff" in summary
    assert "Row 1, Email address: Enter an email address like name@example.org." in summary


def test_access_forms_need_sign_in(client, db):
    response = client.get(reverse("connect:access-claims"))
    assert response.status_code == 302 and "/id/login/" in response["Location"]

"""The access-request lifecycle table and the PDF helpers."""

from __future__ import annotations

import subprocess
import tempfile
import uuid

import pytest

from portico.core import pdf
from portico.organizations.models import AccessRequest
from portico.organizations.services.access import AccessRequestError, access_request_submit
from portico.organizations.transitions import (
    TRANSITIONS,
    Actor,
    TransitionNotAllowed,
    allowed_actions,
    check,
)

S = AccessRequest.Status


@pytest.mark.parametrize(
    ("status", "actor", "expected"),
    [
        (S.AWAITING_SIGNATURE, Actor.REQUESTER, {"sign"}),
        (S.AWAITING_SIGNATURE, Actor.STAFF, {"attach_fax", "deny"}),
        (
            S.SUBMITTED,
            Actor.STAFF,
            {"attach_fax", "start_review", "approve", "deny", "ask_more_info"},
        ),
        (S.MORE_INFO, Actor.REQUESTER, {"sign", "reply"}),
        (S.APPROVED, Actor.STAFF, set()),
        (S.DENIED, Actor.REQUESTER, set()),
    ],
)
def test_allowed_actions(status, actor, expected):
    assert allowed_actions(AccessRequest(status=status), actor) == expected


def test_every_target_is_a_status_and_terminal_states_have_no_way_out():
    for transition in TRANSITIONS.values():
        assert transition.target in S.values
        assert transition.source <= set(S.values)
        assert not {S.APPROVED, S.DENIED} & transition.source


def test_check_refuses_the_wrong_actor_and_status():
    with pytest.raises(TransitionNotAllowed):
        check(AccessRequest(status=S.SUBMITTED), "approve", Actor.REQUESTER)
    with pytest.raises(TransitionNotAllowed, match="Awaiting signature"):
        check(AccessRequest(status=S.AWAITING_SIGNATURE), "approve", Actor.STAFF)


def test_pdf_helpers_render_text_safely():
    data = pdf.render_pdf(
        title="Test form",
        header="Portico",
        footer="Footer text",
        content=[
            pdf.heading("Heading <b>not bold</b>"),
            pdf.paragraph("A & B < C"),
            pdf.key_value_table([("Name", "Casey Morgan"), ("Empty", "")]),
            pdf.table(["Col 1", "Col 2"], [["a", "b"]]),
            pdf.checkbox_list([("Chosen", True), ("Not chosen", False)]),
            pdf.signature_lines(["Authorizing Officer"], note="Sign below"),
        ],
    )
    assert data.startswith(b"%PDF-")
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        text = subprocess.run(
            ["pdftotext", handle.name, "-"], capture_output=True, text=True
        ).stdout
    for value in [
        "Heading <b>not bold</b>",
        "A & B < C",
        "Casey Morgan",
        "[X] Chosen",
        "Authorizing Officer",
        "Signature",
        "Date",
        "Page 1",
        "Footer text",
    ]:
        assert value.replace(" ", "") in text.replace(" ", ""), value


@pytest.mark.django_db
def test_submit_is_idempotent_per_key_and_a_key_cannot_be_borrowed(world):
    key = uuid.uuid4()
    fields = dict(
        application="claims",
        request_type="new",
        practice_name="P",
        data={"tins": []},
        idempotency_key=key,
    )
    first, created = access_request_submit(requester=world.users["new_user"], **fields)
    again, created_again = access_request_submit(requester=world.users["new_user"], **fields)
    assert created and not created_again and first.pk == again.pk
    with pytest.raises(AccessRequestError):
        access_request_submit(requester=world.users["billing_clerk"], **fields)
    assert AccessRequest.objects.count() == 1

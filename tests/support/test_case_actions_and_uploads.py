"""Search and Comment's Action column, and attaching several files at once (all or nothing)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from portico.core.models import AuditEvent
from portico.core.uploads import UploadRejected
from portico.support.models import Actor, CaseAttachment, CaseEvent, CaseStatus
from portico.support.services import case_status_change
from portico.support.services import cases as case_services
from tests.support.conftest import PDF_BYTES, open_case

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00\x00\x00\x01" * 2 + b"0" * 20


class _CaseTable(HTMLParser):
    """The customer's case table: per body row, its cell texts (screen-reader text included)
    and its links as (href, accessible text)."""

    def __init__(self) -> None:
        super().__init__()
        self.headers: list[str] = []
        self.rows: list[dict[str, Any]] = []
        self._in_head = self._in_body = False
        self._cell: list[str] | None = None
        self._link: list[Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "thead":
            self._in_head = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append({"cells": [], "links": []})
        elif tag in ("th", "td"):
            self._cell = []
        elif tag == "a" and self._in_body:
            self._link = [dict(attrs).get("href"), []]

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("th", "td") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._in_head:
                self.headers.append(text)
            elif self._in_body:
                self.rows[-1]["cells"].append(text)
            self._cell = None
        elif tag == "a" and self._link is not None:
            href, parts = self._link
            self.rows[-1]["links"].append((href, " ".join("".join(parts).split())))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link[1].append(data)


def _case_table(html: str) -> _CaseTable:
    parser = _CaseTable()
    parser.feed(html)
    return parser


def _row(table: _CaseTable, number: str) -> dict[str, Any]:
    (row,) = [r for r in table.rows if r["cells"][0] == number]
    return row


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


@pytest.fixture
def spy_store(monkeypatch: Any) -> list[str]:
    """Keys of every file the support services stored (to prove none is left behind)."""
    saved: list[str] = []
    real_store = case_services.store_upload

    def spy(**kw: Any) -> Any:
        stored = real_store(**kw)
        saved.append(stored.key)
        return stored

    monkeypatch.setattr(case_services, "store_upload", spy)
    return saved


# --- the Action column -----------------------------------------------------------------


def test_action_column_offers_comment_and_attach_only_where_the_case_page_does(sam, sw):
    new = open_case(sw.customer, sw.user, subject="New one")
    waiting = open_case(sw.colleague, sw.colleague_user, subject="Waiting one")
    case_status_change(case=waiting, actor=sw.agent, status=CaseStatus.WAITING)
    closed = open_case(sw.customer, sw.user, subject="Closed one")
    case_status_change(case=closed, actor=sw.agent, status=CaseStatus.CLOSED)

    table = _case_table(sam.get("/support/cases/").content.decode())

    assert table.headers[-1] == "Action"
    for case in (new, waiting):
        links = _row(table, case.number)["links"]
        n = case.number
        assert (f"/support/cases/{n}/comment/", f"Comment on case {n}") in links
        assert (f"/support/cases/{n}/attach/", f"Attach files to case {n}") in links
    row = _row(table, closed.number)
    assert [href for href, _ in row["links"]] == [f"/support/cases/{closed.number}/"]
    assert row["cells"][-1] == f"—No actions: case {closed.number} is closed"  # "—" aria-hidden
    # The closed case's page agrees: no Comment or Attach there either.
    detail = sam.get(f"/support/cases/{closed.number}/").content.decode()
    assert ">Comment</a>" not in detail and ">Attach</a>" not in detail


def test_action_links_have_a_unique_accessible_name_per_row(sam, sw):
    for i in range(3):
        open_case(sw.customer, sw.user, subject=f"Case {i}")
    table = _case_table(sam.get("/support/cases/").content.decode())
    names = [name for row in table.rows for _, name in row["links"]]
    assert len(table.rows) == 3 and len(names) == 9  # number, Comment, Attach per row
    assert len(set(names)) == len(names)


def test_action_column_is_there_in_my_cases_and_case_number_searches(sam, sw):
    case = open_case(sw.customer, sw.user)
    for query in ("?scope=mine", f"?scope=number&number={case.number}"):
        table = _case_table(sam.get(f"/support/cases/{query}").content.decode())
        assert table.headers[-1] == "Action"
        hrefs = [href for href, _ in _row(table, case.number)["links"]]
        assert f"/support/cases/{case.number}/comment/" in hrefs
        assert f"/support/cases/{case.number}/attach/" in hrefs


def test_action_links_open_the_case_pages_comment_and_attach_screens(sam, sw):
    case = open_case(sw.customer, sw.user)
    table = _case_table(sam.get("/support/cases/").content.decode())
    links = {name: href for href, name in _row(table, case.number)["links"]}
    detail = sam.get(f"/support/cases/{case.number}/").content.decode()
    comment_url = links[f"Comment on case {case.number}"]
    attach_url = links[f"Attach files to case {case.number}"]
    assert f'href="{comment_url}"' in detail and f'href="{attach_url}"' in detail  # same screens

    comment_page = sam.get(comment_url)
    assert comment_page.status_code == 200
    assert f"<h1>Comment on case {case.number}</h1>" in comment_page.content.decode()
    assert sam.post(comment_url, {"body": "Sent from the list"}).status_code == 302

    attach_page = sam.get(attach_url)
    assert attach_page.status_code == 200
    html = attach_page.content.decode()
    assert "Upload Files" in html and 'type="file" name="file"' in html
    assert sam.post(attach_url, {"file": _pdf("from-list.pdf")}).status_code == 302
    detail = sam.get(f"/support/cases/{case.number}/").content.decode()
    assert "Sent from the list" in detail and "from-list.pdf" in detail


# --- several files at once -------------------------------------------------------------


def test_upload_files_lets_the_customer_choose_several(sam, sw):
    case = open_case(sw.customer, sw.user)
    html = sam.get(f"/support/cases/{case.number}/attach/").content.decode()
    (file_input,) = [
        line for line in html.splitlines() if 'type="file"' in line and 'name="file"' in line
    ]
    assert " multiple" in file_input and " required" in file_input
    assert "Choose one or more files" in html


def test_two_good_files_are_both_saved(sam, sw):
    case = open_case(sw.customer, sw.user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.WAITING)
    response = sam.post(
        f"/support/cases/{case.number}/attach/",
        {"file": [_pdf("remit.pdf"), SimpleUploadedFile("scan.png", PNG_BYTES)]},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/support/cases/{case.number}/"
    html = response.content.decode()
    assert "Your 2 files were attached." in html
    assert "remit.pdf" in html and "scan.png" in html
    rows = list(CaseAttachment.objects.filter(case=case).order_by("file_name"))
    assert [(r.file_name, r.content_type) for r in rows] == [
        ("remit.pdf", "application/pdf"),
        ("scan.png", "image/png"),
    ]
    assert all(default_storage.exists(r.storage_key) for r in rows)
    assert all(r.author_kind == Actor.CUSTOMER and r.uploaded_by == sw.user for r in rows)
    audits = AuditEvent.objects.filter(action="portico.support.attachment_added")
    assert sorted(a.changes["file_name"] for a in audits) == ["remit.pdf", "scan.png"]
    case.refresh_from_db()
    assert case.status == CaseStatus.WORKING  # back to Working, once
    assert case.events.filter(kind=CaseEvent.Kind.STATUS, to_status=CaseStatus.WORKING).count() == 1


def test_one_bad_file_among_good_ones_saves_none_and_names_it(sam, sw, spy_store):
    case = open_case(sw.customer, sw.user)
    case_status_change(case=case, actor=sw.agent, status=CaseStatus.WAITING)
    response = sam.post(
        f"/support/cases/{case.number}/attach/",
        {
            "file": [
                _pdf("remit.pdf"),
                SimpleUploadedFile("notes.txt", b"<script>alert(1)</script>"),
                _pdf("letter.pdf"),
            ]
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="usa-error-message" id="id_file_error"' in html
    assert "notes.txt: The file&#x27;s content is not an allowed type" in html
    assert "remit.pdf:" not in html and "letter.pdf:" not in html
    assert not CaseAttachment.objects.exists()
    assert not AuditEvent.objects.filter(action="portico.support.attachment_added").exists()
    assert all(not default_storage.exists(key) for key in spy_store)
    case.refresh_from_db()
    assert case.status == CaseStatus.WAITING


def test_every_bad_file_is_named(sam, sw):
    case = open_case(sw.customer, sw.user)
    response = sam.post(
        f"/support/cases/{case.number}/attach/",
        {
            "file": [
                SimpleUploadedFile("empty.pdf", b""),
                _pdf("ok.pdf"),
                SimpleUploadedFile("page.html", b"<html></html>"),
            ]
        },
    )
    html = response.content.decode()
    assert "empty.pdf: The submitted file is empty." in html
    assert "page.html: Files of this type can&#x27;t be attached." in html
    assert not CaseAttachment.objects.exists()


def test_an_empty_comment_asks_for_one(sam, sw):
    case = open_case(sw.customer, sw.user)
    response = sam.post(f"/support/cases/{case.number}/comment/", {"body": "  "}, follow=True)
    assert "Write your comment." in response.content.decode()
    assert "This field is required." not in response.content.decode()
    assert not case.comments.exists()


def test_no_file_chosen_asks_for_one(sam, sw):
    case = open_case(sw.customer, sw.user)
    # What a browser sends when no file was chosen: the form's other fields, no file.
    response = sam.post(f"/support/cases/{case.number}/attach/", {"file": ""})
    assert response.status_code == 200
    assert "Choose one or more files to attach." in response.content.decode()
    assert not CaseAttachment.objects.exists()


def test_agent_can_attach_several_files_too(agent_client, sw):
    case = open_case(sw.customer, sw.user)
    response = agent_client.post(
        f"/support/staff/cases/{case.number}/attach/",
        {"file": [_pdf("letter.pdf"), _pdf("corrected-837.pdf")]},
        follow=True,
    )
    assert "The 2 files were attached" in response.content.decode()
    assert case.attachments.count() == 2
    assert all(a.author_kind == Actor.AGENT for a in case.attachments.all())


# --- the service: all or nothing, no orphan files --------------------------------------


def test_service_refuses_the_lot_when_one_file_is_refused_and_removes_stored_ones(sw, spy_store):
    case = open_case(sw.customer, sw.user)
    files = [
        _pdf("first.pdf"),
        _pdf("second.pdf"),
        SimpleUploadedFile("third.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 20),
    ]
    with pytest.raises(UploadRejected) as refused:
        case_services.case_attachments_add(
            case=case, actor=sw.user, actor_kind=Actor.CUSTOMER, files=files
        )
    assert refused.value.messages == [
        "third.pdf: The file's name ends in .pdf but its content is a PNG image. "
        "Rename the file or choose the right one."
    ]
    assert len(spy_store) == 2  # the first two were stored before the third was refused...
    assert all(not default_storage.exists(key) for key in spy_store)  # ...and removed
    assert not CaseAttachment.objects.exists()


def test_service_failure_after_storing_removes_every_file(sw, spy_store, monkeypatch):
    case = open_case(sw.customer, sw.user)
    calls: list[dict[str, Any]] = []
    real_audit = case_services.audit_record

    def audit_fails_on_the_second_file(**kw: Any) -> Any:
        calls.append(kw)
        if len(calls) == 2:
            raise RuntimeError("audit down")
        return real_audit(**kw)

    monkeypatch.setattr(case_services, "audit_record", audit_fails_on_the_second_file)
    with pytest.raises(RuntimeError):
        case_services.case_attachments_add(
            case=case,
            actor=sw.user,
            actor_kind=Actor.CUSTOMER,
            files=[_pdf("a.pdf"), _pdf("b.pdf")],
        )
    assert len(spy_store) == 2 and all(not default_storage.exists(k) for k in spy_store)
    assert not CaseAttachment.objects.exists()
    assert not AuditEvent.objects.filter(action="portico.support.attachment_added").exists()


def test_service_refuses_files_on_a_closed_case_for_the_customer(sw, spy_store):
    case = open_case(sw.customer, sw.user)
    seen_open = open_case(sw.customer, sw.user)
    for c in (case, seen_open):
        case_status_change(case=c, actor=sw.agent, status=CaseStatus.CLOSED)
    case.refresh_from_db()
    with pytest.raises(case_services.SupportError, match="closed"):
        case_services.case_attachments_add(
            case=case, actor=sw.user, actor_kind=Actor.CUSTOMER, files=[_pdf("a.pdf")]
        )
    assert not spy_store
    # Closed by an agent after the customer's page loaded (a stale object): the files are
    # stored before the locked check refuses them, then removed.
    assert seen_open.status == CaseStatus.NEW
    with pytest.raises(case_services.SupportError, match="closed"):
        case_services.case_attachments_add(
            case=seen_open,
            actor=sw.user,
            actor_kind=Actor.CUSTOMER,
            files=[_pdf("a.pdf"), _pdf("b.pdf")],
        )
    assert len(spy_store) == 2 and all(not default_storage.exists(k) for k in spy_store)
    assert not CaseAttachment.objects.exists()

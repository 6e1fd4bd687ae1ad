"""Upload validation by content, private storage under generated keys, safe downloads."""

from __future__ import annotations

import io

import pytest
from django import forms
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from hypothesis import given
from hypothesis import strategies as st

from portico.core.uploads import (
    JPEG,
    PDF,
    PNG,
    TEXT,
    TIFF,
    X12,
    UploadField,
    UploadRejected,
    check_upload,
    file_download_response,
    sanitize_filename,
    sniff_kind,
    store_upload,
)

ISA = (
    b"ISA*00*          *00*          *ZZ*SUBMITTER      *ZZ*RECEIVER       "
    b"*260110*1200*^*00501*000000001*0*P*:~GS*HC*SUB*REC*20260110*1200*1*X*005010X222A1~"
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"%PDF-1.7\n...", PDF),
        (b"II*\x00\x08\x00\x00\x00", TIFF),
        (b"MM\x00*\x00\x00\x00\x08", TIFF),
        (b"\x89PNG\r\n\x1a\n\x00\x00", PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        (ISA, X12),
        (b"\xef\xbb\xbf" + ISA, X12),
        (b"Claim 123 was denied; see the attached remittance.\r\n", TEXT),
        ("Résumé of the call – café".encode(), TEXT),
        ("Résumé".encode("cp1252"), TEXT),
    ],
)
def test_sniff_allowed_kinds(content, kind):
    assert sniff_kind(content) is kind


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html></html>",
        b"  <html><body>hi</body></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
        b"<?xml version='1.0'?><svg/>",
        b"hello <script>alert(1)</script>",
        b"#!/bin/sh\nrm -rf /\n",
        b"MZ\x90\x00\x03\x00\x00\x00",  # Windows executable
        b"\x7fELF\x02\x01\x01",  # Linux executable
        b"PK\x03\x04\x14\x00",  # zip / docx
        b"GIF89a\x01\x00",  # images outside the allow-list
        b"text with a NUL\x00 byte",
        b"click javascript:alert(1)",
    ],
)
def test_sniff_refuses_active_and_unknown_content(content):
    assert sniff_kind(content) is None


def test_isa_lookalike_is_not_x12():
    assert sniff_kind(b"ISA is a savings account, not an interchange." * 3) is TEXT


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\me\\claim 1.pdf", "claim 1.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("<script>.txt", "script.txt"),
        ("...", "file"),
        ("", "file"),
        (".pdf", "file.pdf"),
        ("x" * 300 + ".pdf", "x" * 96 + ".pdf"),
        ("ｆｕｌｌ.pdf", "full.pdf"),
    ],
)
def test_sanitize_filename(name, expected):
    assert sanitize_filename(name) == expected


@given(st.text(max_size=300))
def test_sanitized_names_never_escape_or_hide(name):
    safe = sanitize_filename(name)
    assert safe and len(safe) <= 100
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    assert not safe.startswith((".", " ")) and safe == safe.strip()


def test_check_upload_rules(settings):
    assert check_upload(upload("claim.PDF", b"%PDF-1.4 x")).kind is PDF
    assert check_upload(upload("batch.837", ISA)).kind is X12
    assert check_upload(upload("batch.txt", ISA)).kind is X12
    assert check_upload(upload("note.edi", b"plain words")).kind is TEXT
    with pytest.raises(UploadRejected, match="empty"):
        check_upload(upload("a.pdf", b""))
    with pytest.raises(UploadRejected, match="can't be attached"):
        check_upload(upload("a.html", b"plain"))
    with pytest.raises(UploadRejected, match="can't be attached"):
        check_upload(upload("noextension", b"%PDF-1.4"))
    with pytest.raises(UploadRejected, match="content is a PDF"):
        check_upload(upload("photo.png", b"%PDF-1.4"))
    with pytest.raises(UploadRejected, match="not an allowed type"):
        check_upload(upload("page.txt", b"<html></html>"))
    settings.PORTICO_UPLOAD_MAX_BYTES = 10
    with pytest.raises(UploadRejected, match="too large") as exc:
        check_upload(upload("a.pdf", b"%PDF-1.4 more than ten bytes"))
    assert exc.value.code == "too_large"


def test_upload_field_in_a_form(settings):
    class Form(forms.Form):
        file = UploadField(label="Upload Files")

    good = Form(files={"file": upload("a.pdf", b"%PDF-1.4 x")})
    assert good.is_valid()
    bad = Form(files={"file": upload("a.svg", b"<svg/>")})
    assert not bad.is_valid() and "can't be attached" in bad.errors["file"][0]
    html = str(Form()["file"])
    assert 'accept="' in html and ".pdf" in html


def test_store_upload_uses_a_generated_private_key(db):
    stored = store_upload(
        file=upload("../../secret/claim.pdf", b"%PDF-1.4 body"), prefix="Test/../x"
    )
    assert stored.key.startswith("testx/") and stored.key.endswith(".pdf")
    assert "claim" not in stored.key and ".." not in stored.key
    assert stored.file_name == "claim.pdf" and stored.content_type == "application/pdf"
    assert len(stored.sha256) == 64 and stored.size == 13
    with default_storage.open(stored.key) as fh:
        assert fh.read() == b"%PDF-1.4 body"
    default_storage.delete(stored.key)


def test_store_upload_refuses_before_writing(db):
    with pytest.raises(UploadRejected):
        store_upload(file=upload("x.txt", b"<script></script>"), prefix="t")


def test_download_response_headers(db):
    stored = store_upload(file=upload("r.pdf", b"%PDF-1.4 body"), prefix="t")
    response = file_download_response(
        key=stored.key, filename='evil"\r\nX: y.pdf', content_type="text/html"
    )
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "\r" not in response["Content-Disposition"] and "\n" not in response["Content-Disposition"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"  # not an allowed type
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 body"
    ok = file_download_response(key=stored.key, filename="r.pdf", content_type="application/pdf")
    assert ok["Content-Type"] == "application/pdf"
    ok.close()
    default_storage.delete(stored.key)
    with pytest.raises(Http404):
        file_download_response(key=stored.key, filename="r.pdf", content_type="application/pdf")


def test_file_like_objects_without_chunks(db):
    class Plain(io.BytesIO):
        name = "n.txt"
        size = 5

    stored = store_upload(file=Plain(b"hello"), prefix="t")
    assert stored.content_type == "text/plain"
    default_storage.delete(stored.key)


def test_a_failing_service_removes_the_files_it_and_its_inner_services_stored():
    from portico.core.uploads import removes_uploads_on_failure

    def pdf(name: str) -> SimpleUploadedFile:
        return SimpleUploadedFile(name, b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")

    @removes_uploads_on_failure
    def inner() -> str:
        return store_upload(file=pdf("inner.pdf"), prefix="t").key

    kept: list[str] = []

    @removes_uploads_on_failure
    def outer(fail: bool) -> None:
        kept.append(inner())
        kept.append(store_upload(file=pdf("outer.pdf"), prefix="t").key)
        if fail:
            raise RuntimeError("rolled back")

    outer(fail=False)
    assert all(default_storage.exists(key) for key in kept)
    for key in kept:
        default_storage.delete(key)
    kept.clear()
    with pytest.raises(RuntimeError):
        outer(fail=True)
    assert len(kept) == 2 and not any(default_storage.exists(key) for key in kept)

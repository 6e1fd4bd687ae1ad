"""Hostile uploads (issue #9): every kind is rejected or neutralised."""

from __future__ import annotations

import gzip
import io
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from portico.core.uploads import (
    PDF,
    UploadRejected,
    check_upload,
    file_download_response,
    sanitize_filename,
    store_upload,
)


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def _zip(payload: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.txt", payload)
    return buf.getvalue()


def _pdf(body: bytes) -> bytes:
    return b"%PDF-1.7\n" + body + b"\ntrailer<<>>\n%%EOF\n"


def _flate_stream(data: bytes) -> bytes:
    packed = zlib.compress(data, 9)
    return (
        b"5 0 obj<</Length %d/Filter/FlateDecode>>stream\n" % len(packed)
        + packed
        + b"\nendstream endobj"
    )


def test_oversized_files_are_refused(settings):
    settings.PORTICO_UPLOAD_MAX_BYTES = 1024
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload("big.pdf", b"%PDF-1.4 " + b"x" * 2000))
    assert exc.value.code == "too_large"


@pytest.mark.parametrize("name", ["claims.zip", "claims.txt", "claims.pdf", "claims.edi"])
def test_zip_bombs_and_archives_are_refused_whatever_their_name(name):
    bomb = _zip(b"0" * 20_000_000)  # 20 MB of zeros in ~20 KB
    assert len(bomb) < 100_000
    with pytest.raises(UploadRejected):
        check_upload(upload(name, bomb))


def test_gzip_is_refused_as_an_archive():
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload("notes.txt", gzip.compress(b"hello" * 1000)))
    assert exc.value.code == "archive"


def test_pdf_compression_bomb_is_refused(monkeypatch):
    from portico.core import uploads

    monkeypatch.setattr(uploads, "PDF_INFLATE_LIMIT", 1_000_000)
    data = _pdf(b"1 0 obj<<>>endobj\n" + _flate_stream(b"\x00" * 5_000_000))
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload("scan.pdf", data))
    assert exc.value.code == "bomb"


@pytest.mark.parametrize(
    "body",
    [
        b"1 0 obj<</Type/Catalog/OpenAction<</S/JavaScript/JS(app.alert(1))>>>>endobj",
        b"1 0 obj<</S/J#61vaScript/J#53 (alert(1))>>endobj",  # names hidden by #xx escapes
        b"1 0 obj<</S/Launch/F(cmd.exe)>>endobj",
        b"1 0 obj<</Names<</EmbeddedFiles 2 0 R>>>>endobj",
        b"1 0 obj<</AcroForm<</XFA 3 0 R>>>>endobj",
        _flate_stream(b"<</Type/ObjStm>> 2 0 obj<</S/JavaScript/JS(alert(1))>>endobj"),
    ],
)
def test_pdf_with_javascript_or_embedded_files_is_refused(body):
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload("letter.pdf", _pdf(body)))
    assert exc.value.code == "pdf_active"


def test_an_ordinary_pdf_is_accepted():
    body = b"1 0 obj<</Type/Catalog/OpenAction[3 0 R/Fit]>>endobj\n" + _flate_stream(
        b"BT /F1 12 Tf 72 712 Td (Claim 123 JS notes) Tj ET"
    )
    assert check_upload(upload("letter.pdf", _pdf(body))).kind is PDF


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", b"<html><script>alert(1)</script></html>"),
        ("notes.txt", b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>"),
        ("image.svg", b"<svg><script>alert(1)</script></svg>"),
        ("page.html", b"<!doctype html><p>hi</p>"),
        ("notes.txt", b"x" * 20_000 + b"<script>alert(1)</script>"),  # past the sniffed head
        ("notes.txt", b"See javascript:alert(1)"),
        ("scan.png", b"%PDF-1.4 x"),  # content does not match the name
        ("scan.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("setup.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100),  # a Windows program
    ],
)
def test_active_or_mismatched_content_is_refused(name, content):
    with pytest.raises(UploadRejected):
        check_upload(upload(name, content))


def _png_header(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def test_image_decompression_bomb_is_refused():
    with pytest.raises(UploadRejected) as exc:
        check_upload(upload("scan.png", _png_header(60_000, 60_000) + b"\x00" * 64))
    assert exc.value.code == "bomb"
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buf, "PNG")
    assert check_upload(upload("scan.png", buf.getvalue())).size == len(buf.getvalue())


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/etc/cron.d/x.txt", "a\x00.pdf.txt"],
)
@pytest.mark.django_db
def test_path_traversal_names_never_choose_where_the_file_lands(name):
    stored = store_upload(file=upload(name, b"plain words"), prefix="../../x")
    assert stored.key.startswith("x/") and ".." not in stored.key
    assert "/" not in stored.file_name and "\\" not in stored.file_name
    assert stored.file_name == sanitize_filename(name)
    from django.core.files.storage import default_storage

    default_storage.delete(stored.key)


@pytest.mark.django_db
def test_polyglot_that_passes_is_served_inert():
    """A PNG with HTML after its header is allowed as a PNG but can never render as a page."""
    buf = io.BytesIO()
    Image.new("RGB", (2, 2)).save(buf, "PNG")
    stored = store_upload(
        file=upload("x.png", buf.getvalue() + b"<html><script>alert(1)</script>"), prefix="t"
    )
    response = file_download_response(
        key=stored.key, filename="x.png", content_type=stored.content_type
    )
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    response.close()
    from django.core.files.storage import default_storage

    default_storage.delete(stored.key)


@override_settings(
    FILE_UPLOAD_HANDLERS=[
        "portico.core.uploads.SizeLimitUploadHandler",
        "django.core.files.uploadhandler.MemoryFileUploadHandler",
        "django.core.files.uploadhandler.TemporaryFileUploadHandler",
    ],
    PORTICO_UPLOAD_MAX_BYTES=1024,
)
def test_size_limit_handler_stops_an_endless_upload_early(rf):
    big = SimpleUploadedFile("big.pdf", b"%PDF-1.4 " + b"x" * (3 * 1024 * 1024))
    request = rf.post("/", {"file": big})
    assert "file" not in request.FILES

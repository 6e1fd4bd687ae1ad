"""Uploaded files: validation by content, private storage under generated keys, safe download.

DESIGN.md §6: uploads have a size limit and their type is decided by content sniffing against
an allow-list (PDF, TIFF, PNG, JPEG, plain text, X12), never by the browser's Content-Type or
the file name alone. They are stored in the default storage (private, outside every static
root) under a generated key, and served only through permission-checked views with
``file_download_response``, which forces a download and forbids the browser from sniffing.

    class AttachForm(forms.Form):
        file = UploadField(label="Upload Files")

    stored = store_upload(file=form.cleaned_data["file"], prefix="support")
    ...
    return file_download_response(key=row.storage_key, filename=row.file_name,
                                  content_type=row.content_type)
"""

from __future__ import annotations

import functools
import hashlib
import re
import struct
import unicodedata
import uuid
import zlib
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

P = ParamSpec("P")
R = TypeVar("R")

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileKind:
    code: str
    label: str
    content_type: str
    extensions: frozenset[str]


PDF = FileKind("pdf", "PDF", "application/pdf", frozenset({".pdf"}))
TIFF = FileKind("tiff", "TIFF image", "image/tiff", frozenset({".tif", ".tiff"}))
PNG = FileKind("png", "PNG image", "image/png", frozenset({".png"}))
JPEG = FileKind("jpeg", "JPEG image", "image/jpeg", frozenset({".jpg", ".jpeg"}))
TEXT_EXTENSIONS = frozenset({".txt", ".csv", ".log"})
X12_EXTENSIONS = frozenset({".x12", ".edi", ".837", ".835", ".999", ".277", ".dat", ".txt"})
TEXT = FileKind("text", "plain text", "text/plain", TEXT_EXTENSIONS)
X12 = FileKind("x12", "X12 EDI file", "application/edi-x12", X12_EXTENSIONS)
ALL_KINDS = (PDF, TIFF, PNG, JPEG, TEXT, X12)
ALLOWED_EXTENSIONS = frozenset().union(*(kind.extensions for kind in ALL_KINDS))
ALLOWED_DESCRIPTION = "PDF, TIFF, PNG, JPEG, plain text or X12"

# Hostile content (docs/security.md, "Uploads"). Archives are refused outright: nothing in the
# allow-list is one, and their contents cannot be checked without unpacking (zip bombs).
_ARCHIVE_MAGIC = (
    b"PK\x03\x04",  # zip, docx/xlsx, jar
    b"PK\x05\x06",
    b"\x1f\x8b",  # gzip
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"MZ",  # Windows programs
    b"\x7fELF",
)
# PDF features that run code or carry other files. Names may hide letters as #xx escapes.
_PDF_ACTIVE = re.compile(
    rb"/(?:JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA|SubmitForm|ImportData|GoToE)"
    rb"(?![A-Za-z0-9])"
)
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n")
PDF_INFLATE_LIMIT = 64 * 1024 * 1024  # total bytes all compressed streams may expand to
MAX_IMAGE_PIXELS = 100_000_000  # 10,000 × 10,000: larger is a decompression bomb
SCAN_CHUNK = 1024 * 1024

# Markers of content a browser would execute or render as active content. Plain text must not
# contain them near the start: an "attachment.txt" holding HTML is refused, not stored.
_ACTIVE_MARKERS = (
    b"<html",
    b"<!doctype",
    b"<script",
    b"<svg",
    b"<?xml",
    b"<body",
    b"<head",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta",
    b"<a ",
    b"<img",
    b"<style",
    b"<form",
    b"javascript:",
    b"<%",
    b"<?php",
)
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._ ()\-]+")


class UploadRejected(ValidationError):
    """A file that is not stored: wrong type, too large, empty or unreadable."""

    @classmethod
    def naming(cls, file: Any, exc: ValidationError) -> UploadRejected:
        """The same refusal, naming the file, for a person who chose several."""
        name = sanitize_filename(getattr(file, "name", "") or "")
        return cls(f"{name}: {' '.join(exc.messages)}", code=getattr(exc, "code", None))


@dataclass(frozen=True)
class CheckedUpload:
    """What validation learnt about a file: its kind by content and a safe name."""

    kind: FileKind
    file_name: str
    size: int


@dataclass(frozen=True)
class StoredUpload:
    key: str
    file_name: str
    content_type: str
    size: int
    sha256: str


def max_upload_bytes() -> int:
    return int(settings.PORTICO_UPLOAD_MAX_BYTES)


def sanitize_filename(name: str, *, max_length: int = 100) -> str:
    """A display/download name with no directories, control or shell-special characters.

    ``../../etc/passwd`` → ``passwd``; ``C:\\temp\\a b.pdf`` → ``a b.pdf``; an empty result
    becomes ``file``. The extension is kept when the name is shortened.
    """
    text = unicodedata.normalize("NFKC", str(name or ""))
    text = text.replace("\\", "/").split("/")[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE_NAME_CHARS.sub("_", text)
    text = re.sub(r"_+", "_", text).strip()
    stem, dot, ext = text.rpartition(".")
    if not dot:
        stem, ext = text, ""
    stem, ext = stem.strip(" ._"), ext.strip(" ._")[:10]
    if not stem and not ext:
        return "file"
    room = max_length - (len(ext) + 1 if ext else 0)
    stem = stem[:room].rstrip(" ._") or "file"
    return f"{stem}.{ext}" if ext else stem


def _extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot else ""


def _looks_like_x12(head: bytes) -> bool:
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    # ISA is a fixed-length segment: "ISA" then the element separator at position 3, which
    # repeats at the 16 element boundaries; checking the first few is a reliable signature.
    if len(text) < 106 or not text.startswith(b"ISA"):
        return False
    sep = text[3:4]
    if sep.isalnum() or sep in (b" ", b"\r", b"\n"):
        return False
    positions = [3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103]
    return all(text[p : p + 1] == sep for p in positions)


def _is_plain_text(head: bytes) -> bool:
    if b"\x00" in head or _CONTROL_BYTES.search(head):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sniffed window is still text.
        if exc.start < len(head) - 4:
            try:
                head.decode("cp1252")
            except UnicodeDecodeError:
                return False
    lowered = head.lower()
    if lowered.lstrip().startswith(b"#!"):
        return False
    return not any(marker in lowered for marker in _ACTIVE_MARKERS)


def sniff_kind(head: bytes) -> FileKind | None:
    """The allowed kind the first bytes of a file show, or None when it is not allowed."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if _looks_like_x12(head):
        return X12 if _is_plain_text(head) else None
    if _is_plain_text(head):
        return TEXT
    return None


def _pdf_unescape(data: bytes) -> bytes:
    return _PDF_NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)


def _pdf_has_active_content(data: bytes) -> bool:
    """Scripts, launch actions or embedded files, also inside compressed (Flate) streams.

    Raises ``UploadRejected`` when the compressed streams would expand past
    ``PDF_INFLATE_LIMIT`` (a decompression bomb).
    """
    if _PDF_ACTIVE.search(_pdf_unescape(data)):
        return True
    budget = PDF_INFLATE_LIMIT
    for match in _PDF_STREAM.finditer(data):
        start = match.end()
        end = data.find(b"endstream", start)
        raw = data[start : end if end != -1 else len(data)]
        inflater = zlib.decompressobj()
        try:
            out = inflater.decompress(raw, budget + 1)
        except zlib.error:
            continue  # not Flate-compressed (or damaged): nothing hidden we could read
        if len(out) > budget or inflater.unconsumed_tail:
            raise UploadRejected(
                "The PDF expands to far more data than its size (a compression bomb) "
                "and can't be attached.",
                code="bomb",
            )
        budget -= len(out)
        if _PDF_ACTIVE.search(_pdf_unescape(out)):
            return True
    return False


def _image_pixels(kind: FileKind, file: Any) -> int | None:
    """Width × height from the image header, or None when it can't be read."""
    head = _read_head(file)
    if kind is PNG and len(head) >= 24 and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return int(width) * int(height)
    try:
        from PIL import Image

        file.seek(0)
        with Image.open(file) as image:  # reads the header only
            width, height = image.size
        return int(width) * int(height)
    except Exception:  # noqa: BLE001 - unreadable headers are served as downloads only
        return None
    finally:
        file.seek(0)


def _iter_chunks(file: Any) -> Any:
    file.seek(0)
    while chunk := file.read(SCAN_CHUNK):
        yield bytes(chunk)
    file.seek(0)


def _check_content(kind: FileKind, file: Any) -> None:
    """The whole file, not just its first bytes: active content and decompression bombs."""
    if kind is PDF:
        data = b"".join(_iter_chunks(file))
        if _pdf_has_active_content(data):
            raise UploadRejected(
                "The PDF contains scripts, actions or embedded files, which can't be "
                'attached. Print it to a new PDF ("Save as PDF") and attach that.',
                code="pdf_active",
            )
    elif kind in (PNG, JPEG, TIFF):
        pixels = _image_pixels(kind, file)
        if pixels is not None and pixels > MAX_IMAGE_PIXELS:
            raise UploadRejected(
                "The image's dimensions are too large to open safely. Attach a smaller scan.",
                code="bomb",
            )
    elif kind in (TEXT, X12):
        tail = b""
        for chunk in _iter_chunks(file):
            window = (tail + chunk).lower()
            if any(marker in window for marker in _ACTIVE_MARKERS):
                raise UploadRejected(
                    "The file contains web-page or script content, which can't be attached.",
                    code="type_not_allowed",
                )
            tail = window[-16:]


def _read_head(file: Any) -> bytes:
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return bytes(head)


def check_upload(file: Any) -> CheckedUpload:
    """Validate an uploaded file; raise ``UploadRejected`` with a message a person can act on."""
    size = getattr(file, "size", None)
    if size is None:
        raise UploadRejected("The file could not be read. Choose it again.", code="unreadable")
    if size == 0:
        raise UploadRejected("The file is empty. Choose a file that has content.", code="empty")
    limit = max_upload_bytes()
    if size > limit:
        raise UploadRejected(
            f"The file is too large ({filesizeformat(size)}). "
            f"Files can be at most {filesizeformat(limit)}.",
            code="too_large",
        )
    name = sanitize_filename(getattr(file, "name", "") or "")
    ext = _extension(name)
    if ext not in ALLOWED_EXTENSIONS:
        raise UploadRejected(
            f"Files of this type can't be attached. Attach a {ALLOWED_DESCRIPTION} file.",
            code="type_not_allowed",
        )
    head = _read_head(file)
    if head.startswith(_ARCHIVE_MAGIC):
        raise UploadRejected(
            "Compressed archives and programs can't be attached (zip, gzip and the like). "
            f"Attach each document as a {ALLOWED_DESCRIPTION} file.",
            code="archive",
        )
    kind = sniff_kind(head)
    if kind is None:
        raise UploadRejected(
            "The file's content is not an allowed type (web pages, images other than "
            f"TIFF/PNG/JPEG, and programs are refused). Attach a {ALLOWED_DESCRIPTION} file.",
            code="type_not_allowed",
        )
    if ext not in kind.extensions:
        if kind is TEXT and ext in X12_EXTENSIONS:
            kind = TEXT  # a plain-text note named .edi/.dat is still just text
        else:
            raise UploadRejected(
                f"The file's name ends in {ext} but its content is a {kind.label}. "
                "Rename the file or choose the right one.",
                code="type_mismatch",
            )
    _check_content(kind, file)
    return CheckedUpload(kind=kind, file_name=name, size=int(size))


def validate_upload(file: Any) -> None:
    """Django validator form of ``check_upload``."""
    check_upload(file)


class UploadField(forms.FileField):
    """A file field that accepts only what ``check_upload`` allows."""

    default_validators = [validate_upload]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            f"{ALLOWED_DESCRIPTION}; at most {filesizeformat(max_upload_bytes())}.",
        )
        super().__init__(**kwargs)

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.setdefault("accept", ",".join(sorted(ALLOWED_EXTENSIONS)))
        return attrs


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleUploadField(UploadField):
    """One or more files chosen at once (Django's "Uploading multiple files" pattern).

    Each file gets the checks of a single upload (``portico.core.uploads.check_upload``:
    type by content, size, hostile content); every refused file is named in the field's
    errors, and the form is invalid if any one is refused. Cleans to a list of files.
    """

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault(
            "help_text",
            f"Choose one or more files. {ALLOWED_DESCRIPTION}; each at most "
            f"{filesizeformat(max_upload_bytes())}.",
        )
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        items = list(data) if isinstance(data, list | tuple) else ([data] if data else [])
        if not items:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned: list[Any] = []
        errors: list[ValidationError] = []
        for item in items:
            try:
                cleaned.append(super().clean(item, initial))
            except ValidationError as exc:
                errors.append(UploadRejected.naming(item, exc))
        if errors:
            raise ValidationError(errors)
        return cleaned


def store_upload(*, file: Any, prefix: str) -> StoredUpload:
    """Validate and save ``file`` in the default (private) storage under a generated key.

    The key holds no part of the uploaded name, so a name can never choose where the file
    lands; the sanitised name is returned for display and the download's file name.
    """
    checked = check_upload(file)
    safe_prefix = re.sub(r"[^a-z0-9_-]", "", prefix.lower()) or "uploads"
    now = timezone.now()
    key = f"{safe_prefix}/{now:%Y/%m}/{uuid.uuid4().hex}{_extension(checked.file_name)}"
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(65536), b""):
        digest.update(chunk)
    file.seek(0)
    saved = default_storage.save(key, File(file, name=key))
    tracked = _STORED_IN_SERVICE.get()
    if tracked is not None:
        tracked.append(saved)
    return StoredUpload(
        key=saved,
        file_name=checked.file_name,
        content_type=checked.kind.content_type,
        size=checked.size,
        sha256=digest.hexdigest(),
    )


def delete_stored(key: str) -> None:
    """Remove a stored file (used when the transaction that recorded it rolls back)."""
    if key and default_storage.exists(key):
        default_storage.delete(key)


# Keys stored while a ``removes_uploads_on_failure`` service runs (None outside one).
_STORED_IN_SERVICE: ContextVar[list[str] | None] = ContextVar("stored_in_service", default=None)


def removes_uploads_on_failure(service: Callable[P, R]) -> Callable[P, R]:
    """Decorate a service that stores files inside its transaction (put it above
    ``@transaction.atomic``): if the service raises, its transaction has rolled back, so the
    files ``store_upload`` saved meanwhile are deleted instead of being left without a row.
    A nested service's files are the outer one's to delete once it has returned. Django has
    no hook on rollback, hence this small wrapper."""

    @functools.wraps(service)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        outer = _STORED_IN_SERVICE.get()
        stored: list[str] = []
        token = _STORED_IN_SERVICE.set(stored)
        try:
            result = service(*args, **kwargs)
        except BaseException:
            for key in stored:
                delete_stored(key)
            raise
        finally:
            _STORED_IN_SERVICE.reset(token)
        if outer is not None:
            outer.extend(stored)
        return result

    return wrapper


def file_download_response(*, key: str, filename: str, content_type: str) -> FileResponse:
    """Serve a stored file as a download. Call only after the view checked permission."""
    try:
        handle = default_storage.open(key, "rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404("The file is no longer available.") from exc
    allowed_types = {kind.content_type for kind in ALL_KINDS}
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=sanitize_filename(filename),
        content_type=content_type if content_type in allowed_types else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


class SizeLimitUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as it passes ``PORTICO_UPLOAD_MAX_BYTES`` (+1 MiB for
    the rest of the form), so an endless upload never fills the disk. Install it first in
    ``FILE_UPLOAD_HANDLERS``; the form then sees no file and asks for one."""

    def handle_raw_input(
        self,
        input_data: Any,
        META: Any,
        content_length: int,
        boundary: Any,
        encoding: Any = None,
    ) -> None:
        self.limit = max_upload_bytes() + 1024 * 1024
        # A declared length over the limit stops at the first chunk of the first file.
        self.received = content_length if content_length > self.limit else 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:  # Django closes the files and stops reading
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None

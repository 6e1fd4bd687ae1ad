"""PDF rendering helpers on ReportLab, shared by every module that produces a PDF.

A small API: build a list of flowables with the helpers, then hand it to ``render_pdf``,
which lays it out on Letter pages with a running header and footer and returns the bytes::

    from portico.core import pdf

    content = [
        pdf.heading("Claims Online Portal access form"),
        pdf.paragraph("Reference AR-7K2M-QX9P"),
        pdf.key_value_table([("Practice", "Lakeside Family Medicine"), ("TIN", "12-3456789")]),
        pdf.table(["Name", "NPI"], [["Robin Hartwell", "1234567893"]]),
        pdf.signature_lines(["Authorizing Officer"]),
    ]
    data = pdf.render_pdf(title="Access form", header="Portico", footer="", content=content)

Text passed to the helpers is plain text (escaped here), never ReportLab markup, so values
typed by users cannot change the layout. The text is set in DejaVu Sans (shipped in
``core/data/fonts``, embedded as a subset in each PDF), so names and addresses print as typed
in the Latin, Greek and Cyrillic scripts, Vietnamese included ("Nguyễn", "Łukasz", "Dvořák").
A character the font has no glyph for (Chinese, say) prints as "?" rather than as an empty
box, so a reader sees that something could not be printed.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = [
    "Flowable",
    "checkbox_list",
    "heading",
    "key_value_table",
    "paragraph",
    "render_pdf",
    "signature_lines",
    "spacer",
    "table",
]

FONT = "PorticoSans"
FONT_BOLD = "PorticoSans-Bold"
_FONT_DIR = Path(__file__).resolve().parent / "data" / "fonts"


def _register_fonts() -> frozenset[int]:
    """Register DejaVu Sans and its bold as one family (``<b>`` in a paragraph picks the
    bold); return the code points both have a glyph for."""
    faces = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
    glyphs: frozenset[int] | None = None
    for name, filename in faces.items():
        font = TTFont(name, str(_FONT_DIR / filename))
        pdfmetrics.registerFont(font)
        mapped = frozenset(font.face.charToGlyph)
        glyphs = mapped if glyphs is None else glyphs & mapped
    for bold in (0, 1):
        for italic in (0, 1):
            addMapping(FONT, bold, italic, FONT_BOLD if bold else FONT)
    assert glyphs is not None
    return glyphs


_GLYPHS = _register_fonts()

MARGIN = 0.75 * inch
_styles = getSampleStyleSheet()
BODY = ParagraphStyle(
    "PorticoBody", parent=_styles["BodyText"], fontName=FONT, fontSize=9.5, leading=12
)
SMALL = ParagraphStyle("PorticoSmall", parent=BODY, fontSize=8, leading=10)
CELL = ParagraphStyle("PorticoCell", parent=BODY, fontSize=8.5, leading=10.5, alignment=TA_LEFT)
CELL_BOLD = ParagraphStyle("PorticoCellBold", parent=CELL, fontName=FONT_BOLD)
HEADINGS = {
    level: ParagraphStyle(
        f"PorticoH{level}", parent=_styles[f"Heading{level}"], fontName=FONT_BOLD, **sizes
    )
    for level, sizes in (
        (1, {"fontSize": 15, "spaceAfter": 6}),
        (2, {"fontSize": 12, "spaceBefore": 8}),
        (3, {"fontSize": 10.5, "spaceBefore": 6}),
    )
}
_GRID = colors.HexColor("#71767a")
_SHADE = colors.HexColor("#f0f0f0")


class _Unprintable(dict[int, int | str]):
    """A ``str.translate`` table, filled as characters are met: a character the font has a
    glyph for (or a control character, which the layout handles) maps to itself, any other
    to "?"."""

    def __missing__(self, code: int) -> int | str:
        value: int | str = code if code < 32 or code in _GLYPHS else "?"
        self[code] = value
        return value


_UNPRINTABLE = _Unprintable()


def _printable(text: str) -> str:
    """``text`` as the font can print it: "?" for each character it has no glyph for."""
    return (text or "").translate(_UNPRINTABLE)


def _text(value: object) -> str:
    """Plain text → safe Paragraph markup, printable in the standard fonts."""
    text = _printable("" if value is None else str(value))
    return escape(text).replace("\n", "<br/>")


def heading(text: str, level: int = 1) -> Flowable:
    return Paragraph(_text(text), HEADINGS.get(level, HEADINGS[3]))


def paragraph(text: str, *, small: bool = False, bold: bool = False) -> Flowable:
    body = _text(text)
    if bold:
        body = f"<b>{body}</b>"
    return Paragraph(body, SMALL if small else BODY)


def spacer(height_points: float = 8) -> Flowable:
    return Spacer(1, height_points)


def key_value_table(
    rows: Sequence[tuple[str, object]], *, label_width: float = 2.1 * inch
) -> Flowable:
    """Two columns, label and value, one row per pair; empty values print as "—"."""
    data = [
        [Paragraph(_text(label), CELL_BOLD), Paragraph(_text(value) or "—", CELL)]
        for label, value in rows
    ]
    width = LETTER[0] - 2 * MARGIN
    result = Table(data, colWidths=[label_width, width - label_width], hAlign="LEFT")
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
                ("BACKGROUND", (0, 0), (0, -1), _SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    col_widths: Sequence[float] | None = None,
) -> Flowable:
    """A grid with a shaded, repeating header row."""
    data = [[Paragraph(_text(h), CELL_BOLD) for h in header]]
    data += [[Paragraph(_text(cell) or "—", CELL) for cell in row] for row in rows]
    result = Table(data, colWidths=list(col_widths) if col_widths else None, repeatRows=1)
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, _GRID),
                ("BACKGROUND", (0, 0), (-1, 0), _SHADE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return result


def checkbox_list(items: Sequence[tuple[str, bool]]) -> Flowable:
    """Options with a printed box, ``[X]`` when chosen, ``[  ]`` when not."""
    text = "&nbsp;&nbsp;&nbsp; ".join(
        f"[{'X' if checked else '&nbsp;&nbsp;'}] {_text(label)}" for label, checked in items
    )
    return Paragraph(text, BODY)


def signature_lines(signers: Sequence[str], *, note: str = "") -> Flowable:
    """For each signer, a "Signature" line and a "Date" line to sign by hand."""
    rows = []
    for signer in signers:
        rows.append([Paragraph(_text(signer), CELL_BOLD), "", "", ""])
        rows.append(["Signature", "", "Date", ""])
    width = LETTER[0] - 2 * MARGIN
    grid = Table(
        rows,
        colWidths=[0.9 * inch, width - 2.9 * inch, 0.5 * inch, 1.5 * inch],
        # Each signer's name row after the first is taller: its name must not sit against
        # the signature line above it.
        rowHeights=[h for i in range(len(signers)) for h in ((14 if i == 0 else 30), 30)],
        hAlign="LEFT",
    )
    style: list[Any] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
    ]
    for index in range(len(signers)):
        row = index * 2 + 1
        style += [
            ("SPAN", (0, row - 1), (-1, row - 1)),
            ("LINEBELOW", (1, row), (1, row), 0.8, colors.black),
            ("LINEBELOW", (3, row), (3, row), 0.8, colors.black),
        ]
    grid.setStyle(TableStyle(style))
    parts: list[Flowable] = [grid]
    if note:
        parts.insert(0, paragraph(note, small=True))
    return KeepTogether(parts)


def _left_and_right(canvas: Canvas, y: float, left: str, right: str) -> None:
    """One line of the running header or footer: ``left`` and ``right`` at the margins, in
    8 points, or smaller (down to 5.5) when both would otherwise run into each other; what
    still does not fit is cut short with "…"."""
    gap, size = 12.0, 8.0
    room = LETTER[0] - 2 * MARGIN - gap
    width = pdfmetrics.stringWidth(left, FONT, size) + pdfmetrics.stringWidth(right, FONT, size)
    if width > room:
        size = max(5.5, size * room / width)
    limit = room - pdfmetrics.stringWidth(right, FONT, size)
    if pdfmetrics.stringWidth(left, FONT, size) > limit:
        while left and pdfmetrics.stringWidth(left + "…", FONT, size) > limit:
            left = left[:-1]
        left += "…"
    canvas.setFont(FONT, size)
    canvas.drawString(MARGIN, y, left)
    canvas.drawRightString(LETTER[0] - MARGIN, y, right)


def render_pdf(
    *,
    title: str,
    content: Sequence[Flowable],
    header: str = "",
    footer: str = "",
    author: str = "",
    subject: str = "",
) -> bytes:
    """Lay ``content`` out on Letter pages with ``header``/``footer`` and page numbers."""
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN + 0.2 * inch,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        subject=subject,
        creator="Portico",
    )

    def decorate(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFillColor(colors.HexColor("#454545"))
        top = LETTER[1] - MARGIN + 0.05 * inch
        _left_and_right(canvas, top, _printable(header), _printable(title))
        canvas.setStrokeColor(_GRID)
        canvas.line(MARGIN, top - 4, LETTER[0] - MARGIN, top - 4)
        _left_and_right(canvas, MARGIN - 0.35 * inch, _printable(footer), f"Page {doc.page}")
        canvas.restoreState()

    document.build(list(content), onFirstPage=decorate, onLaterPages=decorate)
    return buffer.getvalue()

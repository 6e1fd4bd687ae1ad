"""The shared PDF helpers (portico.core.pdf): real PDFs, user text kept as text."""

from __future__ import annotations

import subprocess

from portico.core import pdf


def test_reportlab_runs_on_its_c_accelerator():
    """Letters and forms are rendered in bulk (a determination letter per decision); without
    rl_accel ReportLab silently falls back to pure-Python text measuring and encoding."""
    from reportlab.lib import rl_accel

    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
    assert type(rl_accel.instanceStringWidthT1).__name__ == "builtin_function_or_method"


def test_user_text_is_printed_as_typed_not_as_markup(tmp_path):
    typed = 'Smith & Sons <b>"Clinic"</b>'
    data = pdf.render_pdf(
        title="Test",
        header="Portico",
        footer="page footer",
        content=[
            pdf.heading("A heading"),
            pdf.paragraph(typed),
            pdf.key_value_table([("Practice", typed), ("Empty", "")]),
            pdf.table(["Line", "Code"], [["1", "99213"]]),
        ],
    )
    assert data.startswith(b"%PDF-")
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert typed in text
    assert "—" in text  # an empty value prints as a dash
    assert "99213" in text and "page footer" in text


def test_dashes_quotes_and_symbols_print_as_themselves(tmp_path):
    """Letters say "Monday–Friday, 8:30 AM – 5:30 PM" and "Portal — letter"; criteria say
    "≥ 2"; none of it may become "?" or a plain stand-in."""
    data = pdf.render_pdf(
        title="Test",
        header="Claims Online Portal — appeal decision letter",
        footer="Hours: Monday–Friday",
        content=[
            pdf.paragraph("Provider Services (Monday–Friday, 8:30 AM – 5:30 PM ET) “quoted” …"),
            pdf.key_value_table([("Range", "units ≥ 2 → approved; −1 day")]),
            pdf.paragraph("Kanji 漢 has no glyph"),
        ],
    )
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Claims Online Portal — appeal decision letter" in text
    assert "Hours: Monday–Friday" in text
    assert "(Monday–Friday, 8:30 AM – 5:30 PM ET) “quoted” …" in text
    assert "units ≥ 2 → approved; −1 day" in text
    # A character the font cannot draw is shown as missing, not as an empty box.
    assert "Kanji ? has no glyph" in text


def test_names_in_other_latin_greek_and_cyrillic_letters_print_as_typed(tmp_path):
    """A member named Nguyễn Thị Hương or Łukasz Dvořák must read so on a determination
    letter or a patient summary, not "Nguy?n Th? H??ng"; also in bold and in the header."""
    names = "Nguyễn Thị Hương · Łukasz Dvořák · Ørsted-Ğül · Σοφία Παπαδοπούλου · Ирина Котова"
    data = pdf.render_pdf(
        title="Patient summary",
        header=f"Member {names}",
        content=[
            pdf.heading(names),
            pdf.paragraph(names, bold=True),
            pdf.key_value_table([("Member", names)], label_width=72),
            pdf.table(["Name"], [[names]]),
            pdf.signature_lines([f"Member: {names}"]),
        ],
    )
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "?" not in text
    text = " ".join(text.split())  # a name wrapped in a narrow cell is still that name
    for name in names.split(" · "):
        assert text.count(name) >= 6, name  # header, heading, bold line, both tables, signer


def test_each_signers_name_stands_clear_of_the_signature_line_above(tmp_path):
    import re

    data = pdf.render_pdf(
        title="Test",
        header="Portico",
        footer="",
        content=[pdf.signature_lines(["Authorizing Officer: Dana Whitfield", "User: Pat Doe"])],
    )
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = re.findall(
        r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]+)', html
    )
    first_signature = next(float(y2) for _, y2, w in words if w == "Signature")
    second_name = next(float(y1) for y1, _, w in words if w == "User:")
    # The line is drawn at the bottom of the first signer's signature row: at least 18 points
    # (a quarter inch) between it and the next signer's name.
    assert second_name - first_signature >= 18


def test_a_long_footer_or_header_does_not_run_into_the_page_number_or_title(tmp_path):
    """A letter's footer (plan name, address, fax) printed over "Page 1" when it was long."""
    import re

    footer = (
        "Portico Utilization Management · Portico Health Services, P.O. Box 5600, "
        "Lakeport, NY 10990-5600 · Fax 1-800-555-0163"
    )
    header = "Harborview Health Plan – prior authorization, spine, pain and joint program"
    title = "Initial Adverse Determination (Partial) – PA264217814"
    data = pdf.render_pdf(
        title=title, header=header, footer=footer, content=[pdf.paragraph("Body")]
    )
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    html = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    words = [
        (float(x1), float(y1), float(x2), w)
        for x1, y1, x2, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)', html
        )
    ]
    page_x = next(x1 for x1, _, _, w in words if w == "Page")
    page_y = next(y1 for _, y1, _, w in words if w == "Page")
    footer_words = [(x1, x2) for x1, y1, x2, _ in words if abs(y1 - page_y) < 3 and x1 < page_x]
    assert max(x2 for _, x2 in footer_words) < page_x  # the footer ends before "Page"
    text = " ".join(w for _, y1, _, w in words if abs(y1 - page_y) < 3)
    assert "Fax 1-800-555-0163 Page 1" in text  # all of it printed, smaller
    title_x = next(x1 for x1, _, _, w in words if w == "Initial")
    title_y = next(y1 for _, y1, _, w in words if w == "Initial")
    header_words = [x2 for x1, y1, x2, _ in words if abs(y1 - title_y) < 3 and x1 < title_x]
    assert max(header_words) < title_x

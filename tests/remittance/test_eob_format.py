"""The EOB, on the page and in the PDF, for the practice and for examiners: dates in the
portal's MM/DD/YYYY and every amount as "$1,234.56" (negative: "-$1,234.56")."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import tempfile
from decimal import Decimal as D

import pytest
from django.urls import reverse

from portico.claims.services.adjudication import LineDecision, claim_readjudicate
from portico.remittance import formatting
from portico.remittance.models import Payment
from portico.remittance.services import payment_run_execute
from tests.factories.remittance import paid_claim

pytestmark = pytest.mark.django_db

ISO_DATE = re.compile(r"\b20\d\d-\d\d-\d\d\b")
BARE_AMOUNT = re.compile(r"(?<![$\d,.])\d[\d,]*\.\d\d\b")  # 57.60 without its "$"


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _pdf_text(data: bytes) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
        handle.write(data)
        handle.flush()
        out = subprocess.run(
            ["pdftotext", "-layout", handle.name, "-"], capture_output=True, check=True, text=True
        ).stdout
    return " ".join(out.split())


def _lines_table(html: str) -> str:
    table = re.search(r"<table[^>]*>\s*<caption>Lines of claim.*?</table>", html, re.S)
    assert table is not None
    return _text(table.group(0))


def _big_payment(world) -> Payment:
    """A $1,250.00 claim (99213 allowed $92.00: copay $20.00, coinsurance $14.40, paid
    $57.60), served on 03/10/2025 and paid on 04/01/2025."""
    paid_claim(
        organization=world.practice_a, tin="111111111", number="C2025007001", charge=D("1250.00")
    )
    return payment_run_execute(payment_date=dt.date(2025, 4, 1)).payments[0]


def test_money_and_dates_are_formatted_one_way():
    assert formatting.money(D("1234.5")) == "$1,234.50"
    assert formatting.money("57.6") == "$57.60"
    assert formatting.money(D("-1250")) == "-$1,250.00"
    assert formatting.money(None) == "" and formatting.money("") == ""
    assert formatting.us_date("2026-08-03") == "08/03/2026"
    assert formatting.us_date(dt.date(2026, 8, 3)) == "08/03/2026"
    assert formatting.us_date("") == ""


def test_practice_eob_page_and_pdf(world, persona_client, codes):
    payment = _big_payment(world)
    client = persona_client("billing_clerk")
    html = client.get(
        reverse("remittance:payment_detail", kwargs={"number": payment.number})
    ).content.decode()
    lines = _lines_table(html)
    assert "03/10/2025" in lines and not ISO_DATE.search(lines)
    for amount in ("$1,250.00", "$92.00", "$34.40", "$57.60", "CO-45 $1,158.00"):
        assert amount in lines, amount
    assert not BARE_AMOUNT.search(lines), BARE_AMOUNT.search(lines)
    text = _text(html)
    assert "04/01/2025" in text and not ISO_DATE.search(text)

    pdf = _pdf_text(
        client.get(reverse("remittance:eob_pdf", kwargs={"number": payment.number})).content
    )
    assert "03/10/2025" in pdf and "04/01/2025" in pdf and not ISO_DATE.search(pdf)
    # (the adjustments cell wraps in the PDF: "CO-45 … $1,158.00; PR-2 $14.40; …")
    for amount in ("$1,250.00", "$92.00", "$34.40", "$57.60", "$1,158.00", "PR-2 $14.40"):
        assert amount in pdf, amount
    assert not BARE_AMOUNT.search(pdf), BARE_AMOUNT.search(pdf)


def test_examiner_payment_page_and_eob_pdf(world, persona_client, codes):
    payment = _big_payment(world)
    client = persona_client("claims_examiner")
    html = client.get(
        reverse("remittance:staff_payment_detail", kwargs={"number": payment.number})
    ).content.decode()
    table = re.search(r"<table.*?</table>", html, re.S)
    assert table is not None
    rows = _text(table.group(0))
    assert "03/10/2025" in rows and not ISO_DATE.search(rows)
    for amount in ("$1,250.00", "$92.00", "$34.40", "$57.60"):
        assert amount in rows, amount
    assert not BARE_AMOUNT.search(rows), BARE_AMOUNT.search(rows)

    pdf = _pdf_text(
        client.get(reverse("remittance:staff_eob_pdf", kwargs={"number": payment.number})).content
    )
    assert "03/10/2025" in pdf and not ISO_DATE.search(pdf)
    assert "$1,250.00" in pdf and "$57.60" in pdf and not BARE_AMOUNT.search(pdf)


def test_a_reversal_prints_its_lines_taken_back_on_the_page_as_in_the_pdf(
    world, persona_client, codes
):
    claim = paid_claim(
        organization=world.practice_a, tin="111111111", number="C2025007002", charge=D("1250.00")
    )
    payment_run_execute(payment_date=dt.date(2025, 4, 1))
    claim_readjudicate(
        claim=claim,
        user=world.users["claims_examiner"],
        decisions=[LineDecision(line_number=1, allowed=D("92"), copay=D("20"))],
    )
    payment = payment_run_execute(payment_date=dt.date(2025, 5, 1)).payments[0]
    client = persona_client("billing_clerk")
    html = client.get(
        reverse("remittance:payment_detail", kwargs={"number": payment.number})
    ).content.decode()
    reversal = re.search(r"\(reversed: amounts are taken back\).*?</table>", html, re.S)
    assert reversal is not None
    assert "-$1,250.00" in _text(reversal.group(0)) and "-$57.60" in _text(reversal.group(0))
    pdf = _pdf_text(
        client.get(reverse("remittance:eob_pdf", kwargs={"number": payment.number})).content
    )
    assert "-$1,250.00" in pdf and "-$57.60" in pdf

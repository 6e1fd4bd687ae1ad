import pytest

from portico.core.text import as_int, counted, wait_text


def test_counted_nouns_agree_with_their_number():
    assert counted(1, "claim") == "1 claim"
    assert counted(0, "claim") == "0 claims"
    assert counted(1200, "case") == "1,200 cases"
    assert counted(2, "entry", "entries") == "2 entries"
    assert counted(1, "entry", "entries") == "1 entry"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("001234567", "00-1234567"), ("12-3456789", "12-3456789"), ("12345", "12345"), ("", "")],
)
def test_tax_ids_are_shown_as_people_write_them(stored, shown):
    from portico.core.text import tin_display

    assert tin_display(stored) == shown


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(1, "1 second"), (30, "30 seconds"), (89, "89 seconds"), (90, "2 minutes"),
     (3541, "60 minutes"), (3600, "60 minutes"), (5400, "2 hours"), (0, "1 second")],
)  # fmt: skip
def test_wait_text_says_how_long_as_people_do(seconds: int, text: str) -> None:
    """Before: "Wait 3541 seconds" when the hour's text-message codes were used up."""
    assert wait_text(seconds) == text


def test_as_int_takes_ascii_digits_only() -> None:
    assert as_int("42") == 42 and as_int(" 7 ") == 7
    for value in ("²", "٣", "-1", "1.5", "", None, "9" * 19):
        assert as_int(value) is None, value

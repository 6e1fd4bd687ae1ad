import pytest

from portico.core.text import counted


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

from portico.core.text import counted


def test_counted_nouns_agree_with_their_number():
    assert counted(1, "claim") == "1 claim"
    assert counted(0, "claim") == "0 claims"
    assert counted(1200, "case") == "1,200 cases"
    assert counted(2, "entry", "entries") == "2 entries"
    assert counted(1, "entry", "entries") == "1 entry"

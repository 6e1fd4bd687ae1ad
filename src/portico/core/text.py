"""Text shown to or typed by people: counted nouns ("1 claim", "3 claims", never "claim(s)")
and comparing people's names."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str = "") -> str:
    """``n`` and the noun in the right number; ``plural`` when adding "s" is wrong."""
    return f"{n:,} {singular if n == 1 else (plural or singular + 's')}"


def names_match(a: str, b: str) -> bool:
    """Compare people's names ignoring case and repeated spaces (an empty name matches none)."""

    def norm(s: str) -> str:
        return " ".join((s or "").split()).casefold()

    return bool(norm(a)) and norm(a) == norm(b)


def tin_display(value: object) -> str:
    """A Tax ID as people write it: 9 stored digits as ``12-3456789`` (the employer form,
    which claims and payments carry without saying whether a TIN is an SSN); anything else
    as it is."""
    text = "" if value is None else str(value)
    return f"{text[:2]}-{text[2:]}" if len(text) == 9 and text.isdigit() else text


def as_int(value: object, *, max_digits: int = 18) -> int | None:
    """A whole number typed in ASCII digits (``"42"``), else ``None``. ``str.isdigit`` alone
    also accepts "²" or "٣", which ``int()`` refuses or reads as another number, and a number
    of 19 digits or more does not fit a database integer."""
    text = str(value if value is not None else "").strip()
    if not text or len(text) > max_digits or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def wait_text(seconds: int) -> str:
    """How long to wait, as people say it: "30 seconds", "2 minutes", "1 hour" (rounded up,
    never "3541 seconds")."""
    seconds = max(1, int(seconds))
    if seconds < 90:
        return counted(seconds, "second")
    minutes = -(-seconds // 60)
    if minutes < 90:
        return counted(minutes, "minute")
    return counted(-(-minutes // 60), "hour")

"""The 837 intake reads ahead in a helper thread: every claim arrives once and in order, a
reading error surfaces in the caller, and a caller that stops leaves no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from portico.claims.services.intake import _read_ahead


@pytest.mark.parametrize("n", [0, 1, 99, 100, 101, 2_345])
def test_every_item_arrives_once_and_in_order(n):
    assert list(_read_ahead(iter(range(n)), chunk=100, depth=2)) == list(range(n))


def test_a_reading_error_is_raised_in_the_caller_after_the_items_before_it():
    def source() -> Iterator[int]:
        yield from range(250)
        raise ValueError("bad segment")

    got: list[int] = []
    with pytest.raises(ValueError, match="bad segment"):
        for item in _read_ahead(source(), chunk=100, depth=2):
            got.append(item)
    assert got == list(range(250))


def test_a_caller_that_stops_early_ends_the_reading_thread():
    endless = iter(int, 1)  # never ends: only the caller's stop can end the reader
    before = threading.active_count()
    items = _read_ahead(endless, chunk=10, depth=2)
    assert next(items) == 0
    items.close()  # what a raised exception in the caller's loop does to the generator
    assert threading.active_count() == before
    assert not [t for t in threading.enumerate() if t.name == "x12-read-ahead"]

"""A 403 is logged as one line, without the PermissionDenied traceback."""

from __future__ import annotations

import logging
import sys

from django.core.exceptions import PermissionDenied

from portico.config.settings import base
from portico.core.logfilters import ForbiddenWithoutTraceback


def _record(status_code: int) -> logging.LogRecord:
    try:
        raise PermissionDenied("Staff only.")
    except PermissionDenied:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, "Forbidden: %s", ("/x/",), exc_info
    )
    record.status_code = status_code
    return record


def test_a_403_keeps_its_line_and_loses_its_traceback() -> None:
    forbidden, error = _record(403), _record(500)
    keep = ForbiddenWithoutTraceback()
    assert keep.filter(forbidden) and keep.filter(error)
    assert forbidden.exc_info is None and forbidden.getMessage() == "Forbidden: /x/"
    assert error.exc_info is not None  # a real fault keeps its traceback


def test_the_deployed_logging_uses_it_on_django_request() -> None:
    assert base.LOGGING["loggers"]["django.request"]["filters"] == ["forbidden"]
    assert base.LOGGING["filters"]["forbidden"]["()"].endswith("ForbiddenWithoutTraceback")

"""Helpers for the X12 toolkit tests: fixture files and pyx12 validation."""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import pyx12.params
import pyx12.x12n_document

from portico.x12.writer import Envelope

FIXTURES = Path(__file__).parent / "fixtures"


def _collect(node: Any, out: list[str]) -> None:
    if isinstance(node, dict):
        for err in node.get("errors", []) or []:
            out.append(json.dumps(err, default=str))
        for key in ("interchanges", "groups", "transactions", "segments", "elements"):
            for child in node.get(key, []) or []:
                _collect(child, out)
    elif isinstance(node, list):
        for child in node:
            _collect(child, out)


class _ListHandler(logging.Handler):
    def __init__(self, records: list[logging.LogRecord]) -> None:
        super().__init__(logging.DEBUG)
        self.records = records

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def pyx12_errors(document: str) -> list[str]:
    """Every error pyx12's validator reports for ``document`` (empty list = valid).

    Reads pyx12's JSON error report (its own error tree), not its generated 999, which the
    pyx12 documentation calls unreliable for 835s.
    """
    logger = logging.getLogger("pyx12")
    records: list[logging.LogRecord] = []
    handler = _ListHandler(records)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        param = pyx12.params.params()
        fd_json = io.StringIO()
        ok = pyx12.x12n_document.x12n_document(
            param, io.StringIO(document), fd_997=None, fd_html=None, fd_json=fd_json
        )
    finally:
        logger.removeHandler(handler)
    errors: list[str] = []
    _collect(json.loads(fd_json.getvalue() or "{}"), errors)
    errors += [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    if not ok and not errors:
        errors.append("pyx12 reported the document invalid without details")
    return errors


def make_envelope(**overrides: Any) -> Envelope:
    values: dict[str, Any] = {
        "sender_id": "PORTICO",
        "receiver_id": "SUBMITTER01",
        "interchange_control_number": 905,
        "group_control_number": 905,
        "created": datetime(2024, 3, 4, 10, 15),
        "usage_indicator": "T",
    }
    values.update(overrides)
    return Envelope(**values)


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()

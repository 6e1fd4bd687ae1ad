"""Fixtures for the X12 toolkit tests (no Django needed)."""

from __future__ import annotations

import pytest
from x12_helpers import make_envelope

from portico.x12.writer import Envelope


@pytest.fixture
def envelope() -> Envelope:
    env: Envelope = make_envelope()
    return env

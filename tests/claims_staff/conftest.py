"""Fixtures for the remittance tests: CARC/RARC code sets loaded, Celery eager."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories.remittance import load_adjustment_codes


@pytest.fixture
def codes(db: Any, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = True
    load_adjustment_codes()

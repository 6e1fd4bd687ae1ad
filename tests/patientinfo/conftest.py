from __future__ import annotations

from typing import Any

import pytest

from tests.factories.patientinfo import PipWorld, pip_world


@pytest.fixture
def pw(world: Any) -> PipWorld:
    return pip_world(world.practice_a, world.practice_b)

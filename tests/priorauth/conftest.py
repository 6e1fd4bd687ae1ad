import pytest

from tests.factories.priorauth import PAWorld, make_pa_world


@pytest.fixture
def pa(world) -> PAWorld:
    return make_pa_world(world)

"""The WSGI and ASGI entry points settle the worker before it serves (config/settle.py)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import gc, sys
before = gc.get_freeze_count()
import {module}
print(before, gc.get_freeze_count(), "portico.claims.views" in sys.modules)
"""


@pytest.mark.parametrize("module", ["portico.config.wsgi", "portico.config.asgi"])
def test_entry_point_loads_the_views_and_freezes_what_it_loaded(module: str) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portico.config.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    before, after, views_loaded = int(out[0]), int(out[1]), out[2] == "True"
    assert before == 0
    # Django, allauth and every view module: far more than the interpreter's own objects.
    assert after > 50_000
    assert views_loaded

"""The production profile refuses to start without its secrets and passes check --deploy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portico.config.settings._keys import dev_rsa_private_key

PORTICO = str(Path(sys.executable).with_name("portico"))


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portico.config.settings.production",
        PORTICO_VAR_DIR=str(tmp_path),
        SECRET_KEY="x" * 20 + "production-secret-key-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="portal.example.org",
        IDP_OIDC_PRIVATE_KEY=dev_rsa_private_key(tmp_path),
        PORTICO_TOTP_ENCRYPTION_KEY="totp-key-for-the-deploy-check",
    )
    env.update(extra)
    return env


def test_production_check_deploy_is_clean(tmp_path):
    result = subprocess.run(
        [PORTICO, "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set"),
        ("ALLOWED_HOSTS", "ALLOWED_HOSTS must name"),
        ("IDP_OIDC_PRIVATE_KEY", "IDP_OIDC_PRIVATE_KEY"),
        ("PORTICO_TOTP_ENCRYPTION_KEY", "PORTICO_TOTP_ENCRYPTION_KEY must be set"),
    ],
)
def test_production_refuses_to_start_without(missing, message, tmp_path):
    env = _env(tmp_path)
    env.pop(missing)
    result = subprocess.run(
        [PORTICO, "check"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert message in result.stderr

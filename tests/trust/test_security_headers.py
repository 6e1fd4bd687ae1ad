"""Security headers and cookie flags (issue #9, DESIGN.md §6).

The test profile is checked in-process; the production profile in a subprocess with the
environment a deployment has (it refuses to start without its secrets).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from django.test import Client

from tests.core.test_profiles import PORTICO, _env

PROBE = r"""
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="portal.example.org")
r = client.get("/healthz", secure=True)
plain = client.get("/healthz", secure=False)
print(json.dumps({
    "headers": dict(r.headers),
    "http_status": plain.status_code,
    "http_location": plain.headers.get("Location", ""),
    "settings": {
        name: getattr(settings, name)
        for name in [
            "DEBUG", "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY",
            "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_NAME",
            "CSRF_COOKIE_NAME", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
            "X_FRAME_OPTIONS",
        ]
    },
}))
"""


@pytest.mark.django_db
def test_pages_carry_the_security_headers(world):
    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    directives = dict(
        ([*part.strip().split(" ", 1), ""])[:2] for part in csp.split(";") if part.strip()
    )
    assert directives["script-src"].split() == ["'self'"]  # no inline script, no eval
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_templates_hold_no_inline_script(world):
    """CSP forbids inline script; the landing page's scripts are all external files."""
    html = Client().get("/").content.decode()
    import re

    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts, "expected the page's external scripts"
    for attrs, body in scripts:
        assert "src=" in attrs and not body.strip(), attrs


def test_production_sends_hsts_and_secure_httponly_samesite_cookies(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    data = json.loads(result.stdout.strip().splitlines()[-1])
    headers, conf = data["headers"], data["settings"]
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert headers["X-Frame-Options"] == "DENY"
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Permissions-Policy" in headers
    assert data["http_status"] == 301 and data["http_location"].startswith("https://")
    assert conf["DEBUG"] is False
    assert conf["SESSION_COOKIE_SECURE"] and conf["CSRF_COOKIE_SECURE"]
    assert conf["SESSION_COOKIE_HTTPONLY"] is True
    assert conf["SESSION_COOKIE_SAMESITE"] in ("Lax", "Strict")
    assert conf["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert conf["CSRF_COOKIE_NAME"].startswith("__Host-")


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = subprocess.run(
        [PORTICO, "check", "--deploy", "--fail-level", "WARNING"],
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr

"""Faults, for real (issue #9): a web process SIGKILLed mid-request, and the database gone.

Each test starts gunicorn (one sync worker) in a subprocess on a SQLite file, as a deployment
runs, drives it over HTTP on 127.0.0.1, and kills it with SIGKILL at a chosen point (see
``faultserver/wsgi.py``). After a restart every item is fully there or absent, never doubled.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.connect.helpers import cop_data

# Generous: the first test also migrates the template database, and CI may share the machine.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SETTINGS = "tests.trust.faultserver.settings"


def _env(db: Path, files: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS", "PORTICO_FAULT"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=SETTINGS,
        PORTICO_FAULT_DB=str(db),
        PORTICO_FAULT_FILES=str(files),
        PYTHONPATH=str(REPO),
    )
    env.update(extra)
    return env


def _query(db: Path, sql: str) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A migrated database with the test people, made once for the module (~30 s)."""
    root = tmp_path_factory.mktemp("faultdb")
    db, files = root / "db.sqlite3", root / "files"
    env = _env(db, files)
    subprocess.run(
        [str(BIN / "portico"), "migrate", "-v0"], env=env, check=True, cwd=REPO, timeout=240
    )
    out = subprocess.run(
        [sys.executable, "-m", "tests.trust.faultserver.setup_world"],
        env=env,
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    _query(db, "PRAGMA wal_checkpoint(TRUNCATE)")
    return db, json.loads(out.stdout.strip().splitlines()[-1])


@dataclass
class Server:
    db: Path
    files: Path
    marker: Path
    port: int = 0
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, **fault_env: str) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.marker.unlink(missing_ok=True)
        env = _env(self.db, self.files, PORTICO_FAULT_MARKER=str(self.marker), **fault_env)
        self.proc = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                "--timeout",
                "90",
                "--chdir",
                str(REPO),
                "tests.trust.faultserver.wsgi:application",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 50
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/healthz", timeout=10).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise AssertionError("the web process did not start")

    def sigkill(self) -> None:
        """SIGKILL the whole server (master and worker): no cleanup code runs."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self.proc = None

    def wait_for_pause(self, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.marker.exists():
                return self.marker.read_text()
            time.sleep(0.05)
        raise AssertionError("the request never reached the pause point")


@pytest.fixture
def server(template_db, tmp_path) -> Iterator[tuple[Server, dict[str, str]]]:
    db = tmp_path / "db.sqlite3"
    shutil.copy(template_db[0], db)
    srv = Server(db=db, files=tmp_path / "files", marker=tmp_path / "paused")
    yield srv, template_db[1]
    srv.sigkill()


def _session(srv: Server, key: str) -> requests.Session:
    http = requests.Session()
    http.cookies.set("portico_session", key, domain="127.0.0.1")
    return http


def _post_form(http: requests.Session, url: str, data: dict, *, timeout: float = 30):
    page = http.get(url, timeout=timeout)
    assert page.status_code == 200, page.text[:500]
    token = http.cookies.get("csrftoken") or re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text
    ).group(1)
    return http.post(
        url,
        data={**data, "csrfmiddlewaretoken": token},
        headers={"Referer": url},
        allow_redirects=False,
        timeout=timeout,
    )


def _post_in_background(http: requests.Session, url: str, data: dict):
    """POST from a thread (the server will die under it); returns the thread's result box."""
    import threading

    page = http.get(url, timeout=30)
    token = http.cookies.get("csrftoken")
    box: dict = {}

    def run() -> None:
        try:
            box["response"] = http.post(
                url, data={**data, "csrfmiddlewaretoken": token}, allow_redirects=False, timeout=60
            )
        except requests.RequestException as exc:
            box["error"] = exc

    assert page.status_code == 200
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _count(db: Path, table: str, where: str = "1=1") -> int:
    return _query(db, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0]


ACCESS_URL = "/connect/signup/claims/"


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_sigkill_during_access_request_submission_never_half_saves_or_doubles(server, point):
    srv, sessions = server
    pause = (
        {"PORTICO_FAULT_PAUSE_ACTION": "portico.access_request.submitted"}
        if point == "before_commit"
        else {"PORTICO_FAULT_PAUSE_AFTER": ACCESS_URL}
    )
    srv.start(**pause)
    data = cop_data(idempotency_key=str(uuid.uuid4()))
    http = _session(srv, sessions["applicant"])
    thread, box = _post_in_background(http, srv.url + ACCESS_URL, data)
    srv.wait_for_pause()
    srv.sigkill()
    thread.join(timeout=20)
    assert "error" in box  # the client never got an answer

    requests_rows = _count(srv.db, "organizations_accessrequest")
    audit_rows = _count(srv.db, "core_auditevent", "action='portico.access_request.submitted'")
    if point == "before_commit":
        assert (requests_rows, audit_rows) == (0, 0)  # absent, nothing half-saved
    else:
        assert (requests_rows, audit_rows) == (1, 1)  # fully there

    # After a restart, the browser's retry (same form, same key) leaves exactly one request.
    srv.start()
    response = _post_form(_session(srv, sessions["applicant"]), srv.url + ACCESS_URL, data)
    assert response.status_code == 302, response.text[:2000]
    assert _count(srv.db, "organizations_accessrequest") == 1
    assert _count(srv.db, "core_auditevent", "action='portico.access_request.submitted'") == 1
    check = subprocess.run(
        [str(BIN / "portico"), "audit", "verify"],
        env=_env(srv.db, srv.files),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stderr


SUPPORT_URL = "/support/cases/new/"
CASE_POST = {
    "case_type": "claim",
    "payer_id": "NYSPARCS",
    "patient_name": "Pat Doe",
    "member_id": "AB12345",
    "service_date": "2026-01-05",
    "billed_amount": "1,250.00",
    "date_submitted": "2026-01-10",
    "patient_account_number": "PAT-0001",
    "subject": "Claim rejected",
    "description": "The claim was rejected with A7.",
}


def test_sigkill_during_support_case_creation_leaves_no_partial_case(server):
    srv, sessions = server
    srv.start(PORTICO_FAULT_PAUSE_ACTION="portico.support.case_created")
    http = _session(srv, sessions["customer"])
    thread, box = _post_in_background(http, srv.url + SUPPORT_URL, CASE_POST)
    srv.wait_for_pause()
    srv.sigkill()
    thread.join(timeout=20)
    assert "error" in box
    # Absent: no case, no case event, no audit row, and the case number was not used up.
    assert _count(srv.db, "support_case") == 0
    assert _count(srv.db, "core_auditevent", "action LIKE 'portico.support.%'") == 0

    srv.start()
    response = _post_form(_session(srv, sessions["customer"]), srv.url + SUPPORT_URL, CASE_POST)
    assert response.status_code == 302, response.text[:2000]
    numbers = [row[0] for row in _query(srv.db, "SELECT number FROM support_case")]
    assert len(numbers) == 1 and numbers[0].endswith("000001")


PRIORAUTH_URL = "/priorauth/requests/new/"


@pytest.mark.parametrize("point", ["before_commit", "after_commit"])
def test_sigkill_during_prior_auth_submission_never_half_saves_or_doubles(server, point):
    """The office submits a prior-authorization request; the web process dies inside the
    submission's transaction or after it committed. After a restart the office's retry (the
    same form, with its key) leaves exactly one request with its lines and audit event."""
    srv, world = server
    pause = (
        {"PORTICO_FAULT_PAUSE_ACTION": "portico.priorauth.submitted"}
        if point == "before_commit"
        else {"PORTICO_FAULT_PAUSE_AFTER": PRIORAUTH_URL}
    )
    srv.start(**pause)
    data = {**world["priorauth_form"], "idempotency_key": str(uuid.uuid4())}
    http = _session(srv, world["physician"])
    thread, box = _post_in_background(http, srv.url + PRIORAUTH_URL, data)
    srv.wait_for_pause()
    srv.sigkill()
    thread.join(timeout=20)
    assert "error" in box

    submitted = "action='portico.priorauth.submitted'"
    rows = (
        _count(srv.db, "priorauth_priorauthrequest"),
        _count(srv.db, "priorauth_requestline"),
        _count(srv.db, "core_auditevent", submitted),
    )
    assert rows == ((0, 0, 0) if point == "before_commit" else (1, 1, 1))

    srv.start()
    response = _post_form(_session(srv, world["physician"]), srv.url + PRIORAUTH_URL, data)
    assert response.status_code == 302, response.text[:2000]
    assert _count(srv.db, "priorauth_priorauthrequest") == 1
    assert _count(srv.db, "priorauth_requestline") == 1
    assert _count(srv.db, "core_auditevent", submitted) == 1
    status = _query(srv.db, "SELECT status FROM priorauth_priorauthrequest")[0][0]
    assert status == "received"


def test_database_outage_gives_503_pages_and_writes_resume(server):
    srv, sessions = server
    srv.start()
    http = _session(srv, sessions["applicant"])
    assert http.get(srv.url + "/readyz", timeout=10).status_code == 200

    # The database goes away: its file is replaced by something SQLite cannot open.
    away = srv.db.with_suffix(".away")
    _query(srv.db, "PRAGMA wal_checkpoint(TRUNCATE)")
    srv.db.rename(away)
    for suffix in ("-wal", "-shm"):
        Path(f"{srv.db}{suffix}").unlink(missing_ok=True)
    srv.db.mkdir()
    try:
        ready = requests.get(srv.url + "/readyz", timeout=20)  # a load balancer's probe
        assert ready.status_code == 503, ready.text[:300]
        assert ready.json()["checks"]["database"].startswith("error: OperationalError")
        for path in ("/", ACCESS_URL, "/connect/requests/"):
            page = http.get(srv.url + path, timeout=20)
            assert page.status_code == 503, (path, page.status_code)
            assert "temporarily unavailable" in page.text
            assert "Traceback" not in page.text and "OperationalError" not in page.text
        post = http.post(srv.url + ACCESS_URL, data=cop_data(), timeout=20)
        assert post.status_code == 503 and "Traceback" not in post.text
    finally:
        srv.db.rmdir()
        away.rename(srv.db)

    # It is back: ready again, and a write goes through.
    assert http.get(srv.url + "/readyz", timeout=10).status_code == 200
    response = _post_form(http, srv.url + ACCESS_URL, cop_data())
    assert response.status_code == 302
    assert _count(srv.db, "organizations_accessrequest") == 1

"""Faults, for real (issue #9), for batches: an 837 file SIGKILLed in the middle of its
ingestion, and a run of prior-authorization determinations SIGKILLed in the middle of its
letters.

The same harness as ``test_faults.py`` (gunicorn, one sync worker, on a SQLite file and a file
storage folder that outlive the process; see ``faultserver/wsgi.py`` for the pause points).
After a restart and the product's own retry every item is fully there exactly once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from portico.x12.models837 import (
    Party,
)
from portico.x12.writer import Envelope
from portico.x12.writer837 import build_837
from tests.factories.claims import practice_a_x12_claims
from tests.trust.test_faults import (
    BIN,
    REPO,
    Server,
    _count,
    _env,
    _query,
    _session,
    template_db,  # noqa: F401 - the module's migrated template database (a fixture)
)

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

REQUESTS = 4  # the determinations of the letter run


@pytest.fixture(scope="module")
def batch_template(template_db, tmp_path_factory) -> tuple[Path, dict[str, Any]]:  # noqa: F811
    """The fault tests' template plus the claims member and the letter run's requests."""
    root = tmp_path_factory.mktemp("batchdb")
    db = root / "db.sqlite3"
    shutil.copy(template_db[0], db)
    out = subprocess.run(
        [sys.executable, "-m", "tests.trust.faultserver.setup_batches", str(REQUESTS)],
        env=_env(db, root / "files"),
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    _query(db, "PRAGMA wal_checkpoint(TRUNCATE)")
    return db, {**template_db[1], **json.loads(out.stdout.strip().splitlines()[-1])}


@pytest.fixture
def batch_server(batch_template, tmp_path) -> Iterator[tuple[Server, dict[str, Any]]]:
    db = tmp_path / "db.sqlite3"
    shutil.copy(batch_template[0], db)
    srv = Server(db=db, files=tmp_path / "files", marker=tmp_path / "paused")
    yield srv, batch_template[1]
    srv.sigkill()


def _portico(srv: Server, *args: str) -> str:
    """Run a ``portico`` command on the server's database (as an operator or beat would)."""
    done = subprocess.run(
        [str(BIN / "portico"), *args],
        env=_env(srv.db, srv.files),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _csrf(http: requests.Session, url: str) -> str:
    page = http.get(url, timeout=30)
    assert page.status_code == 200, page.text[:500]
    token = http.cookies.get("csrftoken")
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token or found, page.text[:500]
    return token or found.group(1)  # type: ignore[union-attr]


def _post(
    http: requests.Session, url: str, data: dict, *, files: dict | None = None, token: str
) -> requests.Response:
    return http.post(
        url,
        data={**data, "csrfmiddlewaretoken": token},
        files=files,
        headers={"Referer": url},
        allow_redirects=False,
        timeout=60,
    )


def _in_background(call: Any) -> tuple[threading.Thread, dict]:
    """Run ``call`` (a POST the server will die under) in a thread; returns its result box."""
    box: dict = {}

    def run() -> None:
        try:
            box["response"] = call()
        except requests.RequestException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def _kill_when_paused(srv: Server, thread: threading.Thread, box: dict) -> str:
    where = srv.wait_for_pause()
    srv.sigkill()
    thread.join(timeout=20)
    assert "error" in box, box  # the client never got an answer
    return where


def _audit_verified(srv: Server) -> None:
    _portico(srv, "audit", "verify")


# ---------------------------------------------------------------------------
# 837 batch killed mid-ingestion
# ---------------------------------------------------------------------------
CLAIMS = 6
FILES_URL = "/claims/files/"


def _837(claims: int = CLAIMS) -> bytes:
    """Practice A's 837P: ``claims`` clean claims for the covered member, one batch file."""
    batch = practice_a_x12_claims(claims, account_prefix="FLT", step=Decimal(1))
    envelope = Envelope(
        sender_id="SUBMITTER01",
        receiver_id="PORTICO",
        interchange_control_number=4711,
        group_control_number=4711,
        created=dt.datetime(2025, 3, 12, 9, 30),
        usage_indicator="T",
    )
    text = build_837(
        batch,
        envelope,
        submitter=Party(
            "PRACTICE A BILLING", "SUBM01", contact_name="Pat", contact_phone="5555550100"
        ),
        receiver=Party("HARBOR", "PORTICO"),
        claims_per_transaction=3,  # two transaction sets
    )
    return text.encode()


def _ack_277ca(http: requests.Session, srv: Server, file_id: int) -> str:
    """The 277CA as the office downloads it."""
    response = http.get(f"{srv.url}{FILES_URL}{file_id}/277ca/", timeout=30)
    assert response.status_code == 200, response.status_code
    return response.text


def _upload(http: requests.Session, srv: Server, content: bytes, token: str) -> requests.Response:
    return _post(
        http,
        srv.url + FILES_URL,
        {},
        files={"file": ("batch.837", content, "application/octet-stream")},
        token=token,
    )


def _claims_per_account(srv: Server) -> dict[str, int]:
    rows = _query(
        srv.db,
        "SELECT patient_account_number, COUNT(*) FROM claims_claim GROUP BY patient_account_number",
    )
    return dict(rows)


def test_sigkill_in_the_middle_of_an_837_batch_is_retried_once_never_doubled(batch_server):
    """The web process (eager background work, as the embedded profile runs) dies after two of
    the file's three batches of claims were written, before the file's transaction commits.
    After a restart the outbox relay (beat's every-minute ``portico.core.outbox_relay``, here
    ``portico outbox relay``) processes the file again: every claim exactly once, the 999 and
    the 277CA written; the same file uploaded again creates nothing twice."""
    srv, world = batch_server
    srv.start(
        PORTICO_FAULT_CLAIMS_BATCH="2",
        PORTICO_FAULT_PAUSE_CALL="portico.claims.services.intake:_flush",
        PORTICO_FAULT_PAUSE_NTH="2",
    )
    content = _837()
    http = _session(srv, world["billing_clerk"])
    token = _csrf(http, srv.url + FILES_URL)
    thread, box = _in_background(lambda: _upload(http, srv, content, token))
    assert "_flush returned #2" in _kill_when_paused(srv, thread, box)

    # The upload committed (the file and its queued processing); the half-ingested claims did
    # not: nothing of the batch is half there.
    files = _query(
        srv.db, "SELECT id, status, ack_999, ack_277ca_key FROM claims_claimsubmissionfile"
    )
    assert len(files) == 1
    file_id, status, ack_999, ack_277 = files[0]
    assert (status, ack_999, ack_277) == ("queued", "", "")
    assert _count(srv.db, "claims_claim") == 0
    assert _count(srv.db, "claims_claimline") == 0
    assert _count(srv.db, "core_outboxtask", "dispatched_at IS NULL") == 1

    # Restart; the relay retries what was not finished.
    srv.start()
    assert "Sent 1 tasks; 0 still waiting" in _portico(srv, "outbox", "relay")
    assert "Sent 0 tasks; 0 still waiting" in _portico(srv, "outbox", "relay")
    status, accepted, duplicates, ack_999 = _query(
        srv.db,
        "SELECT status, accepted_count, duplicate_count, ack_999 "
        f"FROM claims_claimsubmissionfile WHERE id={file_id}",
    )[0]
    ack_277 = _ack_277ca(http, srv, file_id)
    assert (status, accepted, duplicates) == ("accepted", CLAIMS, 0)
    assert _claims_per_account(srv) == {f"FLT{i:04d}": 1 for i in range(CLAIMS)}
    assert _count(srv.db, "claims_claimline") == CLAIMS
    assert _count(srv.db, "claims_claimstatusevent") == 2 * CLAIMS
    assert ack_999.startswith("ISA") and "AK9*A*2*2*2" in ack_999, ack_999
    assert ack_277.startswith("ISA")
    for (number,) in _query(srv.db, "SELECT number FROM claims_claim"):
        assert ack_277.count(f"REF*1K*{number}~") == 1, number
    processed = "action='portico.claim_file.processed'"
    assert _count(srv.db, "core_auditevent", processed) == 1

    # The office, not knowing, uploads the very same file again: answered, nothing doubled.
    response = _upload(http, srv, content, _csrf(http, srv.url + FILES_URL))
    assert response.status_code == 302, response.text[:2000]
    again = _query(
        srv.db,
        "SELECT status, duplicate_of_id, duplicate_count, accepted_count, id "
        f"FROM claims_claimsubmissionfile WHERE id != {file_id}",
    )
    assert len(again) == 1
    status, duplicate_of, duplicates, accepted, again_id = again[0]
    ack_277_again = _ack_277ca(http, srv, again_id)
    assert (status, duplicate_of, duplicates, accepted) == ("accepted", file_id, CLAIMS, 0)
    assert _claims_per_account(srv) == {f"FLT{i:04d}": 1 for i in range(CLAIMS)}
    for (number,) in _query(srv.db, "SELECT number FROM claims_claim"):
        assert f"REF*1K*{number}~" in ack_277_again
    assert _count(srv.db, "core_outboxtask", "dispatched_at IS NULL") == 0
    _audit_verified(srv)


# ---------------------------------------------------------------------------
# A run of determinations (and their letters) killed midway
# ---------------------------------------------------------------------------
def _staff_url(reference: str) -> str:
    return f"/priorauth/staff/requests/{reference}/"


# approve → one letter (Approval); deny → two (Adverse determination, and the member's, mailed)
RUN = ["approved", "denied", "denied", "approved"]
LETTERS = {"approved": ["pa_approval"], "denied": ["pa_adverse_full", "pa_member"]}


def _decision(outcome: str, version: int) -> dict[str, str]:
    data = {
        "version": str(version),
        "note": "",
        "decide-TOTAL_FORMS": "1",
        "decide-INITIAL_FORMS": "1",
        "decide-0-line_no": "1",
        "decide-0-decision": outcome,
    }
    if outcome == "approved":
        data["decide-0-approved_units"] = "1"
    else:
        data["decide-0-deny_reason"] = "Conservative therapy was not tried for six weeks."
        data["decide-0-criteria"] = "Spine surgery criteria 4.2"
    return data


def _stored_pdfs(srv: Server) -> set[str]:
    root = srv.files / "documents"
    return {str(p.relative_to(srv.files)) for p in root.rglob("*.pdf")} if root.exists() else set()


@pytest.mark.parametrize("point", ["mid_letters", "after_commit"])
def test_sigkill_in_the_middle_of_a_letter_run_leaves_each_letter_exactly_once(batch_server, point):
    """A reviewer works through a run of four determinations; each posts its letters (PDFs in
    the document store) in the determination's transaction. The web process dies at the fifth
    letter (the third determination's member letter: its two PDFs are on disk, its rows not
    committed) or right after the third determination committed. After a restart the reviewer
    replays the whole run with the versions the pages showed: what was done answers 409, the
    rest is done; every determination has each of its letters exactly once, each letter one
    stored PDF that matches it, and files of the killed transaction are never a letter."""
    srv, world = batch_server
    requests_ = world["requests"]
    third = _staff_url(requests_[2]["reference"])
    pause = (
        {"PORTICO_FAULT_PAUSE_ACTION": "portico.document.created", "PORTICO_FAULT_PAUSE_NTH": "5"}
        if point == "mid_letters"
        else {"PORTICO_FAULT_PAUSE_AFTER": third + "decide/"}
    )
    srv.start(**pause)
    http = _session(srv, world["um_reviewer"])

    def decide(i: int, token: str) -> requests.Response:
        url = srv.url + _staff_url(requests_[i]["reference"]) + "decide/"
        return _post(http, url, _decision(RUN[i], requests_[i]["version"]), token=token)

    token = _csrf(http, srv.url + _staff_url(requests_[0]["reference"]))
    for i in range(2):
        response = decide(i, token)
        assert response.status_code == 302, response.text[:2000]
    thread, box = _in_background(lambda: decide(2, token))
    _kill_when_paused(srv, thread, box)

    statuses = dict(_query(srv.db, "SELECT reference, status FROM priorauth_priorauthrequest"))
    done = 3 if point == "after_commit" else 2
    for i, row in enumerate(requests_):
        assert statuses[row["reference"]] == (RUN[i] if i < done else "received")
    letters_before = sum(len(LETTERS[RUN[i]]) for i in range(done))
    assert _count(srv.db, "documents_document") == letters_before
    orphans_at_kill = _stored_pdfs(srv) - {
        key for (key,) in _query(srv.db, "SELECT storage_key FROM documents_document")
    }
    # Storage writes are not transactional: the killed transaction's PDFs stay on disk, but
    # no row names them, so they are no letter (nobody can list or download them).
    assert len(orphans_at_kill) == (2 if point == "mid_letters" else 0)

    # Restart; the reviewer replays the whole run from the pages they had.
    srv.start()
    http = _session(srv, world["um_reviewer"])
    token = _csrf(http, srv.url + _staff_url(requests_[0]["reference"]))
    codes = [decide(i, token).status_code for i in range(REQUESTS)]
    assert codes == [409] * done + [302] * (REQUESTS - done), codes

    rows = _query(
        srv.db,
        "SELECT r.id, r.reference, r.status, r.decided_at IS NOT NULL, l.decision "
        "FROM priorauth_priorauthrequest r JOIN priorauth_requestline l ON l.request_id = r.id",
    )
    by_reference = {ref: (pk, status, decided, line) for pk, ref, status, decided, line in rows}
    documents = _query(
        srv.db,
        "SELECT subject_id, kind, storage_key, sha256, size FROM documents_document "
        "WHERE subject_app='priorauth' AND subject_type='request'",
    )
    for i, row in enumerate(requests_):
        pk, status, decided, line = by_reference[row["reference"]]
        assert (status, decided, line) == (RUN[i], 1, RUN[i])
        kinds = sorted(kind for subject, kind, *_ in documents if subject == str(pk))
        assert kinds == sorted(LETTERS[RUN[i]]), (row["reference"], kinds)
        letter_events = _count(
            srv.db, "priorauth_requestevent", f"request_id={pk} AND kind='letter'"
        )
        assert letter_events == len(LETTERS[RUN[i]])
        decided_audit = _count(
            srv.db,
            "core_auditevent",
            f"action='portico.priorauth.decided' AND object_id='{pk}'",
        )
        assert decided_audit == 1
    total = sum(len(LETTERS[outcome]) for outcome in RUN)
    assert len(documents) == total
    keys = [key for _subject, _kind, key, _sha, _size in documents]
    assert len(set(keys)) == total  # one PDF per letter, none shared
    for _subject, _kind, key, sha, size in documents:
        pdf = (srv.files / key).read_bytes()
        assert pdf.startswith(b"%PDF-") and len(pdf) == size
        assert hashlib.sha256(pdf).hexdigest() == sha
    assert _count(srv.db, "core_auditevent", "action='portico.document.created'") == total
    # Every stored PDF is a letter, except exactly the killed transaction's leftovers.
    assert _stored_pdfs(srv) - set(keys) == orphans_at_kill
    _audit_verified(srv)


@pytest.mark.django_db
def test_a_file_left_processing_by_a_dead_worker_is_processed_again_once(world):
    """With workers (production), the Processing mark commits before the file's transaction;
    a worker SIGKILLed mid-file leaves it so, and the broker redelivers the task (acks late).
    The redelivered task processes the file (the dead attempt's claims rolled back), once."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portico.claims import selectors, services, tasks
    from portico.claims.models import Claim, ClaimSubmissionFile, SubmissionStatus
    from tests.codes.factories import Icd10CodeFactory
    from tests.factories.claims import plan_member

    plan_member()
    Icd10CodeFactory(code="M5450", billable=True, fiscal_year=2026)
    item = services.claim_file_upload(
        user=world.users["billing_clerk"], file=SimpleUploadedFile("batch.837", _837())
    )  # its task is not sent: the test's transaction never commits
    ClaimSubmissionFile.objects.filter(pk=item.pk).update(status=SubmissionStatus.PROCESSING)

    assert tasks.process_claim_file(item.pk) == SubmissionStatus.ACCEPTED
    assert tasks.process_claim_file(item.pk) == SubmissionStatus.ACCEPTED  # delivered again
    item.refresh_from_db()
    assert (item.accepted_count, item.duplicate_count) == (CLAIMS, 0)
    assert item.ack_999.startswith("ISA")
    ack_277 = selectors.claim_file_ack_open(item=item, which="277ca")
    assert ack_277 is not None
    with ack_277:
        assert ack_277.read(3) == b"ISA"
    assert Claim.objects.filter(submission_file=item).count() == CLAIMS

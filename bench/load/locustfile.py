"""Locust users for bench/load: the portal personas, each signing in through the real flow.

Started by bench/load/run.py (``locust --headless``); not meant to be run on its own, since it
reads the environment run.py sets:

``LOAD_WORKLOAD``        JSON written by seed.py (members, claim details, …)
``LOAD_DSN``             the load database, to read texted sign-in codes (see below)
``LOAD_ACCOUNT_BASE``    first account number this phase may use (phases never share one)
``LOAD_THINK``           "min,max" seconds a person waits between actions ("0,0": none)

How it behaves like browsers behind the documented TLS proxy, on plain-HTTP localhost:

* every request carries ``X-Forwarded-Proto: https`` (what the proxy adds; the production
  profile trusts it through ``SECURE_PROXY_SSL_HEADER``) and POSTs carry the ``Origin`` a
  browser would send, so Django's HTTPS redirect, HSTS, CSRF origin check and ``__Host-``
  secure cookies all run exactly as deployed;
* a browser sends Secure cookies to the proxy over TLS; here the hop is plain HTTP, so the
  client's cookie policy is told to send Secure cookies on it (one line below);
* each simulated person connects from its own loopback address (127.0.x.y), as real users
  come from their own addresses: Portico's per-IP sign-in rate limit (30/min/IP) is a
  production feature that one shared address would trip.

Sign-in is password + a code texted to the account's phone. The production profile's SMS
gateway here is the default ``outbox`` one (``PORTICO_SMS_GATEWAY`` unset), which stores the
text in the database instead of sending it; the simulated person "reads the phone" by
selecting the newest text to its number. Every step of sign-in is timed; the whole flow is
reported as ``sign-in``.

Failures: any status other than the one the step expects (2xx pages, 302 after a successful
form) is a failure with the status and the page's first error message.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
import time
from datetime import date, timedelta
from typing import Any

import psycopg
from locust import HttpUser, between, constant, events, task
from requests.adapters import HTTPAdapter

# Browser → proxy is HTTPS, so the browser sends Secure cookies; the proxy → app hop that
# this test speaks is plain HTTP. Let the client send Secure cookies on it.
http.cookiejar.DefaultCookiePolicy.return_ok_secure = lambda self, cookie, request: True  # type: ignore[method-assign]

with open(os.environ["LOAD_WORKLOAD"]) as _f:
    WORKLOAD: dict[str, Any] = json.load(_f)
PASSWORD = "Portico-Demo-2026!"
ACCOUNT_BASE = int(os.environ.get("LOAD_ACCOUNT_BASE", "0"))
THINK_MIN, THINK_MAX = (float(x) for x in os.environ.get("LOAD_THINK", "1,3").split(","))
SESSION_ACTIONS = (8, 20)  # actions per signed-in session before signing out
TODAY = date.fromisoformat(WORKLOAD["today"])
_accounts = {kind: itertools.count(ACCOUNT_BASE) for kind in ("clerk", "doctor", "customer")}
_addresses = itertools.count(2)
_serial = itertools.count(ACCOUNT_BASE * 1000)
_db: psycopg.Connection | None = None


def _code_for(phone: str) -> str:
    global _db
    if _db is None:
        _db = psycopg.connect(os.environ["LOAD_DSN"], autocommit=True)
    row = _db.execute(
        "SELECT body FROM core_outboxmessage WHERE channel = 'sms' AND \"to\" = %s "
        "ORDER BY id DESC LIMIT 1",
        (phone,),
    ).fetchone()
    match = re.search(r"\b(\d{6})\b", row[0]) if row else None
    return match.group(1) if match else ""


def _why(response: Any) -> str:
    text = response.text or ""
    start = text.find("There is a problem")  # the error summary of Portico's forms
    detail = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text[start : start + 3000])).strip()
    if start < 0:
        title = re.search(r"<title>(.*?)</title>", text, re.S)
        detail = title.group(1).strip() if title else ""
    return f"HTTP {response.status_code}: {detail[:300]}"


class _SourceAddress(HTTPAdapter):
    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__(pool_connections=1, pool_maxsize=1)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


class Person(HttpUser):
    """One person at a time per simulated user; signs out after a session and signs in again
    as the next unused account of the persona."""

    abstract = True
    kind = ""
    wait_time = between(THINK_MIN, THINK_MAX) if THINK_MAX > 0 else constant(0)

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.mount("http://", _SourceAddress(f"127.0.{n // 250}.{n % 250 + 2}"))
        origin = re.sub(r"^http:", "https:", str(self.host))
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": origin})
        self.left = 0
        self.sign_in()

    # --- helpers -------------------------------------------------------------------------
    def _csrf(self) -> str:
        for cookie in self.client.cookies:
            if cookie.name.endswith("csrftoken"):
                return str(cookie.value)
        return ""

    def get(self, path: str, name: str, expect: str = "") -> Any:
        with self.client.get(path, name=name, catch_response=True) as r:
            if r.status_code != 200:
                r.failure(_why(r))
            elif expect and expect not in r.text:
                r.failure(f"HTTP 200 without {expect!r}: {_why(r)}")
            return r

    def post(self, path: str, data: dict[str, Any], name: str, expect: int = 302) -> Any:
        data = {**data, "csrfmiddlewaretoken": self._csrf()}
        with self.client.post(
            path, data=data, name=name, allow_redirects=False, catch_response=True
        ) as r:
            if r.status_code != expect:
                r.failure(_why(r))
            return r

    # --- sign-in / sign-out --------------------------------------------------------------
    def sign_in(self) -> None:
        number = next(_accounts[self.kind])
        self.username = f"load.{self.kind}.{number:04d}"
        self.phone = f"+1646{list(_accounts).index(self.kind) + 2}{number:06d}"
        self.client.cookies.clear()
        started = time.perf_counter()
        ok = False
        try:
            self.get("/id/login/", "sign-in 1: login page")
            r = self.post(
                "/id/login/",
                {"login": self.username, "password": PASSWORD},
                "sign-in 2: password",
            )
            if r.headers.get("Location", "").startswith("/id/mfa/phone/"):
                r = self.post("/id/mfa/phone/", {"action": "sms"}, "sign-in 3: text me a code")
                code = _code_for(self.phone)
                r = self.post(
                    "/id/mfa/phone/", {"action": "check", "code": code}, "sign-in 4: enter code"
                )
                target = r.headers.get("Location", "")
                ok = r.status_code == 302 and not target.startswith("/id/")
                if ok:
                    self.land(target, name="sign-in 5: first page")
        finally:
            elapsed = (time.perf_counter() - started) * 1000
            events.request.fire(
                request_type="FLOW",
                name="sign-in",
                response_time=elapsed,
                response_length=0,
                exception=None if ok else RuntimeError(f"sign-in of {self.username} failed"),
                context={},
            )
        self.left = random.randint(*SESSION_ACTIONS)

    def land(self, path: str, name: str) -> None:
        """Follow the post-sign-in redirects (Connect home → the one portal) like a browser."""
        for _ in range(3):
            with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as r:
                if r.status_code in (301, 302):
                    path = r.headers["Location"]
                    if path.startswith(("/id/", "https:")):  # signed out or sent away
                        r.failure(f"HTTP {r.status_code} to {path}")
                        return
                    continue
                if r.status_code != 200:
                    r.failure(_why(r))
                return

    def sign_out_maybe(self) -> None:
        self.left -= 1
        if self.left <= 0:
            self.post("/id/logout/", {}, "sign-out")
            self.sign_in()

    @task(2)
    def landing(self) -> None:
        self.land("/connect/home/", name="landing")
        self.sign_out_maybe()


class Clerk(Person):
    """Billing clerk: claim search (most of the day) and web claim entry."""

    weight = 4
    kind = "clerk"

    @task(6)
    def claim_search(self) -> None:
        if random.random() < 0.5:
            member = random.choice(WORKLOAD["claim_member_ids"])
            self.get(f"/claims/search/?member_id={member}", "claim search")
        else:
            status = random.choice(["", "received", "finalized", "pended"])
            self.get(f"/claims/search/?status={status}&sort=newest", "claim search")
        self.sign_out_maybe()

    @task(2)
    def claim_submit(self) -> None:
        self.get("/claims/new/?kind=professional", "claim submit: form")
        serial = next(_serial)
        templates = WORKLOAD["claims"]
        c = templates[serial % len(templates)]
        # A new (member, date of service) pair for every claim, as for prior authorizations.
        dos = (TODAY - timedelta(days=3 + (serial // len(templates)) % 200)).isoformat()
        form = {
            "kind": "professional",
            "frequency": "1",
            "billing_tin": c["billing_tin"],
            "billing_npi": c["billing_npi"],
            "billing_name": c["billing_name"],
            "rendering_npi": c["rendering_npi"],
            "rendering_name": c["rendering_name"],
            "payer_id": c["payer_id"],
            "member_id": c["member_number"],
            "patient_first_name": c["patient_first_name"],
            "patient_last_name": c["patient_last_name"],
            "patient_dob": c["patient_dob"],
            "patient_account_number": f"LOAD-{serial}",
            "place_of_service": "11",
            "service_date_from": dos,
            "service_date_to": dos,
            "total_charge": "150.00",
            "dx_1": "M54.50",
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-service_date": dos,
            "lines-0-procedure_code": "99213",
            "lines-0-diagnosis_pointers": "1",
            "lines-0-units": "1",
            "lines-0-unit_type": "UN",
            "lines-0-charge": "100.00",
            "lines-1-service_date": dos,
            "lines-1-procedure_code": "97110",
            "lines-1-modifiers": "GP",
            "lines-1-diagnosis_pointers": "1",
            "lines-1-units": "1",
            "lines-1-unit_type": "UN",
            "lines-1-charge": "50.00",
            "action": "submit",
        }
        r = self.post("/claims/new/?kind=professional", form, "claim submit")
        if r.status_code == 302:
            self.get(r.headers["Location"], "claim submit: claim page", expect="Received")
        self.sign_out_maybe()


class Doctor(Person):
    """Physician: patient look-ups, prior-authorization requests and their status."""

    weight = 4
    kind = "doctor"

    def on_start(self) -> None:
        self.references: list[str] = []
        super().on_start()

    @task(5)
    def patient_lookup(self) -> None:
        pk, member_id, _last, _born = random.choice(WORKLOAD["pip_members"])
        self.post(
            "/pip/", {"by": "member_id", "id-member_id": member_id}, "patient look-up", expect=200
        )
        self.get(f"/pip/patients/{pk}/", "patient look-up: summary")
        self.sign_out_maybe()

    @task(2)
    def priorauth_submit(self) -> None:
        plan = WORKLOAD["pa_plan"]
        page = self.get(
            f"/priorauth/requests/new/?plan={plan}&category=spine-surgery",
            "prior-auth submit: form",
        )
        npis = re.findall(r'<option value="(\d{10})"', page.text or "")
        serial = next(_serial)
        members = WORKLOAD["pa_members"]
        member_id, born = members[serial % len(members)]
        # A new (member, date) pair for every request: the same pair would rightly be
        # answered "possible duplicate".
        day = (TODAY + timedelta(days=7 + (serial // len(members)) % 300)).isoformat()
        form = {
            "plan": str(plan),
            "service_category": "spine-surgery",
            "member_id": member_id,
            "member_birth_date": born,
            "service_date": day,
            "requesting_provider": npis[0] if npis else "",
            "diagnoses": "M54.50",
            "urgency": "standard",
            "q_conservative_therapy": "yes",
            "q_conservative_weeks": "8",
            "q_imaging": "MRI",
            "q_neuro_deficit": "no",
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "3",
            "lines-MAX_NUM_FORMS": "20",
            "lines-0-code": "63047",
            "lines-0-units": "1",
            "lines-0-start_date": day,
            "lines-0-end_date": day,
            "submit": "1",
        }
        r = self.post("/priorauth/requests/new/", form, "prior-auth submit")
        location = r.headers.get("Location", "") if r.status_code == 302 else ""
        match = re.search(r"/priorauth/requests/([^/]+)/", location)
        if match:
            self.references.append(match.group(1))
            self.get(location, "prior-auth submit: request page")
        self.sign_out_maybe()

    @task(3)
    def priorauth_status(self) -> None:
        if not self.references:
            self.get("/priorauth/requests/", "prior-auth status: list")
        else:
            ref = random.choice(self.references)
            with self.client.get(
                f"/priorauth/requests/{ref}/status/",
                name="prior-auth status",
                catch_response=True,
            ) as r:
                if r.status_code not in (200, 204, 286):
                    r.failure(_why(r))
        self.sign_out_maybe()


class Customer(Person):
    """Direct customer: the support customer log-in of the session, then new cases."""

    weight = 2
    kind = "customer"

    def sign_in(self) -> None:
        super().sign_in()
        customer = WORKLOAD["customer"]
        number = int(self.username.rsplit(".", 1)[1])
        self.post(
            "/support/customer/login/",
            {
                "first_name": customer["first_name"],
                "last_name": customer["last_name"],
                "user_id": f"ZCS{10000 + 2 * 30000 + number:05d}",
                "pfi": WORKLOAD["customer_pfi"],
                "case_type": "none",
            },
            "case create: customer log-in",
        )

    @task(3)
    def case_create(self) -> None:
        self.get("/support/cases/new/?type=claim", "case create: form")
        served = TODAY - timedelta(days=random.randint(10, 40))
        form = {
            "case_type": "claim",
            "payer_id": "NYSPARCS",
            "patient_name": "Pat Doe",
            "member_id": f"AB{random.randint(10000, 99999)}",
            "service_date": served.isoformat(),
            "statement_from": "",
            "statement_to": "",
            "billed_amount": "1,250.00",
            "date_submitted": (served + timedelta(days=3)).isoformat(),
            "patient_account_number": f"LOAD-{next(_serial)}",
            "subject": "Claim rejected",
            "description": "The claim was rejected with A7.",
        }
        r = self.post("/support/cases/new/", form, "case create")
        if r.status_code == 302:
            self.get(r.headers["Location"], "case create: case page", expect="was created")
        self.sign_out_maybe()

    @task(2)
    def case_list(self) -> None:
        self.get("/support/cases/", "case list")
        self.sign_out_maybe()


class Bare(HttpUser):
    """The ceiling baseline: Django's smallest page (/healthz) through the same gunicorn."""

    weight = 1
    wait_time = constant(0)

    def on_start(self) -> None:
        n = next(_addresses)
        self.client.mount("http://", _SourceAddress(f"127.0.{n // 250}.{n % 250 + 2}"))
        self.client.headers.update({"X-Forwarded-Proto": "https"})

    @task
    def healthz(self) -> None:
        with self.client.get("/healthz", name="bare page (/healthz)", catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"HTTP {r.status_code}")

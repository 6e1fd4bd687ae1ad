"""Benchmark: Portico ID sign-in and token throughput per core.

Measures, in one run and one process (so: per core):

1. raw argon2id verifications per second with the configured parameters
   (``PorticoArgon2PasswordHasher``: m = 19 MiB, t = 2, p = 1), straight through argon2-cffi;
2. password sign-ins per second through the real allauth login view (Django test client,
   full middleware stack, database sessions); goal: at least 85 % of (1);
3. refresh-token grants per second through the token endpoint (client authentication,
   rotation, a signed ID token, the audit row); goal: above 120/s. Also shown for a public
   client and for a client whose secret is hashed with argon2 (allauth's default hashing).

Runs the production settings profile against a throwaway SQLite database. Usage:

    .venv/bin/python bench/identity/run.py [--seconds 5]

Prints a table and a Markdown block for docs/performance.md; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import machine, save

REDIRECT_URI = "https://rp.example.test/callback"
PASSWORD = "Bench-Horse-42-staple"


def _environment(tmp: str) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "bench.identity.settings",
            "PORTICO_VAR_DIR": tmp,
            "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "testserver,localhost",
            "IDP_OIDC_PRIVATE_KEY": pem,
            "PORTICO_TOTP_ENCRYPTION_KEY": secrets.token_urlsafe(32),
            "CELERY_TASK_ALWAYS_EAGER": "true",
        }
    )
    os.environ.pop("REDIS_URL", None)


def rate(fn: Callable[[int], None], seconds: float, warmup: int = 3) -> tuple[float, int]:
    """Operations per CPU-second of this process (= per core; one thread), so other work on
    the machine does not lower the figure. Runs for ``seconds`` of CPU time."""
    for i in range(warmup):
        fn(-1 - i)
    n, started = 0, time.process_time()
    while (elapsed := time.process_time() - started) < seconds:
        fn(n)
        n += 1
    return n / elapsed, n


def bench_user() -> Any:
    from allauth.account.models import EmailAddress

    from portico.identity.models import User

    user = User.objects.filter(username="benchuser01").first()
    if user is None:
        user = User.objects.create_user("benchuser01", "bench@example.org", PASSWORD)
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def _argon2_op() -> tuple[Callable[[int], None], dict[str, int]]:
    import argon2

    from portico.identity.hashers import PorticoArgon2PasswordHasher as H

    params = {"time_cost": H.time_cost, "memory_cost": H.memory_cost, "parallelism": H.parallelism}
    hasher = argon2.PasswordHasher(**params, type=argon2.Type.ID)
    encoded = hasher.hash(PASSWORD)
    return (lambda _i: hasher.verify(encoded, PASSWORD)), params


def bench_argon2(seconds: float) -> tuple[float, int, dict[str, int]]:
    op, params = _argon2_op()
    per_s, n = rate(op, seconds)
    return per_s, n, params


def bench_sign_in(seconds: float, users: int = 200) -> tuple[float, int]:
    return rate(_sign_in_op(users), seconds)


def _sign_in_op(users: int = 200) -> Callable[[int], None]:
    """Sign-ins of many users (a user who signs in hundreds of times without signing out
    would make allauth's session list, which checks each of the user's sessions, dominate).

    Each sign-in is the POST a browser sends from the sign-in page: a form-urlencoded body
    (the page's ``<form method="post">``, not the test client's default multipart) carrying
    the CSRF token, with the CSRF cookie the page set, and the CSRF check enforced."""
    from allauth.account.models import EmailAddress
    from django.conf import settings
    from django.middleware.csrf import get_token
    from django.test import Client, RequestFactory
    from django.urls import reverse

    from portico.identity.models import User

    encoded = bench_user().password
    if not encoded.startswith("argon2$argon2id$"):
        raise SystemExit(f"bench password is not argon2id: {encoded[:20]}")
    pool = User.objects.bulk_create(
        User(username=f"benchsignin{n:04d}", email=f"signin{n}@example.org", password=encoded)
        for n in range(users)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in pool
    )
    names = [u.username for u in pool]
    url = reverse("account_login")
    # What the sign-in page gave the browser: the CSRF cookie and the form's (masked) token.
    page = RequestFactory().get(url)
    form_token = get_token(page)
    csrf_cookie = page.META["CSRF_COOKIE"]

    # One handler (middleware loaded once), a fresh cookie jar per sign-in.
    client = Client(enforce_csrf_checks=True)

    def sign_in(i: int) -> None:
        client.cookies.clear()
        client.cookies[settings.CSRF_COOKIE_NAME] = csrf_cookie
        # One address per attempt, as from many offices: the per-IP limit stays on.
        ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        body = urlencode(
            {"login": names[i % users], "password": PASSWORD, "csrfmiddlewaretoken": form_token}
        )
        response = client.post(
            url, body, content_type="application/x-www-form-urlencoded", REMOTE_ADDR=ip
        )
        # A successful sign-in redirects and sets a new session cookie. (Loading the session
        # back from the database here would add the bench's own work to the measurement;
        # the first sign-ins are checked that way instead, below.)
        if response.status_code != 302 or settings.SESSION_COOKIE_NAME not in response.cookies:
            raise SystemExit(f"sign-in failed: {response.status_code} {response.content[:300]!r}")
        if i < 0 and "_auth_user_id" not in client.session:  # the warm-up sign-ins
            raise SystemExit("sign-in did not authenticate the session")

    return sign_in


def interleaved(seconds: float, slices: int = 10) -> tuple[Any, tuple[float, int]]:
    """Raw argon2 and sign-ins measured in alternating slices, so that both see the same
    machine load (the ratio is the goal; on a shared machine the load changes by the
    second)."""
    argon2_fn, params = _argon2_op()
    sign_in_fn = _sign_in_op()
    for i in range(3):
        argon2_fn(-1 - i)
        sign_in_fn(-1 - i)
    totals = {"argon2": [0.0, 0], "sign_in": [0.0, 0]}
    for _slice in range(slices):
        for name, fn in (("argon2", argon2_fn), ("sign_in", sign_in_fn)):
            n, started = 0, time.process_time()
            while time.process_time() - started < seconds / slices:
                fn(totals[name][1] + n)
                n += 1
            totals[name][0] += time.process_time() - started
            totals[name][1] += n
    a_time, a_n = totals["argon2"]
    s_time, s_n = totals["sign_in"]
    return (a_n / a_time, int(a_n), params), (s_n / s_time, int(s_n))


class TokenRun:
    """A relying party's refresh loop against the token endpoint (test client, in-process)."""

    def __init__(self, *, public: bool, argon2_secret: bool = False) -> None:
        from allauth.idp.oidc.models import Client as OIDCClient
        from django.contrib.auth.hashers import make_password
        from django.test import Client
        from django.urls import reverse

        from portico.identity import oidc

        self.http = Client()
        self.token_url = reverse("idp:oidc:token")
        client, secret = oidc.oidc_client_create(
            name=f"Bench {'public' if public else 'confidential'}",
            redirect_uris=[REDIRECT_URI],
            public=public,
            first_party=True,
        )
        if argon2_secret and secret:
            OIDCClient.objects.filter(pk=client.pk).update(secret=make_password(secret))
        self.client_id = client.id
        self.auth: dict[str, str] = {}
        if secret:
            basic = base64.b64encode(f"{client.id}:{secret}".encode()).decode()
            self.auth = {"HTTP_AUTHORIZATION": f"Basic {basic}"}
        self.refresh_token = self._authorize(bench_user(), reverse("idp:oidc:authorization"))

    def _authorize(self, user: Any, authorize_url: str) -> str:
        from allauth.account.internal.userkit import user_id_to_str
        from django.test import Client

        browser = Client()
        browser.force_login(user)
        session = browser.session
        now = time.time()
        session["account_authentication_methods"] = [
            {"method": "password", "at": now - 10, "username": user.username},
            {"method": "mfa", "at": now, "type": "totp", "id": 1},
        ]
        session["account_authentication_methods_user"] = user_id_to_str(user)
        session.save()
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
        ).decode()
        query = {
            "client_id": self.client_id,
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": "openid profile email",
            "state": "s",
            "nonce": "n",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        response = browser.get(f"{authorize_url}?{urlencode(query)}")
        location = response.headers.get("Location", "")
        if not location.startswith(REDIRECT_URI):
            raise SystemExit(f"authorization failed: {response.status_code} {location}")
        code = parse_qs(urlsplit(location).query)["code"][0]
        body = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
            "client_id": self.client_id,
        }
        data = self._post(body).json()
        if "refresh_token" not in data:
            raise SystemExit(f"code exchange failed: {data}")
        return str(data["refresh_token"])

    def _post(self, body: dict[str, str]) -> Any:
        """A token request as RFC 6749 has clients send it: form-urlencoded (the test
        client's default for a dict would be multipart, which no OAuth client sends)."""
        return self.http.post(
            self.token_url,
            urlencode(body),
            content_type="application/x-www-form-urlencoded",
            **self.auth,
        )

    def refresh(self, _i: int) -> None:
        body = {
            "grant_type": "refresh_token",
            "refresh_token": self.refresh_token,
            "client_id": self.client_id,
        }
        response = self._post(body)
        data = response.json()
        if response.status_code != 200 or "id_token" not in data:
            raise SystemExit(f"refresh failed: {response.status_code} {data}")
        self.refresh_token = data["refresh_token"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        _environment(tmp)
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.urls import clear_url_caches, resolve

        from portico.config.settle import settle
        from portico.identity import oidc

        call_command("migrate", verbosity=0)
        token_view = resolve("/identity/o/api/token").func
        wired = getattr(token_view, "view_class", None) is oidc.TokenView
        if not wired:
            settings.ROOT_URLCONF = "bench.identity.urls"
            clear_url_caches()
        settle()  # as the WSGI entry point does once the application is loaded

        (argon2_rate, argon2_n, params), (sign_in_rate, sign_in_n) = interleaved(args.seconds)
        confidential = TokenRun(public=False)
        refresh_rate, refresh_n = rate(confidential.refresh, args.seconds)
        public = TokenRun(public=True)
        public_rate, public_n = rate(public.refresh, args.seconds)
        slow = TokenRun(public=False, argon2_secret=True)
        slow_rate, slow_n = rate(slow.refresh, min(args.seconds, 3.0), warmup=1)
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        bench_added_hasher = settings.BENCH_ADDED_CLIENT_SECRET_HASHER

    ratio = sign_in_rate / argon2_rate
    rows = [
        ("argon2id verify (raw, argon2-cffi)", argon2_rate, argon2_n, "—"),
        ("password sign-in (allauth login view)", sign_in_rate, sign_in_n,
         f"{ratio:.0%} of raw (goal ≥ 85%)"),
        ("refresh grant, confidential client", refresh_rate, refresh_n, "goal > 120/s"),
        ("refresh grant, public client", public_rate, public_n, "—"),
        ("refresh grant, argon2-hashed client secret", slow_rate, slow_n, "for comparison"),
    ]  # fmt: skip
    m = machine()
    print(f"\nPortico ID benchmark — {m['date']}, {m['cores']} cores × {m['cpu']}, one process")
    print(f"{'measurement':<46} {'per s/core':>10} {'n':>6}  note")
    for name, per_s, n, note in rows:
        print(f"{name:<46} {per_s:>10.1f} {n:>6}  {note}")
    result = {
        "benchmark": "identity",
        "profile": "production (in-process, test client)",
        "database": database,
        "argon2_params": params,
        "portico_oidc_views_mounted_in_root_urlconf": wired,
        "client_secret_hasher_added_by_bench": bench_added_hasher,
        "seconds_per_measurement": args.seconds,
        "results": {
            "argon2_verify_per_s": round(argon2_rate, 1),
            "sign_in_per_s": round(sign_in_rate, 1),
            "sign_in_over_argon2": round(ratio, 3),
            "refresh_confidential_per_s": round(refresh_rate, 1),
            "refresh_public_per_s": round(public_rate, 1),
            "refresh_confidential_argon2_secret_per_s": round(slow_rate, 1),
        },
        "goals_met": {"sign_in_85pct": ratio >= 0.85, "refresh_over_120": refresh_rate > 120},
    }
    path = save("identity", result)
    print(f"\nJSON: {path}\n\nMarkdown for docs/performance.md:\n")
    print(f"### Portico ID (bench/identity/run.py), {m['date']}\n")
    print(
        f"Machine: {m['cores']} cores (`nproc`), {m['cpu']}, {m['memory_gib']} GiB, "
        f"Python {m['python']}. Production settings profile, {database}, one process "
        "(rates are per CPU-second, i.e. per core), Django test client through the full "
        "middleware stack.\n"
    )
    print("| measurement | per second per core | note |\n|---|---:|---|")
    for name, per_s, _n, note in rows:
        print(f"| {name} | {per_s:,.1f} | {note} |")
    notes = []
    if bench_added_hasher:
        notes.append("client-secret hasher appended to PASSWORD_HASHERS by the bench")
    if not wired:
        notes.append("Portico's OIDC views mounted by the bench URLconf")
    if notes:
        print(f"\n_Bench adjustments: {'; '.join(notes)}._")


if __name__ == "__main__":
    main()

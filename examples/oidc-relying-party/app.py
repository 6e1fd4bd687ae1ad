"""A minimal relying party for Portico ID: sign in with authorization code + PKCE.

Single file, standard library HTTP server plus Authlib's client (and joserfc, which Authlib
installs, to verify the ID token against Portico's published keys). See README.md.

    PORTICO_URL=http://localhost:8000 CLIENT_ID=... CLIENT_SECRET=... python app.py
"""

from __future__ import annotations

import html
import json
import os
import secrets
from http.cookies import SimpleCookie
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

PORTICO_URL = os.environ.get("PORTICO_URL", "http://localhost:8000").rstrip("/")
CLIENT_ID = os.environ["CLIENT_ID"]
CLIENT_SECRET = os.environ.get("CLIENT_SECRET") or None  # unset for a public client
PORT = int(os.environ.get("PORT", "8765"))
REDIRECT_URI = f"http://localhost:{PORT}/callback"
HOME_URI = f"http://localhost:{PORT}/"
SCOPE = "openid profile email phone"
MAX_AGE = 12 * 3600  # accept a Portico sign-in up to 12 hours old

if PORTICO_URL.startswith("http://"):
    os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")  # local development only

METADATA = requests.get(f"{PORTICO_URL}/.well-known/openid-configuration", timeout=10).json()
SESSIONS: dict[str, dict[str, Any]] = {}  # demo only: in memory, lost on restart


def oauth() -> OAuth2Session:
    return OAuth2Session(
        CLIENT_ID, CLIENT_SECRET, scope=SCOPE, redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
    )  # fmt: skip


def verify_id_token(id_token: str, nonce: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(requests.get(METADATA["jwks_uri"], timeout=10).json())
    claims = jwt.decode(id_token, keys, algorithms=["RS256"]).claims
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": METADATA["issuer"]},
        aud={"essential": True, "value": CLIENT_ID},
        nonce={"essential": True, "value": nonce},
        sub={"essential": True},
        auth_time={"essential": True},
    ).validate(claims)
    return claims


class Handler(BaseHTTPRequestHandler):
    def _session(self) -> tuple[str, dict[str, Any]]:
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        sid = cookie["rp_session"].value if "rp_session" in cookie else ""
        if sid not in SESSIONS:
            sid = secrets.token_urlsafe(24)
            SESSIONS[sid] = {}
        return sid, SESSIONS[sid]

    def _send(self, status: int, body: str = "", location: str = "", sid: str = "") -> None:
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        if sid:
            self.send_header("Set-Cookie", f"rp_session={sid}; HttpOnly; SameSite=Lax; Path=/")
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(body.encode())

    def do_GET(self) -> None:
        sid, session = self._session()
        path, _, query = self.path.partition("?")
        if path == "/":
            claims = session.get("claims")
            if not claims:
                self._send(200, '<p><a href="/login">Sign in with Portico ID</a></p>', sid=sid)
                return
            info = oauth()
            info.token = session["token"]
            userinfo = info.get(METADATA["userinfo_endpoint"]).json()
            shown = {"ID token": claims, "userinfo": userinfo}
            self._send(
                200,
                "<h1>Signed in</h1>"
                + "".join(
                    f"<h2>{title}</h2><pre>{html.escape(json.dumps(data, indent=2))}</pre>"
                    for title, data in shown.items()
                )
                + '<p><a href="/refresh">Refresh tokens</a> · <a href="/logout">Sign out</a></p>',
                sid=sid,
            )
        elif path == "/login":
            verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
            url, state = oauth().create_authorization_url(
                METADATA["authorization_endpoint"], code_verifier=verifier, nonce=nonce,
                max_age=MAX_AGE,
            )  # fmt: skip
            session.update(verifier=verifier, nonce=nonce, state=state)
            self._send(302, location=url, sid=sid)
        elif path == "/callback":
            token = oauth().fetch_token(
                METADATA["token_endpoint"],
                authorization_response=f"{REDIRECT_URI}?{query}",
                code_verifier=session.pop("verifier", None),
                state=session.pop("state", None),
            )
            session["claims"] = verify_id_token(token["id_token"], session.pop("nonce", ""))
            session["token"] = dict(token)
            self._send(302, location="/", sid=sid)
        elif path == "/refresh" and session.get("token"):
            token = oauth().refresh_token(
                METADATA["token_endpoint"], refresh_token=session["token"]["refresh_token"]
            )
            session["token"] = dict(token)  # the old refresh token no longer works (rotation)
            self._send(302, location="/", sid=sid)
        elif path == "/logout" and session.get("token"):
            token = session.pop("token")
            session.pop("claims", None)
            oauth().revoke_token(
                METADATA["revocation_endpoint"], token["refresh_token"],
                token_type_hint="refresh_token",
            )  # fmt: skip
            params = {"id_token_hint": token["id_token"], "post_logout_redirect_uri": HOME_URI}
            self._send(302, location=f"{METADATA['end_session_endpoint']}?{urlencode(params)}")
        else:
            self._send(404, "Not found")


if __name__ == "__main__":
    print(f"Relying party on {HOME_URI} (Portico: {PORTICO_URL})")
    ThreadingHTTPServer(("localhost", PORT), Handler).serve_forever()

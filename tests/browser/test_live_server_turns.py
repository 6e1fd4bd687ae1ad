"""The harness itself: the test's statements and the live server's requests take turns on
SQLite's shared connection (``DATABASE_TURN`` in conftest.py). Without the turns this test
fails with "database table is locked", as browser journeys did now and then in CI."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from tests.conftest import mfa_login
from tests.factories.identity import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_test_statements_beside_a_page_that_keeps_requesting(page, live_server, world):
    client = mfa_login(Client(), world.users["billing_clerk"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page.goto("/claims/")
    # Three requests every 20 ms (each reads and writes the session) while this thread signs
    # other users in (each writes a user and a session).
    page.evaluate(
        """() => { window.answered = 0; setInterval(() => { for (let i = 0; i < 3; i++)
           fetch('/claims/').then(r => { if (r.ok) window.answered++; }); }, 20); }"""
    )
    for _ in range(200):
        mfa_login(Client(), UserFactory())
    assert page.evaluate("window.answered") > 10

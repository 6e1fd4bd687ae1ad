"""Browser journeys: Playwright driving Debian's Chromium, axe-core on every page.

The app is served by pytest-django's live server on ``localhost`` (WebAuthn needs that host
name). Nothing is downloaded: Chromium is /usr/bin/chromium and axe-core ships inside the
axe-playwright-python package.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.db import connection, connections
from playwright.sync_api import Error as PlaywrightError

CHROMIUM = os.environ.get("PORTICO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# WCAG 2.1 A and AA rules (axe tags); best-practice rules are reported but do not fail.
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Playwright's sync API runs an event loop in this thread; the live server's database
# access happens in another thread, and the test's own ORM calls are plain sync code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: run `make test` (it installs chromium).")
    from playwright.sync_api import sync_playwright

    # Django keeps a thread's database connections in asgiref's Local, which is thread-local
    # storage until an event loop runs in the thread and context-variable storage from then
    # on. Playwright's loop runs in this thread from here, so the test would get a second
    # connection object; a live server started before this point serves with the first. Two
    # connections to the shared-cache in-memory database lock each other's tables ("database
    # table is locked", seen in CI). The test keeps the connections it had.
    held = {alias: connections[alias] for alias in connections}
    with sync_playwright() as pw:
        for alias, held_connection in held.items():
            connections[alias] = held_connection
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# On SQLite the live server's request thread uses the test's own connection to the in-memory
# database (pytest-django hands it over), so the two threads must not run statements on it at
# the same time: a test statement (signing a second user in, an ORM check between two steps)
# and a request being answered (an htmx poll of a page left open). Each takes its turn: a
# request holds this lock from start to close, a test statement while it runs. The "database
# table is locked" failures seen in CI came from a second connection (see ``browser``), which
# ``_database_turns`` now refuses; the turns guard the one connection the threads share.
DATABASE_TURN = threading.RLock()


def _take_turn(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    with DATABASE_TURN:
        return execute(sql, params, many, context)


@pytest.fixture(autouse=True)
def _database_turns(request: Any) -> Iterator[None]:
    """Serialises the test's statements with the live server's requests (SQLite only; on
    PostgreSQL the server thread has a connection of its own)."""
    if "live_server" not in request.fixturenames or connection.vendor != "sqlite":
        yield
        return
    live_server = request.getfixturevalue("live_server")
    served_with = live_server.thread.connections_override.get(connection.alias)
    assert served_with is connections[connection.alias], "the live server has another connection"
    _requests_in_flight(live_server)
    with connection.execute_wrapper(_take_turn):
        yield


class _RequestsInFlight:
    """The live server's application, counting the requests it has not finished.

    A request still running when a test ends (an htmx poll, the session-timeout status check)
    could hold a statement open while pytest-django empties the tables, which SQLite refuses
    ("database table is locked", seen in CI). The ``page`` fixture waits for this count to
    reach zero after closing the browser context. On SQLite each request also holds
    ``DATABASE_TURN``.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self.idle = threading.Condition()
        self.turns = connection.vendor == "sqlite"  # see DATABASE_TURN

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if self.turns:
            DATABASE_TURN.acquire()
        with self.idle:
            self.count += 1
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self._done()
            raise
        return _Closing(result, self._done)

    def _done(self) -> None:
        with self.idle:
            self.count -= 1
            self.idle.notify_all()
        if self.turns:
            DATABASE_TURN.release()

    def wait_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self.idle:
            while self.count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.idle.wait(left)
        return True


class _Closing:
    """A WSGI response that reports when the server has closed it (Django finishes its request
    — signals, database clean-up — in ``close()``)."""

    def __init__(self, result: Iterable[bytes], done: Any) -> None:
        self.result = result
        self.done = done

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.result)

    def close(self) -> None:
        try:
            close = getattr(self.result, "close", None)
            if close is not None:
                close()
        finally:
            self.done()


def _requests_in_flight(live_server: Any) -> _RequestsInFlight:
    httpd = live_server.thread.httpd
    app = httpd.get_app()
    if not isinstance(app, _RequestsInFlight):
        app = _RequestsInFlight(app)
        httpd.set_app(app)
    return app


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    in_flight = _requests_in_flight(live_server)
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
    assert in_flight.wait_idle(30), "the live server still had requests running after the test"


_axe = Axe()

# No CSS animation running, and no htmx request, swap or settle under way: a fragment that
# arrives while axe-core reads the page (the Claims home's "Recent payments") left axe
# measuring a link being replaced, reported as a colour-contrast failure (seen in CI).
SETTLED = """() =>
    document.readyState === 'complete' && !!document.documentElement &&
    document.getAnimations().every(a => a.playState !== 'running') &&
    !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"""

# What Chromium says when a script runs in a document being replaced by a navigation.
NAVIGATING = ("documentElement", "Execution context was destroyed", "navigat")


def _run_axe(page: Any) -> Any:
    """Run axe-core on the page that is showing once it has loaded and settled.

    A click that follows a link returns as soon as the navigation starts, so a check right
    after it could read a document still being replaced (``null`` documentElement, or a
    destroyed context; seen in CI). Such an attempt waits for the arriving page and is made
    again; any other error, or the same one five times, fails the test.
    """
    for attempt in range(5):
        try:
            page.wait_for_load_state("load")
            # page.evaluate runs through the DevTools protocol, so the page's CSP does not
            # block it (wait_for_function would need 'unsafe-eval').
            for _ in range(100):
                if page.evaluate(SETTLED):
                    break
                page.wait_for_timeout(50)
            return _axe.run(page, options=AXE_OPTIONS)
        except PlaywrightError as error:
            if attempt == 4 or not any(sign in str(error) for sign in NAVIGATING):
                raise
            page.wait_for_timeout(100)
    raise AssertionError("unreachable")


def assert_accessible(page: Any) -> None:
    """Fail on any WCAG 2.1 A/AA violation axe-core finds on the current page.

    Waits for the page to load and for CSS transitions and animations, and htmx swaps, to
    finish first: a dialog caught mid-fade has semi-transparent text, which axe would report
    as a false colour-contrast failure.
    """
    results = _run_axe(page)
    violations = results.response.get("violations", [])
    if violations:
        lines = []
        for v in violations:
            targets = [", ".join(n.get("target", [])) for n in v.get("nodes", [])][:5]
            lines.append(f"{v['id']} ({v.get('impact')}): {v['help']} → {targets}")
        raise AssertionError(
            f"axe-core found {len(violations)} violation(s) on {page.url}:\n" + "\n".join(lines)
        )


@pytest.fixture
def axe_check():
    return assert_accessible

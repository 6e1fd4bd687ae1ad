"""Browser journeys: Playwright driving Debian's Chromium, axe-core on every page.

The app is served by pytest-django's live server on ``localhost`` (WebAuthn needs that host
name). Nothing is downloaded: Chromium is /usr/bin/chromium and axe-core ships inside the
axe-playwright-python package.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

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

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


_axe = Axe()


def assert_accessible(page: Any) -> None:
    """Fail on any WCAG 2.1 A/AA violation axe-core finds on the current page.

    Waits for CSS transitions and animations to finish first: a dialog caught mid-fade has
    semi-transparent text, which axe would report as a false colour-contrast failure.
    """
    # page.evaluate runs through the DevTools protocol, so the page's CSP does not block it
    # (wait_for_function would need 'unsafe-eval').
    for _ in range(100):
        if page.evaluate("() => document.getAnimations().every(a => a.playState !== 'running')"):
            break
        page.wait_for_timeout(50)
    results = _axe.run(page, options=AXE_OPTIONS)
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

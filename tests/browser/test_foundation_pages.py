import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_landing_page_is_accessible_and_offers_every_entry(page, axe_check):
    page.goto("/")
    expect(page.get_by_role("heading", name="Welcome to Portico")).to_be_visible()
    for card in ["Claims Online Portal", "Physician Info Portal", "Referrals Portal"]:
        expect(page.get_by_role("heading", name=card).first).to_be_visible()
    expect(page.get_by_role("link", name="Sign Me Up")).to_be_visible()
    expect(page.get_by_role("link", name="Log in with Portico ID")).to_be_visible()
    axe_check(page)
    # The skip link is the first thing the keyboard reaches and moves focus to the content.
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert "Skip" in focused


def test_error_and_outbox_pages_are_accessible(page, axe_check):
    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)
    page.goto("/dev/outbox/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    axe_check(page)


def _fulfil(status, body):
    def handler(route):
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    return handler


def test_403_500_and_503_pages_are_accessible(page, axe_check, live_server, world):
    """The pages people meet when something is refused or broken: a signed-in office user on
    a staff page (403), on Support without a grant (403 with the way to ask for it), and the
    500 and 503 pages exactly as the handlers render them."""
    from django.conf import settings
    from django.test import Client, RequestFactory

    from portico.core.views import server_error, service_unavailable
    from tests.conftest import mfa_login

    client = mfa_login(Client(), world.users["billing_clerk"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    for path in ("/connect/staff/requests/", "/support/customer/login/"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(page)
    expect(page.get_by_role("link", name="Support access form")).to_be_visible()

    request = RequestFactory().get("/")
    for status, html in (
        (500, server_error(request).content),
        (503, service_unavailable(request).content),
    ):
        # Served at the live server's origin, so the page's own CSS and fonts load.
        url = f"{live_server.url}/__error_{status}__/"
        page.route(url, _fulfil(status, html.decode()))
        assert page.goto(url).status == status
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        axe_check(page)


def test_compliance_audit_trail_is_accessible_and_filters(page, axe_check, live_server):
    from django.conf import settings
    from django.contrib.auth.models import Group, Permission
    from django.test import Client

    from portico.core.audit import audit_record
    from tests.conftest import mfa_login
    from tests.factories.identity import UserFactory

    officer = UserFactory(username="compliance.kay", is_staff=True)
    # Transactional tests flush the data migration's grant; give it again as it made it.
    group, _ = Group.objects.get_or_create(name="compliance")
    group.permissions.add(
        Permission.objects.get(content_type__app_label="core", codename="view_auditevent")
    )
    officer.groups.add(group)
    audit_record(action="portico.trusttest.record_viewed", member_ref="AB12345")
    cookie = mfa_login(Client(), officer).cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
    )
    page.goto("/backoffice/audit/")
    expect(page.get_by_role("heading", level=1, name="Audit trail")).to_be_visible()
    axe_check(page)
    page.get_by_label("Patient or member").fill("AB12345")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("cell", name="AB12345").first).to_be_visible()
    expect(page.get_by_role("link", name="Export these events (CSV)")).to_be_visible()
    axe_check(page)

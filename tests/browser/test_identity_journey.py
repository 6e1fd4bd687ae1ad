"""Portico ID in a real browser: create an account, verify email and phone, set up a passkey
and an authenticator app, then sign in each way. axe-core checks every page visited."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from portico.core.models import OutboxMessage
from portico.identity import services
from portico.identity.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Harbor-Light-73"
NEW_PASSWORD = "Quiet-River-58"


def virtual_authenticator(page: Any) -> Any:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )
    return cdp


def outbox_code(channel: str, to: str) -> str:
    for _ in range(50):
        message = OutboxMessage.objects.filter(channel=channel, to=to).order_by("-id").first()
        if message and message.codes:
            return message.codes[0]
        time.sleep(0.1)
    raise AssertionError(f"no {channel} code for {to}")


def totp(secret: str) -> str:
    """RFC 6238 with allauth's own HOTP helper (30-second periods, 6 digits)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def visit(page: Any, axe_check: Any, path: str) -> None:
    page.goto(path)
    axe_check(page)


def fill_signup(page: Any, axe_check: Any, *, username: str, email: str, phone: str) -> None:
    visit(page, axe_check, "/id/signup/")
    page.get_by_label("First name").fill("Dana")
    page.get_by_label("Last name").fill("Whitfield")
    page.get_by_label("Year of birth").fill("1984")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Create Portico ID username").fill(username)
    page.get_by_label("Country code").select_option("US")
    page.get_by_label("Phone number").fill(phone)
    page.locator("#id_password1").fill(PASSWORD)
    page.get_by_label("Confirm password").fill(PASSWORD)
    # USWDS draws its own checkbox over the input: click the label, as a person does.
    page.locator("label[for=id_accept_terms]").click()
    page.locator("label[for=id_accept_privacy]").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/id/confirm-email/")
    axe_check(page)


def sign_out(page: Any, axe_check: Any) -> None:
    page.get_by_role("button", name="Sign out").first.click()
    page.wait_for_load_state()
    axe_check(page)


@pytest.fixture(autouse=True)
def _legal_documents(transactional_db: Any) -> None:
    services.legal_defaults_publish()


def test_full_journey_passkey_then_authenticator_then_password_change(page, axe_check):
    virtual_authenticator(page)
    email = "dana.whitfield@example.org"
    fill_signup(page, axe_check, username="dwhitfield", email=email, phone="202 555 0143")

    # Email: the code from the outbox.
    page.get_by_label("Activation code").fill(outbox_code("email", email))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url("**/id/phone/verify/")
    axe_check(page)

    # Phone: a text message.
    page.get_by_role("button", name="Text message").click()
    page.wait_for_url("**/id/phone/verify/?channel=sms")
    axe_check(page)
    page.get_by_label("Verification code").fill(outbox_code("sms", "+12025550143"))
    page.get_by_role("button", name="Verify", exact=True).click()
    expect(page.get_by_role("heading", name="Phone number verified")).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/id/mfa/setup/?next=*")
    axe_check(page)

    # Passkey (discoverable, user-verifying virtual authenticator).
    page.get_by_role("link", name="Set up a passkey").click()
    page.wait_for_url("**/id/2fa/webauthn/add/?next=*")
    axe_check(page)
    # Opened from the set-up step, the breadcrumb leads back there, not to My Profile.
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("link", name="Faster and more secure sign-in")).to_be_visible()
    expect(crumbs.get_by_role("link", name="My Profile")).to_have_count(0)
    page.get_by_role("button", name="Create passkey").click()
    page.wait_for_url("**/id/2fa/recovery-codes/")
    axe_check(page)
    assert page.locator("#recovery_codes li").count() == 10
    page.get_by_role("link", name=re.compile("back to set-up")).click()
    page.wait_for_url("**/id/mfa/setup/")

    # Authenticator app: compute the code from the secret shown.
    page.get_by_role("link", name="Set up an authenticator app").click()
    page.wait_for_url("**/id/2fa/totp/activate/?next=*")
    axe_check(page)
    secret = page.locator("#authenticator_secret").inner_text().strip()
    qr_code = page.locator("img.portico-qr").get_attribute("src")
    # The app scanned this code: a reload shows the same secret and QR code.
    page.reload()
    assert page.locator("#authenticator_secret").inner_text().strip() == secret
    assert page.locator("img.portico-qr").get_attribute("src") == qr_code
    # A wrong code says what to do at activation (recovery codes do not apply here).
    page.get_by_label("Authenticator code").fill("000000" if totp(secret) != "000000" else "111111")
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#id_code_error")).to_contain_text("That code does not match")
    axe_check(page)
    assert "recovery code" not in page.content().lower()
    assert page.locator("#authenticator_secret").inner_text().strip() == secret
    activated_in = int(time.time()) // 30
    page.get_by_label("Authenticator code").fill(totp(secret))
    page.get_by_role("button", name="Activate").click()
    page.wait_for_url("**/id/2fa/")
    axe_check(page)
    page.get_by_role("link", name="Back to set-up").click()
    page.wait_for_url("**/id/mfa/setup/")
    axe_check(page)
    # Set-up methods read as a status ("Set up ✓"), not as a button or link.
    done = page.locator(".portico-factor-status")
    expect(done).to_have_count(2)
    expect(done.first).to_have_text("Passkey: Set up ✓")
    expect(page.get_by_role("link", name="Set up an authenticator app")).to_have_count(0)
    expect(page.get_by_role("button", name=re.compile("^Set up"))).to_have_count(0)
    page.get_by_role("link", name="Continue").click()

    # Set-up done, the new user lands on My Profile, which shows the Portico ID.
    page.wait_for_url("**/id/profile/")
    axe_check(page)
    assert page.locator("#portico-id-username").inner_text() == "dwhitfield"
    sign_out(page, axe_check)

    # Sign in with the passkey, no username.
    visit(page, axe_check, "/id/login/")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.wait_for_url(lambda url: "/id/login/" not in url)
    visit(page, axe_check, "/id/profile/")
    assert page.locator("#portico-id-username").inner_text() == "dwhitfield"
    sign_out(page, axe_check)

    # Sign in with password + authenticator code.
    visit(page, axe_check, "/id/login/")
    page.get_by_label("Portico ID username or email address").fill("dwhitfield")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/id/2fa/authenticate/")
    axe_check(page)
    # A code is accepted once: wait for the period after the one used at activation.
    while int(time.time()) // 30 == activated_in:
        time.sleep(0.5)
    page.locator("#id_code").fill(totp(secret))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url(lambda url: "/2fa/authenticate/" not in url)

    # Change the password.
    visit(page, axe_check, "/id/password/change/")
    page.get_by_label("Current password").fill(PASSWORD)
    page.locator("#id_password1").fill(NEW_PASSWORD)
    page.locator("#id_password2").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()
    page.wait_for_load_state()
    axe_check(page)
    assert User.objects.get(username="dwhitfield").check_password(NEW_PASSWORD)
    sign_out(page, axe_check)


def test_email_link_and_voice_call_verification(page, axe_check):
    email = "lee.ortiz@example.org"
    fill_signup(page, axe_check, username="lortiz01", email=email, phone="310 555 0117")
    message = OutboxMessage.objects.filter(channel="email", to=email).order_by("-id").first()
    link = next(link for link in message.links if "/id/email/activate/" in link)
    page.goto(link)
    axe_check(page)
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url("**/id/phone/verify/")

    page.get_by_role("button", name="Call").click()
    page.wait_for_url("**/id/phone/verify/?channel=voice")
    axe_check(page)
    shown = page.locator(".portico-code--large").inner_text().strip()
    assert re.fullmatch(r"\d{6}", shown)
    # Answer the call in the development outbox, in another tab.
    outbox = page.context.new_page()
    outbox.goto("/dev/outbox/?channel=voice")
    axe_check(outbox)
    outbox.locator(".usa-accordion__button").first.click()
    outbox.get_by_label("Digits to key in").fill(shown)
    outbox.get_by_role("button", name="Answer call and key in code").click()
    # Closing the tab while its form post is still navigating can hang Playwright's close()
    # (seen in CI): wait for the outbox's answer first — it is also what the user reads.
    outbox.get_by_text("Call answered: the code was accepted.").wait_for()
    outbox.close()
    # htmx polling notices without a reload.
    page.get_by_role("heading", name="Phone number verified").wait_for(timeout=15_000)
    axe_check(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/id/mfa/setup/?next=*")
    assert User.objects.get(username="lortiz01").phone_verified


def test_skip_phone_then_use_phone_factor_later_blocked_until_verified(page, axe_check):
    email = "sam.okafor@example.org"
    fill_signup(page, axe_check, username="sokafor01", email=email, phone="617 555 0199")
    page.get_by_label("Activation code").fill(outbox_code("email", email))
    page.get_by_role("button", name="Verify", exact=True).click()
    page.wait_for_url("**/id/phone/verify/")
    page.get_by_role("button", name="Skip").click()
    page.wait_for_url("**/id/mfa/setup/?next=*")
    axe_check(page)
    expect(page.get_by_role("link", name="Verify my phone first")).to_be_visible()
    assert not User.objects.get(username="sokafor01").phone_verified
    # Without a factor, application pages are out of reach.
    page.goto("/id/profile/")
    assert "/id/mfa/setup/" in page.url

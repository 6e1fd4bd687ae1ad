"""Setting up an authenticator app and the "Switch to faster and more secure sign-in methods"
step: the secret stays put until activation, a wrong code gets an activation message, a set-up
method reads as a status, and the step's links lead back to it."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.utils import get_form_class
from freezegun import freeze_time

from portico.identity import crypto, forms
from tests.conftest import mfa_login
from tests.factories.identity import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ACTIVATE = "/id/2fa/totp/activate/"
SETUP = "/id/mfa/setup/"


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def shown_secret(html: str) -> str:
    return re.search(r'id="authenticator_secret">([A-Z2-7]+)<', html).group(1)


def qr(html: str) -> str:
    return re.search(r'class="portico-qr" src="([^"]+)"', html).group(1)


def breadcrumb(html: str) -> str:
    return re.search(r'<nav class="usa-breadcrumb".*?</nav>', html, re.S).group(0)


@pytest.fixture
def signed_in(client):
    UserFactory(username="appuser01")
    response = client.post("/id/login/", {"login": "appuser01", "password": PASSWORD})
    assert response["Location"] == SETUP
    return client


def test_allauth_uses_portico_activation_form():
    assert get_form_class(mfa_settings.FORMS, "activate_totp", None) is forms.ActivateTOTPForm


def test_the_secret_and_qr_code_stay_the_same_on_reload(signed_in):
    first = signed_in.get(ACTIVATE).content.decode()
    again = signed_in.get(ACTIVATE).content.decode()
    assert shown_secret(first) == shown_secret(again)
    assert qr(first) == qr(again)
    # A wrong code does not change it either.
    wrong = signed_in.post(ACTIVATE, {"code": "000000"}).content.decode()
    assert shown_secret(wrong) == shown_secret(first)
    # The app that scanned the first page's code activates after a reload.
    signed_in.get(ACTIVATE)
    response = signed_in.post(ACTIVATE, {"code": totp_now(shown_secret(first))})
    assert response.status_code == 302
    user = Authenticator.objects.get(type="totp").user
    stored = Authenticator.objects.get(user=user, type="totp").data["secret"]
    assert crypto.decrypt(stored) == shown_secret(first)


def test_a_new_set_up_after_activation_gets_a_new_secret(signed_in):
    first = shown_secret(signed_in.get(ACTIVATE).content.decode())
    signed_in.post(ACTIVATE, {"code": totp_now(first)})
    Authenticator.objects.filter(type="totp").delete()  # removed (directly: its only factor)
    assert shown_secret(signed_in.get(ACTIVATE).content.decode()) != first


def test_the_pending_secret_expires(signed_in, monkeypatch):
    # Shorter than the idle timeout and the re-authentication window, to test it alone.
    monkeypatch.setattr(forms, "TOTP_SETUP_MAX_AGE_SECONDS", 3 * 60)
    with freeze_time() as frozen:
        first = shown_secret(signed_in.get(ACTIVATE).content.decode())
        frozen.tick(2 * 60)
        assert shown_secret(signed_in.get(ACTIVATE).content.decode()) == first
        frozen.tick(60 + 1)
        # Sent after expiry: refused with a clear message and a new secret to add.
        page = signed_in.post(ACTIVATE, {"code": "123456"}).content.decode()
        assert "This set-up has expired" in page
        second = shown_secret(page)
        assert second != first
        assert shown_secret(signed_in.get(ACTIVATE).content.decode()) == second


def test_a_wrong_code_at_activation_says_nothing_of_recovery_codes(signed_in):
    shown_secret(signed_in.get(ACTIVATE).content.decode())
    page = signed_in.post(ACTIVATE, {"code": "000000"}).content.decode()
    assert "That code does not match" in page
    assert "recovery code" not in page.lower()
    assert not Authenticator.objects.filter(type="totp").exists()


def test_a_wrong_code_at_sign_in_still_mentions_recovery_codes(client):
    user = UserFactory(username="appuser02")
    Authenticator.objects.create(
        user=user, type="totp", data={"secret": crypto.encrypt("JBSWY3DPEHPK3PXP")}
    )
    client.post("/id/login/", {"login": "appuser02", "password": PASSWORD})
    page = client.post("/id/2fa/authenticate/", {"code": "000000"}).content.decode()
    assert "Check your app or recovery code" in page


def test_setup_links_carry_a_next_back_to_the_step(signed_in):
    page = signed_in.get(SETUP).content.decode()
    assert f'href="{ACTIVATE}?next=%2Fid%2Fmfa%2Fsetup%2F"' in page
    assert 'href="/id/2fa/webauthn/add/?next=%2Fid%2Fmfa%2Fsetup%2F"' in page
    activate = signed_in.get(f"{ACTIVATE}?next=/id/mfa/setup/").content.decode()
    crumbs = breadcrumb(activate)
    assert 'href="/id/mfa/setup/"' in crumbs and "Faster and more secure sign-in" in crumbs
    assert "My Profile" not in crumbs
    assert '<input type="hidden" name="next" value="/id/mfa/setup/">' in activate
    passkey = signed_in.get("/id/2fa/webauthn/add/?next=/id/mfa/setup/").content.decode()
    assert "Faster and more secure sign-in" in breadcrumb(passkey)


def test_a_next_elsewhere_is_ignored_and_my_profile_stays_the_crumb(client):
    user = UserFactory(username="appuser03")
    mfa_login(client, user)
    for target in ("https://evil.example/", "/id/profile/"):
        page = client.get(f"{ACTIVATE}?next={target}").content.decode()
        crumbs = breadcrumb(page)
        assert "My Profile" in crumbs and "evil" not in page
        assert "Faster and more secure sign-in" not in crumbs


def test_a_set_up_method_reads_as_a_status_not_a_button(signed_in):
    secret = shown_secret(signed_in.get(f"{ACTIVATE}?next={SETUP}").content.decode())
    response = signed_in.post(f"{ACTIVATE}?next={SETUP}", {"code": totp_now(secret)})
    assert response.status_code == 302
    page = signed_in.get(SETUP).content.decode()
    card = re.search(r"Authenticator</h2>.*?</li>", page, re.S).group(0)
    assert "usa-tag" not in card and "usa-button" not in card
    assert re.search(
        r'<span class="portico-status portico-status--completed[^"]*">'
        r'<span class="usa-sr-only">Authenticator app: </span>Set up'
        r'<span aria-hidden="true"> ✓</span></span>',
        card,
    )
    assert "Setup</a>" not in card


def test_after_activation_the_way_back_to_the_step_remains(signed_in):
    setup = signed_in.get(SETUP).content.decode()
    link = re.search(r'href="(/id/2fa/totp/activate/[^"]*)"', setup).group(1)
    secret = shown_secret(signed_in.get(link).content.decode())
    response = signed_in.post(f"{ACTIVATE}?next={SETUP}", {"code": totp_now(secret)})
    # allauth shows the new recovery codes first; from there the user returns to the step.
    page = signed_in.get(response["Location"]).content.decode()
    assert 'href="/id/mfa/setup/"' in breadcrumb(page)
    assert "back to set-up" in page


def test_the_secret_survives_confirming_it_is_you(signed_in):
    """After the re-authentication window the page asks for the password first; the QR code
    shown before is still the one shown after."""
    with freeze_time() as frozen:
        first = shown_secret(signed_in.get(f"{ACTIVATE}?next={SETUP}").content.decode())
        frozen.tick(6 * 60)
        response = signed_in.get(f"{ACTIVATE}?next={SETUP}")
        assert response.status_code == 302 and "/reauthenticate/" in response["Location"]
        done = signed_in.post(response["Location"], {"password": PASSWORD})
        assert done["Location"] == f"{ACTIVATE}?next={SETUP}"
        page = signed_in.get(done["Location"]).content.decode()
        assert shown_secret(page) == first
        assert "Faster and more secure sign-in" in breadcrumb(page)

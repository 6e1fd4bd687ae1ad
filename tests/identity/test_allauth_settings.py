"""allauth reads its settings through Portico's remembering getter: the same answers as
allauth's own (the setting, else allauth's default), and a changed setting is seen at once."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from django.conf import settings as django_settings

from portico.config import allauth_settings


def test_allauth_uses_the_getter():
    assert django_settings.ALLAUTH_SETTING_GETTER is allauth_settings.get


def test_a_setting_left_unset_gives_allauths_default(settings):
    assert not hasattr(django_settings, "ACCOUNT_LOGIN_BY_CODE_REQUIRED")
    assert account_settings.LOGIN_BY_CODE_REQUIRED is False
    assert allauth_settings.get("ACCOUNT_NO_SUCH_SETTING", "the default") == "the default"


def test_a_changed_setting_is_seen_at_once(settings):
    before = account_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS
    settings.ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = before + 7
    assert before + 7 == account_settings.EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS
    settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED = True  # was unset: now set
    assert account_settings.LOGIN_BY_CODE_REQUIRED is True
    del settings.ACCOUNT_LOGIN_BY_CODE_REQUIRED  # and unset again
    assert account_settings.LOGIN_BY_CODE_REQUIRED is False

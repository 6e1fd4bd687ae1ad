"""Writes of the identity module. Each runs in a transaction and appends its audit event.

allauth performs the flows (sign-up, email verification, MFA enrolment, sessions); these
functions are what Portico adds or records around them: profile fields and legal acceptance
at sign-up, phone verification by text or call, the phone factor, password history and expiry,
the sign-in lockout, and the staff back office's actions.
"""

from portico.identity.services._common import ANONYMOUS, auth_event_record
from portico.identity.services.accounts import (
    account_register,
    email_change_record,
    legal_accept,
    legal_defaults_publish,
    password_change,
    password_expiry_reminders_send,
    preferences_update,
    unverified_accounts_purge,
    username_change,
)
from portico.identity.services.phone import (
    PHONE_CHECK_MESSAGES,
    VOICE_CALLBACK,
    PhoneCheck,
    PhoneCodeSent,
    PhoneRateLimited,
    mfa_enrolled,
    phone_code_check,
    phone_code_send,
    phone_factor_disable,
    phone_factor_enable,
    phone_update,
    phone_verification_skip,
    phone_voice_answer,
)
from portico.identity.services.security import (
    lockout_wait,
    login_failure_record,
    login_success_reset,
    sessions_end,
    signed_in,
    user_deactivate,
    user_lock,
    user_mfa_reset,
    user_reactivate,
    user_unlock,
)

__all__ = [
    "ANONYMOUS",
    "PHONE_CHECK_MESSAGES",
    "VOICE_CALLBACK",
    "PhoneCheck",
    "PhoneCodeSent",
    "PhoneRateLimited",
    "account_register",
    "auth_event_record",
    "email_change_record",
    "legal_accept",
    "legal_defaults_publish",
    "lockout_wait",
    "login_failure_record",
    "login_success_reset",
    "mfa_enrolled",
    "password_change",
    "password_expiry_reminders_send",
    "phone_code_check",
    "phone_code_send",
    "phone_factor_disable",
    "phone_factor_enable",
    "phone_update",
    "phone_verification_skip",
    "phone_voice_answer",
    "preferences_update",
    "sessions_end",
    "signed_in",
    "unverified_accounts_purge",
    "user_deactivate",
    "user_lock",
    "user_mfa_reset",
    "user_reactivate",
    "user_unlock",
    "username_change",
]

"""Identity (Portico ID) settings: django-allauth accounts, MFA, passkeys, sessions, OIDC.

Kept apart from base.py because the identity module owns it; base.py imports it last.
"""

from __future__ import annotations

from datetime import timedelta

import environ
from celery.schedules import crontab

from portico.config import allauth_settings

env = environ.Env()

# allauth reads its settings through this getter, which remembers them (config/allauth_settings).
ALLAUTH_SETTING_GETTER = allauth_settings.get

# --- Accounts ---------------------------------------------------------------
ACCOUNT_ADAPTER = "portico.identity.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "signup": "portico.identity.forms.SignupForm",
    "login": "portico.identity.forms.LoginForm",
    "confirm_email_verification_code": "portico.identity.forms.EmailCodeForm",
}
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_TIMEOUT = env.int(
    "PORTICO_EMAIL_CODE_TIMEOUT_SECONDS", default=15 * 60
)
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_MAX_ATTEMPTS = 5
# The source document's activation code: six digits (the outbox and tests find it as such).
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_RESEND = True
ACCOUNT_EMAIL_VERIFICATION_SUPPORTS_CHANGE = True
ACCOUNT_EMAIL_VERIFICATION_MAX_RESEND_COUNT = 3
ACCOUNT_EMAIL_VERIFICATION_MAX_CHANGE_COUNT = 2
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_USERNAME_MIN_LENGTH = 6
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = ""
# Changing the email address or password needs a sign-in within the timeout (else "Confirm it
# is you"): a stolen session alone cannot take the account over by changing its email.
ACCOUNT_REAUTHENTICATION_REQUIRED = True
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/30s/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    # Portico's "Forgot username" (emails the usernames of an address).
    "forgot_username": "10/m/ip,3/h/key",
}

# --- MFA: passkeys, authenticator apps, recovery codes (allauth) and phone (Portico).
# Email is never a factor. ------------------------------------------------------------
MFA_ADAPTER = "portico.identity.adapter.MFAAdapter"
MFA_FORMS = {
    "add_webauthn": "portico.identity.forms.AddPasskeyForm",
    # Keeps the pending authenticator-app secret across reloads (allauth's form makes anew).
    "activate_totp": "portico.identity.forms.ActivateTOTPForm",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env.bool("MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN", default=False)
MFA_TOTP_ISSUER = env.str("PORTICO_IDP_NAME", default="Portico ID")
MFA_RECOVERY_CODE_COUNT = 10
PORTICO_MFA_REQUIRED = env.bool("PORTICO_MFA_REQUIRED", default=True)
# TOTP secrets are encrypted at rest with a Fernet key derived from this value. Profiles
# set it (local: a generated file under var/; production: the environment, required).
PORTICO_TOTP_ENCRYPTION_KEY = env.str("PORTICO_TOTP_ENCRYPTION_KEY", default="")

# --- Phone verification and the phone factor (text message or voice call) -------------
PORTICO_PHONE_CODE_TIMEOUT_SECONDS = env.int("PORTICO_PHONE_CODE_TIMEOUT_SECONDS", default=10 * 60)
PORTICO_PHONE_CODE_MAX_ATTEMPTS = 5
PORTICO_PHONE_RESEND_INTERVAL_SECONDS = 30
PORTICO_PHONE_SENDS_PER_HOUR = 6
PORTICO_PHONE_DEFAULT_REGION = env.str("PORTICO_PHONE_DEFAULT_REGION", default="US")

# --- Sign-in throttling (Keycloak-style temporary lockout) -----------------------------
PORTICO_LOCKOUT_THRESHOLD = env.int("PORTICO_LOCKOUT_THRESHOLD", default=10)
PORTICO_LOCKOUT_BASE_SECONDS = env.int("PORTICO_LOCKOUT_BASE_SECONDS", default=60)
PORTICO_LOCKOUT_MAX_SECONDS = env.int("PORTICO_LOCKOUT_MAX_SECONDS", default=15 * 60)

# --- Sessions list ("sign out other sessions") --------------------------------
USERSESSIONS_TRACK_ACTIVITY = True
# Seconds before the idle timeout at which the warning dialog appears.
PORTICO_SESSION_WARNING_SECONDS = env.int("PORTICO_SESSION_WARNING_SECONDS", default=120)

# --- Identity middleware, appended to MIDDLEWARE by base.py ------------------------
IDENTITY_MIDDLEWARE: list[str] = [
    "portico.identity.middleware.IdleTimeoutMiddleware",
    "portico.identity.middleware.MFARequiredMiddleware",
    "portico.identity.middleware.PasswordExpiryMiddleware",
    "portico.identity.middleware.EmailCodeExpiryNoticeMiddleware",
]
# Paths a signed-in user may reach before MFA (prefixes; identity's own pages are added
# by the middleware from the URL names it knows).
PORTICO_MFA_EXEMPT_PATHS = [
    "/id/",
    "/static/",
    "/healthz",
    "/readyz",
    "/dev/outbox/",
    "/help/",
    "/contact/",
    "/.well-known/",
    "/identity/o/api/",  # OIDC token/userinfo/revoke: bearer tokens, not the browser session
    "/terms/",
    "/privacy/",
    "/i18n/",
]

# --- Password policy: named profile, "seed" (the documents' rules) by default -------
PORTICO_PASSWORD_POLICY = env.str("PORTICO_PASSWORD_POLICY", default="seed")
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "portico.identity.passwords.PolicyValidator"},
    {"NAME": "portico.identity.passwords.PasswordHistoryValidator"},
]
PORTICO_PASSWORD_REMINDER_DAYS = 14

# --- Clean-up of sign-ups that never verified their email ---------------------------
PORTICO_UNVERIFIED_ACCOUNT_TTL = timedelta(
    hours=env.int("PORTICO_UNVERIFIED_ACCOUNT_TTL_HOURS", default=72)
)

# Periodic identity tasks (celery beat reads CELERY_BEAT_SCHEDULE).
CELERY_BEAT_SCHEDULE = {
    "identity-password-expiry-reminders": {
        "task": "portico.identity.password_expiry_reminders",
        "schedule": crontab(hour=6, minute=0),
    },
    "identity-purge-unverified-accounts": {
        "task": "portico.identity.purge_unverified_accounts",
        "schedule": crontab(minute=17),
    },
}

USERSESSIONS_ADAPTER = "portico.identity.adapter.UserSessionsAdapter"

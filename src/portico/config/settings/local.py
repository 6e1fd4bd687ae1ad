"""Embedded default profile (``make run``): SQLite, local files, eager Celery, outbox."""

from __future__ import annotations

from portico.config.settings._keys import dev_rsa_private_key, dev_secret
from portico.config.settings.base import *  # noqa: F403
from portico.config.settings.base import VAR_DIR, env

# The demo answers as the product does (its own 404 and error pages, not Django's debug
# pages that list every URL); DEBUG=true brings those back for development.
DEBUG = env.bool("DEBUG", default=False)
# Static files straight from the apps (no collectstatic step), also without DEBUG.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECRET_KEY = SECRET_KEY or dev_secret(VAR_DIR, "secret-key.txt")
ALLOWED_HOSTS = ALLOWED_HOSTS or ["localhost", "127.0.0.1", "[::1]"]
IDP_OIDC_PRIVATE_KEY = IDP_OIDC_PRIVATE_KEY or dev_rsa_private_key(VAR_DIR)
PORTICO_TOTP_ENCRYPTION_KEY = env.str(
    "PORTICO_TOTP_ENCRYPTION_KEY", default=dev_secret(VAR_DIR, "totp-key.txt")
)
PORTICO_OUTBOX_ENABLED = env.bool("PORTICO_OUTBOX_ENABLED", default=True)
# Passkeys work on http://localhost in development (browsers treat it as secure).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True

"""Test profile: SQLite in memory unless DATABASE_URL names another database."""

from __future__ import annotations

import tempfile
from pathlib import Path

from portico.config.settings._keys import dev_rsa_private_key
from portico.config.settings.base import *  # noqa: F403
from portico.config.settings.base import env

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdefghijklmnop"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver"]
if not env.str("DATABASE_URL", default=""):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
_tmp = Path(tempfile.gettempdir()) / "portico-test"
_tmp.mkdir(exist_ok=True)
IDP_OIDC_PRIVATE_KEY = dev_rsa_private_key(_tmp)
PORTICO_TOTP_ENCRYPTION_KEY = "test-totp-encryption-key"
PASSWORD_HASHERS = [  # speed only in tests
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "portico.identity.oidc.ClientSecretHasher",
]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(_tmp / "files")},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "portico.core.mail.OutboxEmailBackend"
PORTICO_OUTBOX_ENABLED = True
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
ACCOUNT_RATE_LIMITS = False  # type: ignore[assignment]
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Each test process keeps its own cache and database-backed sessions: a Redis cache (REDIS_URL
# is set in CI) would be shared by the parallel workers and outlive each test. The tests that
# need Redis (the real Celery worker, the broker outage) read REDIS_URL themselves.
CACHES = {
    "default": {
        "BACKEND": "portico.core.cache.LocalMemoryCache",
        "LOCATION": "portico-test",
    }
}
SESSION_ENGINE = "portico.identity.sessions"

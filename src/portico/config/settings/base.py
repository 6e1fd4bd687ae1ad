"""Settings shared by every profile.

All environment variables are read here (and only here) through django-environ; the
variables are documented in docs/operations.md. Profiles (local/test/production) override.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab

# ---------------------------------------------------------------------------
# Paths and environment
# ---------------------------------------------------------------------------
SRC_DIR = Path(__file__).resolve().parents[2]  # src/portico
REPO_DIR = SRC_DIR.parents[1]

env = environ.Env()
VAR_DIR = Path(env.str("PORTICO_VAR_DIR", default=str(REPO_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
PORTICO_BASE_URL = env.str("PORTICO_BASE_URL", default="http://localhost:8000")

# ---------------------------------------------------------------------------
# Applications
# ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "allauth.idp.oidc",
    # Portico: kernel, identity, shared domain, portals, composition.
    "portico.core",
    "portico.identity",
    "portico.organizations",
    "portico.members",
    "portico.codes",
    "portico.documents",
    "portico.support",
    "portico.referrals",
    "portico.priorauth",
    "portico.claims",
    "portico.remittance",
    "portico.patientinfo",
    "portico.api",
    "portico.connect",
    "portico.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "portico.core.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "portico.config.urls"
WSGI_APPLICATION = "portico.config.wsgi.application"
ASGI_APPLICATION = "portico.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [SRC_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portico.core.context_processors.brand",
            ],
        },
    }
]

# ---------------------------------------------------------------------------
# Database (SQLite in WAL mode under var/ by default; PostgreSQL via DATABASE_URL)
# ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'portico.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web process and in-process tasks share the file.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
# Persistent connections for both databases: opening a SQLite connection (the PRAGMAs above,
# Django's SQL functions) costs 2–3 ms of CPU, more than most requests' own queries.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Cache, sessions (database/local memory by default; Redis via REDIS_URL)
# ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
else:
    CACHES = {
        "default": {
            "BACKEND": "portico.core.cache.LocalMemoryCache",
            "LOCATION": "portico",
        }
    }
    # Django's database sessions, writing a signed-in session once (identity/sessions.py).
    SESSION_ENGINE = "portico.identity.sessions"

# ---------------------------------------------------------------------------
# Security (DESIGN.md §6)
# ---------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "portico_session"
# Absolute timeout; the idle timeout is enforced by identity's session middleware.
SESSION_COOKIE_AGE = env.int("PORTICO_SESSION_ABSOLUTE_SECONDS", default=12 * 3600)
PORTICO_SESSION_IDLE_SECONDS = env.int("PORTICO_SESSION_IDLE_SECONDS", default=15 * 60)
X_FRAME_OPTIONS = "DENY"
CSRF_FAILURE_VIEW = "portico.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=()"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

AUTH_USER_MODEL = "identity.User"
PASSWORD_HASHERS = [
    # argon2id; parameters chosen in docs/decisions/0003-password-hashing.md.
    "portico.identity.hashers.PorticoArgon2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Last: only OIDC client secrets (high-entropy random values) use it; see identity.oidc.
    "portico.identity.oidc.ClientSecretHasher",
]
# One backend: allauth's with Portico's look-up (identity/backends.py says why not two).
AUTHENTICATION_BACKENDS = ["portico.identity.backends.PorticoAuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "connect:home"
LOGOUT_REDIRECT_URL = "/"

# ---------------------------------------------------------------------------
# Internationalisation
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = env.str("PORTICO_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static and uploaded files
# ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
PORTICO_STORAGE = env.str("PORTICO_STORAGE", default="local")
PRIVATE_MEDIA_ROOT = VAR_DIR / "files"
if PORTICO_STORAGE == "s3":
    _private_storage: dict = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME", default="portico"),
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("AWS_S3_REGION_NAME", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Outside every static root; served only through permission-checked views.
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _private_storage,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
PORTICO_UPLOAD_MAX_BYTES = env.int("PORTICO_UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)

# ---------------------------------------------------------------------------
# Email, SMS, voice (outbox in development; SMTP and an HTTP gateway in production)
# ---------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="outbox://")
if EMAIL_URL.startswith("outbox:"):
    EMAIL_BACKEND = "portico.core.mail.OutboxEmailBackend"
else:
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Portico <no-reply@portico.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
PORTICO_SMS_GATEWAY = env.str("PORTICO_SMS_GATEWAY", default="outbox")
PORTICO_SMS_GATEWAY_URL = env.str("PORTICO_SMS_GATEWAY_URL", default="")
PORTICO_SMS_GATEWAY_ACCOUNT = env.str("PORTICO_SMS_GATEWAY_ACCOUNT", default="")
PORTICO_SMS_GATEWAY_TOKEN = env.str("PORTICO_SMS_GATEWAY_TOKEN", default="")
PORTICO_SMS_FROM = env.str("PORTICO_SMS_FROM", default="+18005550100")
# Seconds to wait for the gateway: the user is waiting on the page for the code to go out.
PORTICO_SMS_GATEWAY_TIMEOUT = env.float("PORTICO_SMS_GATEWAY_TIMEOUT", default=10.0)
PORTICO_OUTBOX_ENABLED = env.bool("PORTICO_OUTBOX_ENABLED", default=False)
# Days an access form's e-signature link (emailed to each signer) stays valid.
PORTICO_ESIGN_LINK_DAYS = env.int("PORTICO_ESIGN_LINK_DAYS", default=14)
# Minutes before "Send the link again" may send a signer's link once more.
PORTICO_ESIGN_RESEND_MINUTES = env.int("PORTICO_ESIGN_RESEND_MINUTES", default=10)
# Stored files no row references are deleted once older than this (portico storage sweep).
PORTICO_STORAGE_SWEEP_GRACE_HOURS = env.float("PORTICO_STORAGE_SWEEP_GRACE_HOURS", default=24.0)

# ---------------------------------------------------------------------------
# Background work (Celery; eager in-process by default)
# ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# ---------------------------------------------------------------------------
# Branding and contacts: configuration, never a real company's trademark by default.
# ---------------------------------------------------------------------------
PORTICO_BRAND = {
    "site_name": env.str("PORTICO_SITE_NAME", default="Portico"),
    "idp_name": env.str("PORTICO_IDP_NAME", default="Portico ID"),
    "organization_name": env.str("PORTICO_ORG_NAME", default="Portico Health Services"),
    "support_hours": env.str(
        "PORTICO_SUPPORT_HOURS", default="Monday–Friday, 8:00 a.m. – 7:00 p.m. Eastern"
    ),
    "support_phone": env.str("PORTICO_SUPPORT_PHONE", default="1-800-555-0142"),
    "support_email": env.str("PORTICO_SUPPORT_EMAIL", default="support@portico.example"),
    "service_desk_fax": env.str("PORTICO_SERVICE_DESK_FAX", default="(310) 555-0117"),
    "idp_support_phone": env.str("PORTICO_IDP_SUPPORT_PHONE", default="1-800-555-0199"),
    "idp_support_hours": env.str(
        "PORTICO_IDP_SUPPORT_HOURS", default="Monday–Friday, 9:00 a.m. – 6:00 p.m. Eastern"
    ),
    # The numbers sign-in codes are texted and called from (the Help Center names them so a
    # user can ask their carrier not to block them): PORTICO_SMS_FROM unless listed here.
    "code_sender_numbers": env.str("PORTICO_CODE_SENDER_NUMBERS", default="") or PORTICO_SMS_FROM,
}

# ---------------------------------------------------------------------------
# Logging: structured enough to grep, never PHI in messages.
# ---------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "filters": {"forbidden": {"()": "portico.core.logfilters.ForbiddenWithoutTraceback"}},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["forbidden"]},
    },
}

AUDIT_RETENTION = timedelta(days=env.int("PORTICO_AUDIT_RETENTION_DAYS", default=2192))

# Identity and OIDC sections live in their own files (owned by the identity module).
from portico.config.settings.identity import *  # noqa: E402,F403
from portico.config.settings.oidc import *  # noqa: E402,F403

MIDDLEWARE = MIDDLEWARE + IDENTITY_MIDDLEWARE

# Periodic work of every module (celery beat; docs/operations.md, "Periodic tasks"). Identity's
# own entries come from settings/identity.py.
CELERY_BEAT_SCHEDULE = {
    **CELERY_BEAT_SCHEDULE,
    "identity-purge-consumed-refresh-tokens": {
        "task": "portico.identity.purge_consumed_refresh_tokens",
        "schedule": crontab(hour=3, minute=10),
    },
    "core-outbox-relay": {"task": "portico.core.outbox_relay", "schedule": crontab()},
    "core-audit-verify": {
        "task": "portico.core.audit_verify",
        "schedule": crontab(hour=2, minute=0),
    },
    "core-audit-archive": {
        "task": "portico.core.audit_archive",
        "schedule": crontab(hour=2, minute=30),
    },
    # Stored files left by killed or rolled-back writes (core/storage_sweep.py).
    "core-storage-sweep": {
        "task": "portico.core.storage_sweep",
        "schedule": crontab(hour=3, minute=40),
    },
    "documents-expire": {
        "task": "portico.documents.expire",
        "schedule": crontab(hour=1, minute=0),
    },
    "referrals-expire": {
        "task": "portico.referrals.expire",
        "schedule": crontab(hour=1, minute=30),
    },
    "support-auto-close-resolved": {
        "task": "portico.support.auto_close_resolved",
        "schedule": crontab(hour=4, minute=0),
    },
    # The adjudication cycle: claims waiting for adjudication are priced or pended.
    "claims-adjudication-cycle": {
        "task": "portico.claims.adjudication_cycle",
        "schedule": crontab(minute="*/15"),
    },
    # The weekly payment run (Friday evening); it first adjudicates what is still waiting.
    "remittance-payment-run": {
        "task": "portico.remittance.payment_run",
        "schedule": crontab(day_of_week="fri", hour=18, minute=0),
    },
}

# REST and FHIR API: requests per caller (token's client, else IP), "<count>/<s|m|h>".
PORTICO_API_RATE_LIMIT = env.str("PORTICO_API_RATE_LIMIT", default="600/m")

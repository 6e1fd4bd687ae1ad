"""Scale-out profile: PostgreSQL, Redis, Celery workers, object storage, SMTP, gunicorn.

Refuses to start without the secrets and hosts it needs; ``portico check --deploy`` is clean.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from portico.config.settings.base import *  # noqa: F403
from portico.config.settings.base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must name the hosts this deployment serves.")
IDP_OIDC_PRIVATE_KEY = env.str("IDP_OIDC_PRIVATE_KEY", default="")
if not IDP_OIDC_PRIVATE_KEY:
    raise ImproperlyConfigured("IDP_OIDC_PRIVATE_KEY (PEM, RSA) must be set.")
PORTICO_TOTP_ENCRYPTION_KEY = env.str("PORTICO_TOTP_ENCRYPTION_KEY", default="")
if not PORTICO_TOTP_ENCRYPTION_KEY:
    raise ImproperlyConfigured("PORTICO_TOTP_ENCRYPTION_KEY must be set.")

SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_NAME = "__Host-portico_session"
CSRF_COOKIE_NAME = "__Host-csrftoken"
PORTICO_OUTBOX_ENABLED = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)

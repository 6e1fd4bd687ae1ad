"""WSGI entry point (gunicorn portico.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.production")
application = get_wsgi_application()

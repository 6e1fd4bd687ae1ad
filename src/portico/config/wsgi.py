"""WSGI entry point (gunicorn portico.config.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

from portico.config.settle import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.production")
application = get_wsgi_application()
settle()

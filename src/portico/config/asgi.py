"""ASGI entry point (uvicorn/gunicorn with uvicorn workers)."""

import os

from django.core.asgi import get_asgi_application

from portico.config.settle import settle

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portico.config.settings.production")
application = get_asgi_application()
settle()

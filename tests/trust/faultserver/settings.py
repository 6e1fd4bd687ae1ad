"""Settings of the web process the fault tests start, kill and restart.

The test profile, but on a SQLite file (``PORTICO_FAULT_DB``) and a file storage folder
(``PORTICO_FAULT_FILES``) that outlive the process, as a deployment's would.
"""

from __future__ import annotations

import os

from portico.config.settings.test import *  # noqa: F403
from portico.config.settings.test import STORAGES

DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["PORTICO_FAULT_DB"],
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 5,
        },
    }
}
STORAGES = {
    **STORAGES,
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": os.environ.get("PORTICO_FAULT_FILES", "/tmp/portico-fault")},
    },
}

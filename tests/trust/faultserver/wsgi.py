"""The fault tests' WSGI application: Portico, plus two ways to hold a request where a
SIGKILL will hit it (chosen by environment variables, set only by tests/trust):

* ``PORTICO_FAULT_PAUSE_ACTION=<audit action>``: pause when the service writes that audit
  event, i.e. inside its transaction, before commit;
* ``PORTICO_FAULT_PAUSE_AFTER=<path>``: pause after the view returned for a POST to that path,
  i.e. after commit, before the response reaches the client.

When paused it writes ``PORTICO_FAULT_MARKER`` and sleeps; the test then SIGKILLs it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.core.wsgi import get_wsgi_application

_django = get_wsgi_application()

from portico.core.models import AuditEvent  # noqa: E402 - needs the app registry

PAUSE_ACTION = os.environ.get("PORTICO_FAULT_PAUSE_ACTION", "")
PAUSE_AFTER = os.environ.get("PORTICO_FAULT_PAUSE_AFTER", "")
MARKER = os.environ.get("PORTICO_FAULT_MARKER", "")


def _pause(where: str) -> None:
    Path(MARKER).write_text(where)
    time.sleep(60)  # the test kills the process long before this ends


if PAUSE_ACTION:
    _save = AuditEvent.save

    def _paused_save(self: AuditEvent, *args: Any, **kwargs: Any) -> None:
        if self.action == PAUSE_ACTION:
            _pause(f"before commit of {self.action}")
        _save(self, *args, **kwargs)

    AuditEvent.save = _paused_save  # type: ignore[method-assign]


def application(environ: dict[str, Any], start_response: Any) -> Any:
    response = _django(environ, start_response)
    posted = environ.get("REQUEST_METHOD") == "POST"
    if PAUSE_AFTER and posted and environ.get("PATH_INFO") == PAUSE_AFTER:
        _pause(f"after commit of POST {PAUSE_AFTER}")
    return response

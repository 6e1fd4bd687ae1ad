"""The fault tests' WSGI application: Portico, plus ways to hold a request where a SIGKILL
will hit it (chosen by environment variables, set only by tests/trust):

* ``PORTICO_FAULT_PAUSE_ACTION=<audit action>``: pause when the service writes that audit
  event, i.e. inside its transaction, before commit;
* ``PORTICO_FAULT_PAUSE_AFTER=<path>``: pause after the view returned for a POST to that path,
  i.e. after commit, before the response reaches the client;
* ``PORTICO_FAULT_PAUSE_CALL=<module>:<function>``: pause right after that function returned
  (e.g. ``portico.claims.services.intake:_flush``, one batch of an 837's claims written,
  inside the file's transaction); the module attribute is wrapped, test-only;
* ``PORTICO_FAULT_PAUSE_NTH=<n>``: with the two above, pause at the n-th event, not the first
  (e.g. the fifth letter of a run of determinations);
* ``PORTICO_FAULT_CLAIMS_BATCH=<n>``: an 837's claims are written in batches of n (instead of
  1000), so a small file is ingested in several batches.

When paused it writes ``PORTICO_FAULT_MARKER`` and sleeps; the test then SIGKILLs it.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any

from django.core.wsgi import get_wsgi_application

_django = get_wsgi_application()

from portico.core import statements  # noqa: E402 - needs the app registry
from portico.core.models import AuditEvent  # noqa: E402

PAUSE_ACTION = os.environ.get("PORTICO_FAULT_PAUSE_ACTION", "")
PAUSE_AFTER = os.environ.get("PORTICO_FAULT_PAUSE_AFTER", "")
MARKER = os.environ.get("PORTICO_FAULT_MARKER", "")
PAUSE_CALL = os.environ.get("PORTICO_FAULT_PAUSE_CALL", "")
PAUSE_NTH = int(os.environ.get("PORTICO_FAULT_PAUSE_NTH", "") or 1)
CLAIMS_BATCH = os.environ.get("PORTICO_FAULT_CLAIMS_BATCH", "")
_seen: dict[str, int] = {}


def _nth(what: str) -> bool:
    """True when ``what`` happens for the PAUSE_NTH-th time in this process."""
    _seen[what] = _seen.get(what, 0) + 1
    return _seen[what] == PAUSE_NTH


def _pause(where: str) -> None:
    Path(MARKER).write_text(where)
    time.sleep(60)  # the test kills the process long before this ends


if PAUSE_ACTION:
    # audit_record writes its row through core.statements.insert (decision 0008).
    _insert = statements.insert

    def _paused_insert(obj: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(obj, AuditEvent) and obj.action == PAUSE_ACTION and _nth(obj.action):
            _pause(f"before commit of {obj.action}" + (f" #{PAUSE_NTH}" if PAUSE_NTH > 1 else ""))
        _insert(obj, *args, **kwargs)

    statements.insert = _paused_insert

if PAUSE_CALL:
    _module_name, _function_name = PAUSE_CALL.split(":")
    _module = importlib.import_module(_module_name)
    _function = getattr(_module, _function_name)

    def _paused_call(*args: Any, **kwargs: Any) -> Any:
        result = _function(*args, **kwargs)
        if _nth(PAUSE_CALL):
            _pause(f"after {PAUSE_CALL} returned #{PAUSE_NTH}")
        return result

    setattr(_module, _function_name, _paused_call)

if CLAIMS_BATCH:
    from portico.claims.services import intake

    intake.BATCH = int(CLAIMS_BATCH)


def application(environ: dict[str, Any], start_response: Any) -> Any:
    response = _django(environ, start_response)
    posted = environ.get("REQUEST_METHOD") == "POST"
    if PAUSE_AFTER and posted and environ.get("PATH_INFO") == PAUSE_AFTER:
        _pause(f"after commit of POST {PAUSE_AFTER}")
    return response

"""What a web worker does once its application is loaded, before it serves (wsgi.py, asgi.py).

* Import the URLconf, and with it every view module, so that the first request of each worker
  does not pay for it.
* ``gc.freeze()``: move everything loaded so far (Django, allauth, the views, about 200,000
  objects) out of the garbage collector's reach. These objects live as long as the worker, but
  each full collection walks all of them again: about 100 ms on the 2-core machine, once every
  few hundred requests of a sign-in's size (bench/identity, docs/performance.md). Python's
  documentation recommends the same for processes that fork after loading (gunicorn
  ``--preload``): frozen objects are not written to by the collector, so their pages stay
  shared. Objects created afterwards are collected as usual.
"""

from __future__ import annotations

import gc


def settle() -> None:
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018  (imports the URLconf and the views)
    gc.collect()
    gc.freeze()

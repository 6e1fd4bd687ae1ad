"""allauth's settings, answered from a dictionary (``ALLAUTH_SETTING_GETTER``).

allauth reads its settings at every use: ``allauth.utils.get_setting`` first looks up
``ALLAUTH_SETTING_GETTER`` and then the setting itself, and Django's settings object raises and
catches ``AttributeError`` twice for each name a project leaves at allauth's default. One
password sign-in made 75 such failed look-ups, about 0.3 ms of CPU on the benchmark machine
(docs/performance.md, "Identity"). This getter gives the same answers (the setting when it is
set, else allauth's default) and remembers them until a setting changes: Django's
``setting_changed``, or another settings object (``override_settings`` and the tests'
``settings`` fixture swap one in, also to delete a setting, which sends no signal).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.signals import setting_changed

_NOT_SEEN = object()  # not looked up since the last change
_NOT_SET = object()  # looked up: the project leaves it at allauth's default
_found: dict[str, Any] = {}
_found_in: list[Any] = [None]  # the settings object the answers were read from


def get(name: str, default: Any) -> Any:
    current = settings._wrapped  # type: ignore[misc]  # override_settings swaps it in and out
    if _found_in[0] is not current:
        _found.clear()
        _found_in[0] = current
    value = _found.get(name, _NOT_SEEN)
    if value is _NOT_SEEN:
        value = _found[name] = getattr(settings, name, _NOT_SET)
    return default if value is _NOT_SET else value


def _forget(**kwargs: Any) -> None:
    _found.clear()


setting_changed.connect(_forget, dispatch_uid="portico.config.allauth_settings")

"""Autodiscovery of the apps' API modules (like ``django.contrib.admin.autodiscover``).

* ``portico.<label>.api`` with a ``router`` attribute (a django-ninja ``Router``) is mounted
  at ``/api/v1/<label>/``; an optional module attribute ``API_SCOPE`` names the OAuth scope its
  operations need (default: ``SCOPES[label]`` or the label).
* ``portico.<label>.fhir_api`` with a ``register(registry)`` function adds FHIR interactions.

An app without the module is skipped; a module that exists but fails to import fails loudly.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from django.apps import apps

# OAuth scope per app label where it differs from the label.
SCOPES = {"patientinfo": "patients"}
# Apps whose own modules are not domain APIs.
EXCLUDED = {"api"}


@dataclass(frozen=True)
class DiscoveredRouter:
    label: str
    module: str
    router: Any
    scope: str


def _portico_apps() -> Iterator[tuple[str, str]]:
    for config in apps.get_app_configs():
        if config.name.startswith("portico.") and config.label not in EXCLUDED:
            yield config.label, config.name


def _optional_module(name: str) -> ModuleType | None:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    if spec is None:
        return None
    return importlib.import_module(name)


def discover_routers() -> list[DiscoveredRouter]:
    found = []
    for label, package in _portico_apps():
        module = _optional_module(f"{package}.api")
        router = getattr(module, "router", None) if module else None
        if router is None:
            continue
        scope = getattr(module, "API_SCOPE", None) or SCOPES.get(label, label)
        found.append(DiscoveredRouter(label, f"{package}.api", router, scope))
    return found


def discover_fhir_modules() -> list[ModuleType]:
    found = []
    for _label, package in _portico_apps():
        module = _optional_module(f"{package}.fhir_api")
        if module is not None and callable(getattr(module, "register", None)):
            found.append(module)
    return found

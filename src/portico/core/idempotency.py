"""Idempotency keys: a submission retried after a crash, a double click or the Back button
creates its item once.

How an app adopts it (forms, views, services):

1. The form carries a hidden key made when the form is shown::

       class CaseForm(IdempotentFormMixin, forms.Form): ...

   (or add ``idempotency_key = IdempotencyKeyField()`` and render ``{{ form.idempotency_key }}``;
   API clients send an ``Idempotency-Key`` header, read with ``key_from_request``).

2. The service wraps its write in ``run_once`` inside its own ``transaction.atomic``::

       @transaction.atomic
       def case_create(*, customer, actor, idempotency_key="", ...) -> Case:
           result = run_once(
               user=actor, scope="support.case_create", key=idempotency_key,
               create=lambda: _create_case(...),
           )
           return result.obj          # result.replayed tells the view it was a repeat

   or, when the whole service is the write, decorate it with ``@idempotent(scope)``.
   The key row and the new item commit together: after a SIGKILL either both exist or
   neither does, and the retried request (same key) gets the first item back. An empty key
   means "no idempotency" (the old behaviour), so adoption can be gradual.

The key is scoped by user and by ``scope`` (one per kind of submission), so one user's key
can never return another user's item.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from django import forms
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from portico.core.models import IdempotencyKey

M = TypeVar("M", bound=models.Model)
P = ParamSpec("P")

MAX_KEY_LENGTH = 100


class IdempotencyConflict(RuntimeError):
    """The key was used for a submission whose result no longer exists."""


@dataclass(frozen=True)
class IdempotentResult(Generic[M]):
    obj: M
    replayed: bool


def new_key() -> str:
    return uuid.uuid4().hex


def clean_key(value: Any) -> str:
    """A key as stored: printable, at most 100 characters; anything else becomes ""."""
    text = str(value or "").strip()
    if not text or len(text) > MAX_KEY_LENGTH or not text.isprintable():
        return ""
    return text


def key_from_request(request: HttpRequest, field: str = "idempotency_key") -> str:
    """The key a form posted (hidden field) or an API client sent (``Idempotency-Key``)."""
    return clean_key(request.POST.get(field) or request.headers.get("Idempotency-Key", ""))


def _user_of(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None


def _load(row: IdempotencyKey) -> models.Model:
    if not row.result_type:
        raise IdempotencyConflict(f"Key {row.key!r} of {row.scope} has no recorded result.")
    model = apps.get_model(row.result_type)
    try:
        return model._default_manager.get(pk=row.result_id)  # type: ignore[no-any-return]
    except model.DoesNotExist as exc:
        raise IdempotencyConflict(
            f"The item first created with key {row.key!r} no longer exists."
        ) from exc


def run_once(*, user: Any, scope: str, key: str, create: Callable[[], M]) -> IdempotentResult[M]:
    """Run ``create`` once per (user, scope, key); repeats return the first result.

    Call inside the service's ``transaction.atomic`` so the key commits with the item. With
    an empty ``key`` it simply calls ``create``. A concurrent duplicate waits on the unique
    index (PostgreSQL) or the write lock (SQLite) and then returns the winner's item.
    """
    key = clean_key(key)
    if not key:
        return IdempotentResult(create(), replayed=False)
    owner = _user_of(user)
    filters = {"user": owner, "scope": scope, "key": key}
    with transaction.atomic():
        existing = IdempotencyKey.objects.filter(**filters).first()
        if existing is not None:
            return IdempotentResult(_load(existing), replayed=True)  # type: ignore[arg-type]
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(**filters)
        except IntegrityError:
            # Another request with the same key committed first: return its item.
            return IdempotentResult(
                _load(IdempotencyKey.objects.get(**filters)),  # type: ignore[arg-type]
                replayed=True,
            )
        obj = create()
        row.result_type = obj._meta.label_lower
        row.result_id = str(obj.pk)
        row.save(update_fields=["result_type", "result_id"])
    return IdempotentResult(obj, replayed=False)


def idempotent(scope: str, *, user: str = "user") -> Callable[[Callable[P, M]], Callable[P, M]]:
    """Make a service run once per (acting user, ``scope``, its ``idempotency_key`` argument):
    the same key again returns the first result (``run_once``). ``user`` names the keyword
    argument holding the acting user. The service declares ``idempotency_key: str = ""``
    (callers pass it by keyword) and otherwise ignores it::

        @transaction.atomic  # with no key, run_once runs the service as it is
        @idempotent("support.case_create", user="actor")
        def case_create(*, actor, ..., idempotency_key: str = "") -> Case: ...
    """

    def decorate(service: Callable[P, M]) -> Callable[P, M]:
        @functools.wraps(service)
        def once(*args: P.args, **kwargs: P.kwargs) -> M:
            return run_once(
                user=kwargs.get(user),
                scope=scope,
                key=str(kwargs.get("idempotency_key") or ""),
                create=lambda: service(*args, **kwargs),
            ).obj

        return once

    return decorate


class IdempotencyKeyField(forms.CharField):
    """A hidden field holding a fresh key each time the form is shown."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.HiddenInput)
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", MAX_KEY_LENGTH)
        kwargs.setdefault("initial", new_key)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        return clean_key(super().clean(value))


class IdempotentFormMixin(forms.Form):
    """Adds ``idempotency_key`` to a form; the cleaned value is "" when absent or invalid."""

    idempotency_key = IdempotencyKeyField()

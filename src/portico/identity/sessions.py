"""Session engine and session-list upkeep for sign-in (``SESSION_ENGINE`` without Redis).

Two things Django and allauth do at every sign-in cost more statements than the work needs
(bench/identity, docs/performance.md):

* ``login()`` cycles the session key. Django's database store then SELECTs whether a fresh
  random key is taken and INSERTs the session in a transaction of its own — and the session
  middleware writes the same row again (UPDATE) at the end of the request, because the sign-in
  put the user into it. ``SessionStore`` here writes the new session once, at the end of the
  request (an INSERT), and leaves the uniqueness of the key to the primary key.
* allauth's session list (``allauth.usersessions``) purges the user's stale list entries at
  every sign-in, one by one: for each of the user's sessions it asks whether the session
  exists, loads it and loads the user again to check the session's password hash (2–3 queries
  a session), then ``get_or_create``s the new entry in a transaction. ``on_user_logged_in``
  here makes the same decisions with one query when the user has no other entry (two to read
  the entries and their sessions otherwise, one more to delete the stale ones) and INSERTs
  the new entry. What is purged is unchanged; the session list page purges again before it shows
  the list (allauth's view), as before.
"""

from __future__ import annotations

import secrets
from typing import Any

from allauth.account.adapter import get_adapter
from allauth.usersessions.models import UserSession
from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import CreateError
from django.contrib.sessions.models import Session
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from portico.core import statements


def new_session_key() -> str:
    """A session key: 160 random bits as 40 lowercase hex digits (within Django's key alphabet
    and ``Session.session_key``'s 40 characters), drawn with one call to the operating system's
    generator. Django's ``get_random_string(32, …)`` (165 bits) makes one call per character:
    32 system calls at every sign-in (bench/identity)."""
    return secrets.token_hex(20)


class SessionStore(db.SessionStore):
    """Django's database session store, except that a key cycled by ``login()`` is written
    once, by the save at the end of the request, instead of twice.

    Django's ``cycle_key`` calls ``create()``: a SELECT to see whether a random
    key is already taken, then an INSERT of the not-yet-signed-in session in its own
    transaction; then the session middleware UPDATEs that row with the signed-in session. Here
    the new key is held in memory and the first save INSERTs the row (``must_create``): the
    primary key still refuses a taken key, and the save then draws another key (as Django's
    ``create()`` does), so two browsers can never share a session. Nothing reads the new
    session back from the database before the end of the request; a request that ends in an
    error or with an empty session writes nothing (Django left the pre-sign-in row behind).
    """

    _insert_pending = False

    def cycle_key(self) -> None:
        data = self._session  # type: ignore[attr-defined]
        key = self.session_key
        self._session_key = new_session_key()
        self._insert_pending = True
        self._session_cache = data
        self.modified = True
        if key:
            self.delete(key)

    def _get_new_session_key(self) -> str:
        """Django's, with ``new_session_key``: a key no stored session has."""
        while True:
            key = new_session_key()
            if not self.exists(key):
                return key

    def create(self) -> None:
        self._insert_pending = False
        super().create()

    def save(self, must_create: bool = False) -> None:
        if not self._insert_pending or self.session_key is None:
            super().save(must_create=must_create)
            return
        while True:
            try:
                self._insert()
            except CreateError:  # the key is taken: draw another, as create() does
                self._session_key = self._get_new_session_key()  # type: ignore[attr-defined]
                continue
            self._insert_pending = False
            return

    def _insert(self) -> None:
        """``super().save(must_create=True)`` as one prepared INSERT (core/statements.py),
        without a transaction of its own where the statement is the transaction (autocommit)."""
        obj = self.create_model_instance(self._get_session(no_load=True))  # type: ignore[attr-defined]
        using = router.db_for_write(self.model, instance=obj)
        try:
            _atomic_insert(obj, using=using)
        except IntegrityError as exc:
            raise CreateError from exc

    async def asave(self, must_create: bool = False) -> None:
        if self._insert_pending:
            await sync_to_async(self.save)(must_create)
            return
        await super().asave(must_create=must_create)


# ---------------------------------------------------------------------------------------
# The session list at sign-in (replaces allauth.usersessions.signals.on_user_logged_in)
# ---------------------------------------------------------------------------------------
def _session_is_the_users(data: dict[str, Any], user: Any) -> bool | None:
    """What ``django.contrib.auth.get_user`` would decide for a stored session of ``user``:
    True (it signs ``user`` in), False (it signs nobody in), None (another account's session:
    let allauth decide)."""
    if data.get(SESSION_KEY) != str(user.pk):
        return None if data.get(SESSION_KEY) is not None else False
    if data.get(BACKEND_SESSION_KEY) not in settings.AUTHENTICATION_BACKENDS:
        return False
    stored = data.get(HASH_SESSION_KEY)
    if not stored or not user.is_active:
        return False
    if constant_time_compare(stored, user.get_session_auth_hash()):
        return True
    return any(
        constant_time_compare(stored, fallback)
        for fallback in user.get_session_auth_fallback_hash()
    )


DATABASE_ENGINES = (__name__, "django.contrib.sessions.backends.db")


def purge_stale_sessions(user: Any) -> int:
    """Delete the user's session-list entries whose session no longer signs the user in,
    exactly as ``UserSession.objects.purge_and_list`` decides: one query when the user has no
    other entry, two to read the entries and their sessions otherwise (allauth: two or three per
    entry), one more to delete the stale ones. Returns how many went. Other session engines
    (the cache): allauth's purge."""
    if settings.SESSION_ENGINE not in DATABASE_ENGINES:
        before = UserSession.objects.filter(user_id=user.pk).count()
        return before - len(UserSession.objects.purge_and_list(user))
    entries = _listed_sessions(user.pk)
    if not entries:
        return 0
    stored = dict(
        Session.objects.filter(
            session_key__in=list(entries), expire_date__gt=timezone.now()
        ).values_list("session_key", "session_data")
    )
    decoder = SessionStore()
    stale: list[int] = []
    others = 0
    for key, pk in entries.items():
        data = decoder.decode(stored[key]) if key in stored else {}
        verdict = _session_is_the_users(data, user)
        if verdict is None:  # another account's session (should not happen): allauth decides
            others += UserSession.objects.get(pk=pk).purge()
        elif not verdict:
            stale.append(pk)
    if stale:
        UserSession.objects.filter(pk__in=stale).delete()
    return len(stale) + others


def _listed_sessions(user_id: Any) -> dict[str, Any]:
    """The user's session-list entries, session key → entry key, as a prepared statement:
    every sign-in asks (core/statements.py)."""

    def build() -> str:
        key, pk, user = (statements.column(UserSession, n) for n in ("session_key", "id", "user"))
        return (
            f"SELECT {key}, {pk} FROM {statements.table(UserSession)} "  # noqa: S608  # nosec B608
            f"WHERE {user} = %s"
        )

    with connection.cursor() as cursor:
        cursor.execute(statements.once(("listed_sessions", connection.vendor), build), [user_id])
        return dict(cursor.fetchall())


def _atomic_insert(obj: Any, *, using: str = DEFAULT_DB_ALIAS) -> None:
    """INSERT ``obj``; inside a transaction, under a savepoint, so that a taken key can be
    caught (``IntegrityError``) without dooming the caller's transaction."""
    if transaction.get_connection(using).in_atomic_block:
        with transaction.atomic(using=using):
            statements.insert(obj, using=using)
    else:
        statements.insert(obj, using=using)


def on_user_logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """allauth's receiver, with one purge query and one INSERT (see the module docstring).

    The session key was just cycled by ``login()``, so no entry can hold it yet: the entry is
    INSERTed; should one exist after all, allauth's ``create_from_request`` (``get_or_create``
    and the client-changed signal) takes over.
    """
    purge_stale_sessions(request.user)
    session = request.session
    if not session.session_key:
        session.save()
    ua = request.META.get("HTTP_USER_AGENT", "")
    entry = UserSession(
        user=request.user,
        ip=get_adapter().get_client_ip(request),
        user_agent=ua[: UserSession._meta.get_field("user_agent").max_length],
        session_key=session.session_key,
    )
    try:
        _atomic_insert(entry)
    except IntegrityError:
        UserSession.objects.create_from_request(request)

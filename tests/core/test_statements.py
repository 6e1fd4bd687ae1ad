"""Prepared statements (core/statements.py) give what the ORM gives: the same instances from
rows, the same rows from inserts and updates, Django's errors, and the ORM's own save whenever
a model has save receivers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import signals
from django.utils import timezone

from portico.core import statements
from portico.core.models import AuditEvent
from portico.identity.models import LoginThrottle, User
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _row(model, pk):
    cols = statements.columns(model)
    table = connection.ops.quote_name(model._meta.db_table)
    key = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {cols.sql} FROM {table} WHERE {table}.{key} = %s", [pk])
        return cursor.fetchone()


def test_an_instance_from_a_row_equals_the_orms():
    user = UserFactory(username="Rows.Equal01", phone="+12025550123")
    LoginThrottle.objects.create(
        user=user, consecutive_failures=3, locked_until=timezone.now() + timedelta(minutes=5)
    )
    for model, pk in ((User, user.pk), (LoginThrottle, user.login_throttle.pk)):
        built = statements.from_row(model, _row(model, pk))
        assert _fields(built) == _fields(model.objects.get(pk=pk))
        assert not built._state.adding and built._state.db == "default"
    throttle = statements.from_row(LoginThrottle, _row(LoginThrottle, user.login_throttle.pk))
    assert timezone.is_aware(throttle.locked_until) and throttle.is_locked


def test_insert_stores_what_save_would_and_sets_the_key():
    actor = UserFactory()
    event = AuditEvent(
        actor=actor,
        action="portico.test.inserted",
        changes={"field": ["old", "new"], "n": 2},
        ip_address="2001:db8::1",
        prev_hash="0" * 64,
        hash="a" * 64,
    )
    statements.insert(event)
    assert event.pk is not None and not event._state.adding
    stored = AuditEvent.objects.get(pk=event.pk)
    assert _fields(stored) == _fields(event)
    assert stored.changes == {"field": ["old", "new"], "n": 2}


def test_insert_raises_djangos_integrity_error_and_writes_nothing():
    UserSession.objects.create(user=UserFactory(), ip="10.0.0.1", session_key="s" * 32)
    duplicate = UserSession(user=UserFactory(), ip="10.0.0.2", session_key="s" * 32)
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.insert(duplicate)
    assert UserSession.objects.filter(session_key="s" * 32).count() == 1


def test_update_fields_updates_only_the_named_fields():
    user = UserFactory(first_name="Before")
    stamp = timezone.now() - timedelta(hours=1)
    user.last_login = stamp
    user.first_name = "Not saved"
    statements.update_fields(user, ["last_login"])
    user.refresh_from_db()
    assert user.last_login == stamp
    assert user.first_name == "Before"


def test_update_fields_of_a_missing_row_fails_as_save_does():
    ghost = User(pk=987654, username="ghost00001")
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        statements.update_fields(ghost, ["last_login"])


def test_models_with_save_receivers_go_through_the_orm():
    seen: list[tuple[str, bool]] = []

    def receiver(sender, instance, created=None, **kwargs):
        seen.append((instance.session_key, bool(created)))

    signals.post_save.connect(receiver, sender=UserSession)
    try:
        entry = UserSession(user=UserFactory(), ip="10.0.0.3", session_key="r" * 32)
        statements.insert(entry)
    finally:
        signals.post_save.disconnect(receiver, sender=UserSession)
    assert seen == [("r" * 32, True)]
    assert UserSession.objects.filter(pk=entry.pk).exists()


def test_first_equals_the_orms_first_with_its_related_rows():
    from allauth.idp.oidc.models import Client, Token

    from portico.identity import oidc

    client, _secret = oidc.oidc_client_create(
        name="Statements RP", redirect_uris=["https://rp.example.test/cb"], first_party=True
    )
    user = UserFactory()
    with_user = Token.objects.create(
        client=client, user=user, type=Token.Type.REFRESH_TOKEN, hash="h1", data={"k": "v"}
    )
    without_user = Token.objects.create(client=client, type=Token.Type.ACCESS_TOKEN, hash="h2")

    found = statements.first(Token, related=("user",), client_id=client.pk, hash="h1")
    assert _fields(found) == _fields(Token.objects.get(pk=with_user.pk))
    assert "user" in found._state.fields_cache and _fields(found.user) == _fields(user)
    bare = statements.first(Token, related=("user",), hash="h2", type=Token.Type.ACCESS_TOKEN)
    assert bare.pk == without_user.pk and bare._state.fields_cache["user"] is None
    assert statements.first(Token, hash="h2", type=Token.Type.REFRESH_TOKEN) is None
    assert _fields(statements.first(Client, id=client.id)) == _fields(client)


def test_a_model_with_a_database_default_is_saved_by_the_orm(monkeypatch):
    """Shapes the statements do not cover (here a database default) go through save()."""
    from django.db.models import Value

    monkeypatch.setattr(UserSession._meta.get_field("user_agent"), "db_default", Value("db"))
    monkeypatch.setattr(statements, "_built", {})  # decide the model's shape afresh
    calls: list[dict] = []
    monkeypatch.setattr(UserSession, "save", lambda self, *args, **kwargs: calls.append(kwargs))
    statements.insert(UserSession(user=UserFactory(), ip="10.0.0.4", session_key="d" * 32))
    assert calls == [{"force_insert": True, "using": "default"}]

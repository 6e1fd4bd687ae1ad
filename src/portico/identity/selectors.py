"""Reads of the identity module: what views and other modules may ask about users."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import connection
from django.db.models import Q, QuerySet
from django.http import Http404

from portico.core import statements
from portico.core.lookups import same_ignoring_case
from portico.core.models import AuditEvent
from portico.identity.models import (
    LegalDocument,
    LoginThrottle,
    PasswordHistory,
    PhoneAuthenticator,
    PhoneVerification,
    User,
)

# Authentication events a user sees about their own account (and staff about anyone's).
IDENTITY_ACTION_PREFIX = "portico.identity."


def legal_document_current(*, kind: str) -> LegalDocument | None:
    return LegalDocument.objects.filter(kind=kind).order_by("-published_at", "-id").first()


def password_history_hashes(*, user: Any, limit: int) -> list[str]:
    return list(
        PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[:limit]
    )


def user_for_login(*, login: str) -> User | None:
    """The account a sign-in identifier (username or email, any case) names, if any, with its
    sign-in throttle row loaded (``is_locked`` then asks nothing more)."""
    login = (login or "").strip()
    if not login:
        return None
    user = _user_by_lowered("username", login)
    if user is None and "@" in login:
        user = _user_by_lowered("email", login)
        if user is None:
            address = EmailAddress.objects.filter(email__iexact=login).select_related("user")
            first = address.first()
            user = first.user if first else None  # type: ignore[assignment]
    return user


def _user_by_lowered(field: str, value: str) -> User | None:
    """``User.objects.select_related("login_throttle").filter(same_ignoring_case(field,
    value)).first()`` (without its ORDER BY: the case-insensitive unique index allows one row),
    as a prepared statement: every sign-in asks it, and the ORM took 1.2 ms to compile it
    (core/statements.py)."""
    users, throttles = statements.columns(User), statements.columns(LoginThrottle)

    def build() -> str:
        user_table, throttle_table = statements.table(User), statements.table(LoginThrottle)
        # Identifiers from the models' metadata, quoted; the value is a query parameter. The
        # WHERE clause is the expression of the unique index (LOWER(column)), so it serves.
        return (
            f"SELECT {users.sql}, {throttles.sql} FROM {user_table} "  # noqa: S608  # nosec B608
            f"LEFT OUTER JOIN {throttle_table} ON {throttle_table}."
            f"{statements.column(LoginThrottle, 'user')} = "
            f"{user_table}.{statements.column(User, 'pk')} "
            f"WHERE LOWER({user_table}.{statements.column(User, field)}) = LOWER(%s) LIMIT 1"
        )

    sql = statements.once(("user_for_login", field, connection.vendor), build)
    with connection.cursor() as cursor:
        cursor.execute(sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    user = statements.from_row(User, row)
    relation = LoginThrottle._meta.get_field("user")
    throttle = statements.joined_from_row(LoginThrottle, row, offset=len(users))
    if throttle is not None:
        relation.set_cached_value(throttle, user)  # type: ignore[union-attr]
    relation.remote_field.set_cached_value(user, throttle)
    return user


# What the sign-in flow asks about an account right after its password was accepted: allauth's
# EmailVerificationStage (a verified address?), its MFA AuthenticateStage (a passkey or an
# authenticator app?), Portico's PhoneMFAStage (a phone factor?) and the redirect after sign-in
# (any second factor?). One statement answers them all (``sign_in_facts``) for the instance
# being signed in, asked by the first of them (the email stage); the answers are
# kept on that instance (it lives for the one request) and nowhere else, so every other
# question about factors still goes to the database.
SIGN_IN_FACTS_ATTR = "_portico_sign_in_facts"
APP_FACTOR_TYPES = frozenset({Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN})


@dataclass(frozen=True)
class SignInFacts:
    email: str  # the address allauth checks ("" for any of the user's addresses)
    verified_email: bool
    app_factor: bool  # a passkey or an authenticator app (not the phone, not recovery codes)
    phone_authenticator: bool  # a phone factor row (counts only while the phone is verified)


@functools.cache
def _sign_in_facts_sql(with_email: bool) -> str:
    qn = connection.ops.quote_name
    addresses, factors, phones = EmailAddress._meta, Authenticator._meta, PhoneAuthenticator._meta
    one_address = f" AND {qn(addresses.get_field('email').column)} = %s" if with_email else ""
    types = ", ".join(["%s"] * len(APP_FACTOR_TYPES))
    # Identifiers from the models' metadata, quoted; every value is a query parameter.
    return (
        f"SELECT EXISTS (SELECT 1 FROM {qn(addresses.db_table)} "  # noqa: S608  # nosec B608
        f"WHERE {qn(addresses.get_field('user').column)} = %s "
        f"AND {qn(addresses.get_field('verified').column)} = %s{one_address}), "
        f"EXISTS (SELECT 1 FROM {qn(factors.db_table)} "
        f"WHERE {qn(factors.get_field('user').column)} = %s "
        f"AND {qn(factors.get_field('type').column)} IN ({types})), "
        f"EXISTS (SELECT 1 FROM {qn(phones.db_table)} "
        f"WHERE {qn(phones.get_field('user').column)} = %s)"
    )


def sign_in_facts(*, user: Any, email: str | None) -> SignInFacts:
    """Whether ``email`` of ``user`` is verified — None/"": any of the user's addresses, else
    that very address, as allauth's ``has_verified_email`` decides — whether the user has a
    passkey or an authenticator app, and a phone factor; one statement, kept on ``user``."""
    checked = (email or "").lower()
    facts = getattr(user, SIGN_IN_FACTS_ATTR, None)
    if isinstance(facts, SignInFacts) and facts.email == checked:
        return facts
    params: list[Any] = [user.pk, True, *([checked] if checked else []), user.pk]
    params += [*sorted(APP_FACTOR_TYPES), user.pk]
    with connection.cursor() as cursor:
        cursor.execute(_sign_in_facts_sql(bool(checked)), params)
        verified, app_factor, phone = cursor.fetchone()
    facts = SignInFacts(
        email=checked,
        verified_email=bool(verified),
        app_factor=bool(app_factor),
        phone_authenticator=bool(phone),
    )
    setattr(user, SIGN_IN_FACTS_ATTR, facts)
    return facts


def known_app_factor(*, user: Any) -> bool | None:
    """Whether the user has a passkey or an authenticator app, if this sign-in already asked
    (``sign_in_facts``); None otherwise."""
    facts = getattr(user, SIGN_IN_FACTS_ATTR, None)
    return facts.app_factor if isinstance(facts, SignInFacts) else None


def usernames_for_email(*, email: str) -> list[str]:
    """Usernames tied to a verified address (for "Forgot username")."""
    ids = EmailAddress.objects.filter(email__iexact=email.strip(), verified=True).values("user_id")
    return list(
        User.objects.filter(pk__in=ids, is_active=True)
        .order_by("username")
        .values_list("username", flat=True)
    )


def email_owned_by_another(*, email: str, user_id: Any) -> bool:
    """Whether ``email`` (any case) is already another account's address."""
    return (
        EmailAddress.objects.filter(email__iexact=email).exclude(user_id=user_id).exists()
        or User.objects.filter(same_ignoring_case("email", email)).exclude(pk=user_id).exists()
    )


def throttle_for(*, user: Any) -> LoginThrottle | None:
    """The user's sign-in throttle row (None: never failed). Uses the row loaded with the
    user (``user_for_login``) when there is one."""
    if "login_throttle" in user._state.fields_cache:
        return getattr(user, "login_throttle", None)
    return LoginThrottle.objects.filter(user_id=user.pk).first()


def is_locked(*, user: Any) -> bool:
    throttle = throttle_for(user=user)
    return bool(throttle and throttle.is_locked)


def has_phone_factor(*, user: Any) -> bool:
    """The phone factor counts only while the phone it sends to is verified."""
    if not (user.phone and user.phone_verified):
        return False
    facts = getattr(user, SIGN_IN_FACTS_ATTR, None)  # asked already by this sign-in
    if isinstance(facts, SignInFacts):
        return facts.phone_authenticator
    return PhoneAuthenticator.objects.filter(user_id=user.pk).exists()


def mfa_factor_types(*, user: Any) -> list[str]:
    """The second factors a user can sign in with: "webauthn", "totp", "phone"."""
    types = list(
        Authenticator.objects.filter(
            user_id=user.pk, type__in=[Authenticator.Type.WEBAUTHN, Authenticator.Type.TOTP]
        )
        .values_list("type", flat=True)
        .distinct()
    )
    if has_phone_factor(user=user):
        types.append("phone")
    return sorted(set(types))


def has_mfa_factor(*, user: Any) -> bool:
    app_factor = known_app_factor(user=user)  # asked already by this sign-in
    if app_factor is not None:
        return bool(app_factor) or has_phone_factor(user=user)
    return bool(mfa_factor_types(user=user))


def has_recovery_codes(*, user: Any) -> bool:
    """allauth issues recovery codes with the first passkey or authenticator app."""
    return Authenticator.objects.filter(
        user_id=user.pk, type=Authenticator.Type.RECOVERY_CODES
    ).exists()


def authenticators_for(*, user: Any) -> QuerySet[Authenticator]:
    return Authenticator.objects.filter(user_id=user.pk).order_by("type", "created_at")


def phone_verification_pending(
    *, user: Any, purpose: str = PhoneVerification.Purpose.VERIFY
) -> PhoneVerification | None:
    return (
        PhoneVerification.objects.filter(
            user_id=user.pk, purpose=purpose, status=PhoneVerification.Status.PENDING
        )
        .order_by("-created_at", "-id")
        .first()
    )


def phone_verification_latest(*, user: Any, purpose: str) -> PhoneVerification | None:
    return (
        PhoneVerification.objects.filter(user_id=user.pk, purpose=purpose)
        .order_by("-created_at", "-id")
        .first()
    )


def activity_for_user(*, user: Any, limit: int = 20) -> list[AuditEvent]:
    """Recent authentication events of (or about) ``user``, newest first."""
    return list(
        AuditEvent.objects.filter(action__startswith=IDENTITY_ACTION_PREFIX)
        .filter(Q(actor_id=user.pk) | Q(object_type="identity.user", object_id=str(user.pk)))
        .order_by("-id")[:limit]
    )


def staff_user_search(*, query: str, limit: int = 50) -> QuerySet[User]:
    qs = User.objects.all().order_by("username")
    query = (query or "").strip()
    if query:
        qs = qs.filter(
            Q(username__icontains=query)
            | Q(email__icontains=query)
            | Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(phone__contains=query)
        )
    return qs.select_related("login_throttle")[:limit]  # type: ignore[return-value]


def staff_user_get(*, pk: int) -> User:
    user = User.objects.filter(pk=pk).select_related("login_throttle").first()
    if user is None:
        raise Http404
    return user

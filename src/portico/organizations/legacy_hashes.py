"""Password hashes of the previous portal, in Django's ``algorithm$…`` format.

The import accepts ``pbkdf2_sha256$…``, ``pbkdf2_sha1$…``, ``argon2$…``, ``bcrypt$…``,
``bcrypt_sha256$…`` and ``scrypt$…``, or an empty value (the account can then only be
proved with a code sent to its email on file). Hashes are verified with Django's own
hasher classes, independently of ``PASSWORD_HASHERS`` (which governs Portico ID passwords).
"""

from __future__ import annotations

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BasePasswordHasher,
    BCryptPasswordHasher,
    BCryptSHA256PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
    ScryptPasswordHasher,
)

_HASHERS: dict[str, type[BasePasswordHasher]] = {
    str(h.algorithm): h
    for h in (
        PBKDF2PasswordHasher,
        PBKDF2SHA1PasswordHasher,
        Argon2PasswordHasher,
        BCryptPasswordHasher,
        BCryptSHA256PasswordHasher,
        ScryptPasswordHasher,
    )
}
ACCEPTED_ALGORITHMS = tuple(sorted(_HASHERS))


def hash_format_error(encoded: str) -> str:
    """Why ``encoded`` is not an accepted hash, or "" when it is (or is empty)."""
    if not encoded:
        return ""
    algorithm, sep, rest = encoded.partition("$")
    if not sep or not rest:
        return "password_hash is not in Django's algorithm$… format"
    if algorithm not in _HASHERS:
        return (
            f"password_hash algorithm {algorithm!r} is not one of {', '.join(ACCEPTED_ALGORITHMS)}"
        )
    try:
        _HASHERS[algorithm]().decode(encoded)
    except Exception:  # noqa: BLE001 - any decoding failure means a malformed hash
        return f"password_hash is not a well-formed {algorithm} hash"
    return ""


def verify(password: str, encoded: str) -> bool:
    """True when ``password`` matches; False for a mismatch, no hash, or a missing library."""
    if not encoded or not password:
        return False
    hasher = _HASHERS.get(encoded.partition("$")[0])
    if hasher is None:
        return False
    try:
        return bool(hasher().verify(password, encoded))
    except (ValueError, ImportError):
        return False

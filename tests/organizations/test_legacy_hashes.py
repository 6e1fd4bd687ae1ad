"""Every legacy password-hash format the import documents verifies with its library."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BCryptPasswordHasher,
    BCryptSHA256PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
    ScryptPasswordHasher,
)

from portico.organizations import legacy_hashes

PASSWORD = "Old-Portal-Pass-9"


def _encode(hasher_class: type) -> str:
    hasher = hasher_class()
    if hasher_class in (PBKDF2PasswordHasher, PBKDF2SHA1PasswordHasher):
        return hasher.encode(PASSWORD, hasher.salt(), iterations=1000)
    if hasher_class in (BCryptPasswordHasher, BCryptSHA256PasswordHasher):
        hasher.rounds = 4  # the format is what matters here, not the cost
    if hasher_class is ScryptPasswordHasher:
        return hasher.encode(PASSWORD, hasher.salt(), n=2**10)
    return hasher.encode(PASSWORD, hasher.salt())


@pytest.mark.parametrize(
    "hasher_class",
    [
        PBKDF2PasswordHasher,
        PBKDF2SHA1PasswordHasher,
        Argon2PasswordHasher,
        BCryptPasswordHasher,
        BCryptSHA256PasswordHasher,
        ScryptPasswordHasher,
    ],
    ids=lambda h: h.algorithm,
)
def test_each_documented_format_verifies(hasher_class):
    encoded = _encode(hasher_class)
    assert encoded.startswith(hasher_class.algorithm + "$")
    assert legacy_hashes.hash_format_error(encoded) == ""
    assert legacy_hashes.verify(PASSWORD, encoded) is True
    assert legacy_hashes.verify("wrong", encoded) is False


@pytest.mark.parametrize(
    ("encoded", "error"),
    [
        ("md5$abc$def", "is not one of"),
        ("plaintext", "algorithm$… format"),
        ("bcrypt$notahash", "not a well-formed bcrypt hash"),
        ("", ""),
    ],
)
def test_bad_hashes_are_reported(encoded, error):
    assert error in legacy_hashes.hash_format_error(encoded)
    assert legacy_hashes.verify(PASSWORD, encoded) is False

"""Encryption of secrets at rest (TOTP seeds) with Fernet (``cryptography``).

The Fernet key is derived from ``settings.PORTICO_TOTP_ENCRYPTION_KEY`` with HKDF-SHA256, so
any sufficiently random string from the environment works as the key material. Ciphertexts
carry a ``fernet:`` prefix so that seeds written before encryption was switched on are still
read (and re-encrypted on their next write).
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"


@lru_cache(maxsize=4)
def _fernet(material: str) -> Fernet:
    if not material:
        raise ImproperlyConfigured("PORTICO_TOTP_ENCRYPTION_KEY must be set.")
    key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"portico-totp", info=b"portico.identity.totp"
    ).derive(material.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(text: str) -> str:
    token = _fernet(settings.PORTICO_TOTP_ENCRYPTION_KEY).encrypt(text.encode())
    return PREFIX + token.decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    try:
        return (
            _fernet(settings.PORTICO_TOTP_ENCRYPTION_KEY)
            .decrypt(stored.removeprefix(PREFIX).encode())
            .decode()
        )
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A TOTP secret could not be decrypted: PORTICO_TOTP_ENCRYPTION_KEY changed?"
        ) from exc

"""Development-only key material: a persistent OIDC signing key and secret key under var/.

Production never uses this: production.py requires the keys from the environment.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def dev_secret(var_dir: Path, name: str) -> str:
    """A random secret created once and kept in var/, so restarts keep sessions valid."""
    path = var_dir / name
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


def dev_rsa_private_key(var_dir: Path, name: str = "oidc-signing-key.pem") -> str:
    path = var_dir / name
    if not path.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.write_bytes(pem)
        path.chmod(0o600)
    return path.read_text()

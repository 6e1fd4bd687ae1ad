"""Settings for bench/identity/run.py: the production profile, run in-process on a throwaway
SQLite database (run.py supplies the secrets production requires through the environment).

Two deliberate differences from a deployment, both printed in the results:
* the OIDC client-secret hasher is appended to PASSWORD_HASHERS when the deployment settings do
  not list it yet (docs/oidc.md asks for it), so the token benchmark measures the intended
  configuration;
* Portico's OIDC views are mounted from a bench URLconf when config/urls.py does not mount them.
"""

from __future__ import annotations

from portico.config.settings.production import *  # noqa: F403
from portico.config.settings.production import PASSWORD_HASHERS

CLIENT_SECRET_HASHER = "portico.identity.oidc.ClientSecretHasher"
BENCH_ADDED_CLIENT_SECRET_HASHER = CLIENT_SECRET_HASHER not in PASSWORD_HASHERS
if BENCH_ADDED_CLIENT_SECRET_HASHER:
    PASSWORD_HASHERS = [*PASSWORD_HASHERS, CLIENT_SECRET_HASHER]
SECURE_SSL_REDIRECT = False  # the Django test client speaks plain http in-process
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}

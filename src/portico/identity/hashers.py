"""argon2id at OWASP's minimum cost (m=19 MiB, t=2, p=1).

Why not Django's defaults (m=100 MiB, p=8): on a 2-core host p=8 buys nothing and 100 MiB
per sign-in caps concurrency; OWASP's minimum still costs an attacker ~19 MiB per guess.
See docs/decisions/0003-password-hashing.md.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class PorticoArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1

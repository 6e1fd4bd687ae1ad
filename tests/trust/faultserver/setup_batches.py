"""Seed the batch fault tests' extra data into a server database made by ``setup_world``.

Run as ``python -m tests.trust.faultserver.setup_batches <requests>`` with the fault settings,
after ``setup_world``. Adds the claims plan and its covered member (so an 837 from practice A's
billing clerk is accepted), ``<requests>`` prior-authorization requests submitted by the
physician (Received, one line each: the determinations of a letter run), and prints JSON:
{"billing_clerk": <session key>, "um_reviewer": <session key>,
"requests": [{"reference": ..., "version": ...}, ...]}.
"""

from __future__ import annotations

import json
import sys
from types import SimpleNamespace

import django

django.setup()

from portico.identity.models import User  # noqa: E402
from portico.organizations.models import Organization  # noqa: E402
from tests.factories.claims import plan_member  # noqa: E402
from tests.factories.priorauth import make_pa_world, submitted  # noqa: E402
from tests.trust.faultserver.setup_world import _session_key  # noqa: E402


def main(count: int) -> None:
    plan_member()
    world = SimpleNamespace(
        practice_a=Organization.objects.get(name="Practice A"),
        practice_b=Organization.objects.get(name="Practice B"),
    )
    pa = make_pa_world(world)
    physician = User.objects.get(username="doctor-a01")
    rows = [submitted(pa, physician) for _ in range(count)]
    print(
        json.dumps(
            {
                "billing_clerk": _session_key(User.objects.get(username="clerk-a01")),
                "um_reviewer": _session_key(User.objects.get(username="umreview01")),
                "requests": [{"reference": r.reference, "version": r.version} for r in rows],
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 4)

"""Create the fault tests' people in the server's database; print their session cookies.

Run as ``python -m tests.trust.faultserver.setup_world`` with the fault settings. Prints JSON:
{"applicant": <session key>, "customer": <session key>, "physician": <session key>,
"priorauth_form": <the prior-authorization form's fields for the physician's member>}.
"""

from __future__ import annotations

import json

import django

django.setup()

from django.test import Client  # noqa: E402

from portico.organizations.models import Application, Organization, OrganizationTIN  # noqa: E402
from portico.organizations.services import grant_set  # noqa: E402
from portico.support.access import SESSION_KEY  # noqa: E402
from portico.support.models import CustomerUser  # noqa: E402
from tests.conftest import make_world, mfa_login  # noqa: E402
from tests.factories.identity import UserFactory  # noqa: E402
from tests.factories.priorauth import make_pa_world, pa_form_data  # noqa: E402


def _session_key(user, customer=None) -> str:  # type: ignore[no-untyped-def]
    client = mfa_login(Client(), user)
    if customer is not None:
        session = client.session
        session[SESSION_KEY] = {"id": customer.pk, "user": user.pk}
        session.save()
    return str(client.session.session_key)


def main() -> None:
    world = make_world()
    pa = make_pa_world(world)
    applicant = world.users["new_user"]
    org = Organization.objects.create(
        name="Empire Test Billing", kind=Organization.Kind.DIRECT_CUSTOMER
    )
    OrganizationTIN.objects.create(organization=org, tin="000123456")
    sam = UserFactory(username="empire-sam", email="sam@example.org")
    grant_set(user=sam, application=Application.SUPPORT, organization=org, scope={})
    customer = CustomerUser.objects.create(
        organization=org,
        first_name="Sam",
        last_name="Okafor",
        user_id="ZCS00001",
        portico_user=sam,
    )
    print(
        json.dumps(
            {
                "applicant": _session_key(applicant),
                "customer": _session_key(sam, customer),
                "physician": _session_key(world.users["physician"]),
                "priorauth_form": pa_form_data(pa, submit="1"),
            }
        )
    )


if __name__ == "__main__":
    main()

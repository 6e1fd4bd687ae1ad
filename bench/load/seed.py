"""Load-test accounts and workload data, made after ``portico demo-data --scale small``.

Run by bench/load/run.py in a subprocess with the same environment as gunicorn (production
settings, the load database). It needs one account per simulated user because Portico
rightly limits each account to one texted sign-in code per 30 seconds and six per hour, and a
support customer (User ID) can be linked to one Portico ID only. So it clones three demo
personas, row for row (the same password hash, memberships, application grants, legal
acceptances, phone factor), with a distinct username, email, phone and support User ID:

* ``load.clerk.NNNN``     from ``billing.clerk``   (Claims Online Portal),
* ``load.doctor.NNNN``    from ``dr.physician``    (Physician Info Portal, prior authorization),
* ``load.customer.NNNN``  from ``direct.customer`` (support cases).

Then it writes a JSON file with what the simulated users type: members the physician may look
up, members and providers for prior-authorization requests, and claim details of the clerk's
practice. Nothing in ``src/`` is changed. Usage (run.py does this):

    python bench/load/seed.py --accounts 400 --out workload.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

PERSONAS = {"clerk": "billing.clerk", "doctor": "dr.physician", "customer": "direct.customer"}


def _clone_users(count: int) -> dict[str, int]:
    from allauth.account.models import EmailAddress
    from django.db import transaction

    from portico.identity.models import (
        LegalAcceptance,
        PasswordHistory,
        PhoneAuthenticator,
        User,
    )
    from portico.organizations.models import ApplicationGrant, Membership
    from portico.support.models import CustomerUser

    skip = {"id", "username", "email", "phone", "last_login"}
    made: dict[str, int] = {}
    with transaction.atomic():
        for n, (short, template_name) in enumerate(PERSONAS.items()):
            template = User.objects.get(username=template_name)
            values = {
                f.attname: getattr(template, f.attname)
                for f in User._meta.concrete_fields
                if f.attname not in skip and not f.unique  # unique ones take their default
            }
            customer = CustomerUser.objects.filter(portico_user=template).first()
            users = User.objects.bulk_create(
                User(
                    **values,
                    username=f"load.{short}.{i:04d}",
                    email=f"load.{short}.{i:04d}@example.org",
                    phone=f"+1646{n + 2}{i:06d}",  # distinct per account: the code is read by it
                )
                for i in range(count)
            )
            EmailAddress.objects.bulk_create(
                EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users
            )
            PhoneAuthenticator.objects.bulk_create(PhoneAuthenticator(user=u) for u in users)
            for model in (Membership, ApplicationGrant, LegalAcceptance, PasswordHistory):
                rows = list(model.objects.filter(user=template))
                clones = []
                for u in users:
                    for row in rows:
                        copy = model.objects.get(pk=row.pk)
                        copy.pk = None
                        copy.user = u
                        clones.append(copy)
                model.objects.bulk_create(clones)
            for u in users:
                u.groups.set(template.groups.all())
            if customer is not None:
                CustomerUser.objects.bulk_create(
                    CustomerUser(
                        organization=customer.organization,
                        first_name=customer.first_name,
                        last_name=customer.last_name,
                        user_id=f"ZCS{10000 + n * 30000 + i:05d}"[:8],
                        portico_user=u,
                        linked_at=customer.linked_at,
                    )
                    for i, u in enumerate(users)
                )
            made[short] = len(users)
    return made


def _workload() -> dict:
    from django.db.models import Q
    from django.utils import timezone

    from portico.claims.models import Claim
    from portico.identity.models import User
    from portico.members.models import Coverage
    from portico.organizations.models import ApplicationGrant
    from portico.patientinfo.selectors import visible_members
    from portico.priorauth import selectors as pa_selectors
    from portico.support.models import CustomerUser

    today = timezone.localdate()
    doctor = User.objects.get(username="dr.physician")
    clerk = User.objects.get(username="billing.clerk")
    customer = CustomerUser.objects.get(portico_user__username="direct.customer")

    pip_members = list(
        visible_members(user=doctor).values_list("pk", "member_id", "last_name", "date_of_birth")[
            :500
        ]
    )
    plans = list(pa_selectors.plans()) if hasattr(pa_selectors, "plans") else []
    plan = plans[0] if plans else Coverage.objects.order_by("id").first().plan  # type: ignore[union-attr]
    open_coverage = (
        Coverage.objects.filter(plan=plan, end_date__isnull=True, start_date__lte=today)
        .select_related("member")
        .order_by("id")[:400]
    )
    pa_members = [(c.member.member_id, c.member.date_of_birth.isoformat()) for c in open_coverage]

    tins: list[str] = []
    for grant in ApplicationGrant.objects.filter(user=clerk, application="claims"):
        tins += list(grant.scope.get("tins", []))
    claim_rows = list(
        Claim.objects.filter(billing_tin__in=tins, kind="professional")
        .exclude(member_number="")
        .exclude(rendering_npi="")
        .values(
            "billing_tin",
            "billing_npi",
            "billing_name",
            "rendering_npi",
            "rendering_name",
            "payer_id",
            "member_number",
            "patient_first_name",
            "patient_last_name",
            "patient_dob",
        )
        .distinct()[:300]
    )
    # Only members covered on every date of service the load uses (today-203 … today-3):
    # a claim for a day without coverage is rightly refused.
    covered = set(
        Coverage.objects.filter(start_date__lte=today - dt.timedelta(days=203))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .values_list("member__member_id", flat=True)
    )
    claim_rows = [row for row in claim_rows if row["member_number"] in covered]
    for row in claim_rows:
        row["patient_dob"] = row["patient_dob"].isoformat() if row["patient_dob"] else ""
    return {
        "today": today.isoformat(),
        "pip_members": [[pk, mid, last, dob.isoformat()] for pk, mid, last, dob in pip_members],
        "pa_plan": plan.pk,
        "pa_members": pa_members,
        "claims": claim_rows,
        "claim_member_ids": sorted({r["member_number"] for r in claim_rows})[:50],
        "customer": {"first_name": customer.first_name, "last_name": customer.last_name},
        "customer_pfi": customer.organization.tins.values_list("tin", flat=True).first(),
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=400, help="accounts per persona")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    import django

    django.setup()
    made = _clone_users(args.accounts)
    data = _workload()
    data["accounts"] = made
    Path(args.out).write_text(json.dumps(data, indent=1, default=str))
    print(
        f"seed: {made} accounts; {len(data['pip_members'])} PIP members, "
        f"{len(data['pa_members'])} prior-auth members, {len(data['claims'])} claim templates"
    )


if __name__ == "__main__":
    main()

import datetime as dt

import factory

from portico.members.models import Coverage, HealthPlan, Member


class HealthPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HealthPlan
        django_get_or_create = ("payer_id",)

    name = factory.Sequence(lambda n: f"Test Health Plan {n}")
    short_name = "Test"
    payer_id = factory.Sequence(lambda n: f"TP{n:03d}")


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    plan = factory.SubFactory(HealthPlanFactory)
    member_id = factory.Sequence(lambda n: f"TM{n:09d}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1970, 5, 17)
    sex = "F"


class CoverageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Coverage

    member = factory.SubFactory(MemberFactory)
    plan = factory.SelfAttribute("member.plan")
    start_date = dt.date(2024, 1, 1)
    end_date = None

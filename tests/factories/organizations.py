import factory

from portico.organizations.models import (
    Membership,
    Organization,
    OrganizationTIN,
    Provider,
)
from portico.organizations.validators import npi_check_digit


def valid_npi(seq: int) -> str:
    first_nine = f"1{seq:08d}"
    return first_nine + str(npi_check_digit(first_nine))


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Practice {n}")
    address_line1 = "10 Main St"
    city = "Riverton"
    state = "NY"
    zip_code = "10001"
    phone = "(212) 555-0100"


class TINFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OrganizationTIN

    organization = factory.SubFactory(OrganizationFactory)
    tin = factory.Sequence(lambda n: f"{n + 1:09d}")
    kind = "ein"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    npi = factory.Sequence(valid_npi)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    credential = "MD"
    specialty = "Family Medicine"
    taxonomy_code = "207Q00000X"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory("tests.factories.identity.UserFactory")
    organization = factory.SubFactory(OrganizationFactory)
    role = Membership.Role.STAFF

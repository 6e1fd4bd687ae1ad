from portico.demo.generators import generate_small
from portico.support.models import Case, CaseComment, CustomerUser


def test_demo_has_the_direct_customer_and_cases(db):
    generate_small()
    person = CustomerUser.objects.get(user_id="ZCS00001")
    assert person.organization.name == "Empire Claims Billing"
    assert person.portico_user.username == "direct.customer"
    assert person.organization.tins.filter(tin="000123456").exists()
    cases = Case.objects.filter(organization=person.organization)
    assert cases.count() == 2
    assert CaseComment.objects.filter(case__in=cases, is_internal=False).count() >= 2
    assert CaseComment.objects.filter(case__in=cases, is_internal=True).exists()
    generate_small()  # idempotent
    assert Case.objects.count() == 2

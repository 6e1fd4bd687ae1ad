import pytest
from django.core.management import CommandError, call_command

from portico.members.models import Coverage, Member
from portico.organizations.models import ApplicationGrant, Provider
from portico.organizations.validators import is_valid_npi


@pytest.mark.django_db
def test_small_demo_data_is_complete_and_idempotent(capsys):
    call_command("demo_data", "--scale", "small")
    out = capsys.readouterr().out
    for username in ["billing.clerk", "practice.admin", "um.reviewer", "direct.customer"]:
        assert username in out
    members = Member.objects.count()
    assert members == 200 and Coverage.objects.count() == 200
    assert all(is_valid_npi(npi) for npi in Provider.objects.values_list("npi", flat=True))
    grants = ApplicationGrant.objects.count()
    call_command("demo_data", "--scale", "small")
    assert Member.objects.count() == members and ApplicationGrant.objects.count() == grants


@pytest.mark.django_db
def test_large_scale_is_deterministic_and_resumable():
    from portico.demo.generators import generate_large

    assert generate_large(seed=7, members=300) == 300
    first = list(
        Member.objects.filter(member_id__startswith="HL")
        .order_by("member_id")
        .values_list("member_id", "last_name", "date_of_birth")[:5]
    )
    assert generate_large(seed=7, members=300) == 0
    Member.objects.filter(member_id__startswith="HL").delete()
    generate_large(seed=7, members=300)
    again = list(
        Member.objects.filter(member_id__startswith="HL")
        .order_by("member_id")
        .values_list("member_id", "last_name", "date_of_birth")[:5]
    )
    assert first == again


@pytest.mark.parametrize("members", ["-5", "0", "many", "5000001"])
def test_member_count_must_be_a_sensible_whole_number(members):
    with pytest.raises(CommandError, match="members"):
        call_command("demo_data", "--scale", "large", "--members", members)


@pytest.mark.django_db
def test_small_demo_has_pending_access_requests_for_claims_and_support():
    from portico.organizations.models import AccessRequest, Application
    from portico.support.models import CustomerUser

    call_command("demo_data", "--scale", "small")
    pending = AccessRequest.objects.filter(requester__username="new.user").exclude(
        status__in=[AccessRequest.Status.APPROVED, AccessRequest.Status.DENIED]
    )
    assert sorted(pending.values_list("application", flat=True)) == sorted(
        [Application.CLAIMS, Application.SUPPORT]
    )
    support = pending.get(application=Application.SUPPORT)
    # Stored as the form cleans it: the PFI padded to 9 digits, the User ID upper-case.
    assert support.data["pfi"] == "000123456"
    assert support.data["user_id"] == "ZCS00002"
    assert support.data["company_name"] == "Empire Claims Billing"
    # The customer file knows that User ID; no Portico ID is linked to it yet.
    customer_user = CustomerUser.objects.get(user_id="ZCS00002")
    assert customer_user.portico_user is None


@pytest.mark.django_db
def test_small_demo_gives_every_staff_queue_work():
    """The examiners' appeal queue and the provider-connection review are not empty."""
    from portico.claims.models import Appeal, AppealStatus
    from portico.organizations.models import OrganizationProvider

    call_command("demo_data", "--scale", "small")
    assert Appeal.objects.filter(status=AppealStatus.RECEIVED).exists()
    assert Appeal.objects.filter(attachments__isnull=False).count() >= 2
    pending = OrganizationProvider.objects.get(status=OrganizationProvider.Status.PENDING)
    assert pending.organization.name == "Lakeside Family Medicine"


@pytest.mark.django_db
def test_the_sample_837_uploads_for_billing_clerk_with_one_rejection(capsys, settings, tmp_path):
    """`demo-data` writes an 837P for billing.clerk's practice and says where; uploaded, the
    clean claims are accepted and the one for an unknown member is rejected in the 277CA."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from portico.claims import selectors, services, tasks
    from portico.claims.models import Claim, SubmissionStatus
    from portico.identity.models import User

    settings.VAR_DIR = tmp_path
    call_command("demo_data", "--scale", "small")
    sample = tmp_path / "demo" / "sample-837p.x12"
    assert f"Sample 837P for billing.clerk (Claims → Files → Upload): {sample}" in (
        capsys.readouterr().out
    )
    clerk = User.objects.get(username="billing.clerk")
    item = services.claim_file_upload(
        user=clerk, file=SimpleUploadedFile("sample-837p.x12", sample.read_bytes())
    )
    assert tasks.process_claim_file(item.pk) == SubmissionStatus.ACCEPTED_WITH_ERRORS
    item.refresh_from_db()
    assert (item.claim_count, item.accepted_count, item.rejected_count) == (6, 5, 1)
    assert "Member NOSUCHMEMBER1 is not enrolled with this payer." in item.error_summary
    stream = selectors.claim_file_ack_open(item=item, which="277ca")
    assert stream is not None
    with stream:
        ack = stream.read().decode()
    for claim in Claim.objects.filter(submission_file=item):
        assert f"REF*1K*{claim.number}~" in ack


def test_demo_addresses_have_zip_codes_of_their_state():
    import random

    from portico.demo.generators import fake_address

    first_digit = {"NY": "1", "CA": "9", "NJ": "0"}
    rng = random.Random(7)
    for _ in range(200):
        address = fake_address(rng)
        assert address["zip_code"][0] == first_digit[address["state"]], address

import datetime as dt
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from portico.demo.generators import generate_small
from portico.documents.models import Document
from portico.members.models import HealthPlan, PlanProgram
from portico.priorauth import demo, selectors
from portico.priorauth.models import (
    CUTOVER_RECENT,
    LegacyCase,
    PlanPriorAuthSettings,
    PriorAuthRequest,
    Status,
)
from tests.conftest import mfa_login
from tests.connect.helpers import pdf_text

pytestmark = pytest.mark.django_db


def test_demo_covers_every_status_and_is_idempotent():
    generate_small(seed=1)
    assert demo.generate(scale="small", rng=random.Random(1)) == 10
    statuses = set(PriorAuthRequest.objects.values_list("status", flat=True))
    assert set(Status.values) <= statuses
    assert LegacyCase.objects.count() == 3
    assert demo.generate(scale="small", rng=random.Random(1)) == 0


def test_demo_plan_shows_the_notice_of_its_move_on_the_demo_day():
    """The demo plan cut over on June 1, 2026: on November 24, 2026 (the demo's day) the
    "since" notice is still within the default 180 days."""
    generate_small(seed=1)
    demo.generate(scale="small", rng=random.Random(1))
    banners = selectors.cutover_banners(today=dt.date(2026, 11, 24))
    assert [(b.settings.plan.payer_id, b.phase) for b in banners] == [
        (demo.PAYER_ID, CUTOVER_RECENT)
    ]
    assert banners[0].settings.cutover_date == dt.date(2026, 6, 1)


def test_every_demo_answer_fits_its_question():
    """Each text answer is its own (the injections question does not repeat the imaging
    answer), names what its question asks about, and fits the category's body part; a
    denial for too little conservative therapy agrees with the weeks answered."""
    generate_small(seed=1)
    demo.generate(scale="small", rng=random.Random(1))
    rows = PriorAuthRequest.objects.exclude(status=Status.DRAFT).select_related("service_category")
    asks = {
        "imaging": ("MRI", "X-ray", "CT"),
        "prior_injections": ("injection", "None"),
        "function_limits": ("walk", "stairs", "dress", "shoes"),
    }
    seen_injections = False
    for row in rows:
        questions = row.service_category.questions
        assert set(row.clinical_answers) == {q["key"] for q in questions}
        texts = [row.clinical_answers[q["key"]] for q in questions if q["kind"] == "text"]
        assert len(texts) == len(set(texts)), (row.service_category.code, texts)
        for question in questions:
            answer = row.clinical_answers[question["key"]]
            if question["kind"] == "yesno":
                assert answer in ("yes", "no")
            elif question["kind"] == "number":
                assert answer.isdigit()
            else:
                words = asks[question["key"]]
                assert any(w.lower() in answer.lower() for w in words), (question, answer)
        body = {"spine-surgery": "spine", "pain-management": "spine", "joint-surgery": "knee"}
        assert body[row.service_category.code] in row.clinical_answers["imaging"].lower()
        seen_injections |= "prior_injections" in row.clinical_answers
        if row.status == Status.DENIED:
            assert int(row.clinical_answers["conservative_weeks"]) < 6
    assert seen_injections


def test_demo_prior_authorization_fax_is_the_programs_and_labelled_so():
    """Harborview's general fax (HealthPlan.fax, shown on /contact/) and its prior
    authorization fax (the Spine, Pain and Joint program's, PlanProgram.fax) are different
    numbers on purpose; the portal names the second as the prior authorization fax."""
    generate_small(seed=1)
    demo.generate(scale="small", rng=random.Random(1))
    plan = HealthPlan.objects.get(payer_id=demo.PAYER_ID)
    program = PlanProgram.objects.get(plan=plan, code="spj")
    settings_row = PlanPriorAuthSettings.objects.get(plan=plan)
    assert settings_row.fax == ""  # no second copy of the number
    assert settings_row.request_fax == program.fax == "1-800-555-0163"
    assert plan.fax == "1-800-555-0162"
    office = get_user_model().objects.get(username="dr.physician")
    html = mfa_login(Client(), office).get(reverse("priorauth:home")).content.decode()
    assert (
        '<dt>Prior authorization fax</dt><dd>1-800-555-0163 <span class="portico-meta">'
        "(prior authorization requests and clinical records only)</span></dd>"
    ) in html
    assert "Fax number for requests" not in html
    letter = Document.objects.filter(kind="pa_approval").first() or Document.objects.first()
    with default_storage.open(letter.storage_key) as handle:
        text = " ".join(pdf_text(handle.read()).split())
    assert "Prior authorization fax: 1-800-555-0163" in text

"""The Help Center's defaults: the guides pages link to, the document's answers, and the data
migration that brings an older Help Center up to date without undoing administrators' edits."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from portico.connect.faq_defaults import ADDED, PREVIOUS, TOPICS
from portico.connect.models import FaqEntry, FaqTopic
from tests.factories.identity import UserFactory

pytestmark = pytest.mark.django_db

refresh_defaults = importlib.import_module(
    "portico.connect.migrations.0003_faq_entry_slugs_and_guides"
).refresh_defaults


def _first_release() -> None:
    """The Help Center as migration 0002 loaded it before the guides: old wording, no slugs,
    none of the answers added since."""
    FaqEntry.objects.all().delete()
    FaqTopic.objects.all().delete()
    for t_pos, (slug, title, entries) in enumerate(TOPICS, start=1):
        first_release = [
            PREVIOUS.get(question, (question, answer))
            for question, answer, entry_slug in entries
            if entry_slug not in ADDED
        ]
        if not first_release:
            continue
        topic = FaqTopic.objects.create(slug=slug, title=title, position=t_pos * 10)
        for e_pos, (question, answer) in enumerate(first_release, start=1):
            FaqEntry.objects.create(
                topic=topic, question=question, answer=answer, position=e_pos * 10
            )


def test_a_fresh_install_has_every_default_with_its_slug():
    slugs = {slug for _t, _title, entries in TOPICS for _q, _a, slug in entries}
    assert set(FaqEntry.objects.exclude(slug="").values_list("slug", flat=True)) == slugs


def test_the_migration_updates_untouched_answers_keeps_edited_ones_and_adds_the_new():
    _first_release()
    edited = FaqEntry.objects.get(question="How do I receive determination letters?")
    edited.answer = "Our own wording, written by an administrator."
    edited.save()
    deleted = FaqEntry.objects.get(question="What if I have a shared account?")
    deleted.delete()

    refresh_defaults(apps, None)

    code = FaqEntry.objects.get(slug="access-code")
    assert "{code_sender_numbers}" in code.answer and "{idp_support_hours}" in code.answer
    assert FaqEntry.objects.get(slug="letters").answer == edited.answer  # not overwritten
    assert not FaqEntry.objects.filter(question="What if I have a shared account?").exists()
    # The guides sit right after the answer before them in the defaults.
    signing_in = list(
        FaqEntry.objects.filter(topic__slug="signing-in").values_list("slug", flat=True)
    )
    assert signing_in == [
        "access-code",
        "which-email",
        "second-step",
        "passkey-guide",
        "authenticator-guide",
        "password-renewal",
    ]
    changing = FaqTopic.objects.get(slug="what-is-changing")
    topics = list(FaqTopic.objects.values_list("slug", flat=True))
    assert topics.index("what-is-changing") == topics.index("what-is-not-changing") - 1
    assert changing.entries.get().slug == "what-is-changing"
    # Running it again changes nothing.
    before = list(FaqEntry.objects.values_list("pk", "question", "answer", "slug", "position"))
    refresh_defaults(apps, None)
    after = list(FaqEntry.objects.values_list("pk", "question", "answer", "slug", "position"))
    assert before == after


def test_an_entry_link_opens_that_answer_alone_and_filled_in(client, settings):
    settings.PORTICO_BRAND = {
        **settings.PORTICO_BRAND,
        "code_sender_numbers": "+1-866-555-0101 or +1-877-555-0102",
        "idp_support_hours": "Monday–Friday, 9:00 a.m. – 6:00 p.m. Eastern",
    }
    page = client.get(reverse("connect:help"), {"entry": "access-code"}).content.decode()
    assert "+1-866-555-0101 or +1-877-555-0102" in page
    assert "Monday–Friday, 9:00 a.m. – 6:00 p.m. Eastern" in page
    assert 'aria-expanded="true"' in page and " hidden" not in page
    assert "How do I set up a passkey?" not in page
    assert "Show all questions and answers" in page
    missing = client.get(reverse("connect:help"), {"entry": "no-such-answer"}).content.decode()
    assert "No answers match" in missing


def test_the_document_answers_are_in_the_help_center(client):
    page = client.get(reverse("connect:help")).content.decode()
    for text in [
        "What changes when a health plan moves to Portico?",
        "initial adverse determinations (full and partial)",
        "administrative withdrawals, pends and lack of information",
        "call the health plan&#x27;s provider services",
        "Are there address or fax number changes?",
    ]:
        assert text in page, text


def test_the_set_up_step_links_each_guide(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("identity:mfa_setup")).content.decode()
    for name, slug in [
        ("Guide to set up passkey", "passkey-guide"),
        ("Guide to set up authenticator", "authenticator-guide"),
    ]:
        assert f'href="/help/?entry={slug}">{name}</a>' in page
    # The guide opens before any sign-in method is set up (the Help Center is MFA-exempt).
    guide = client.get("/help/?entry=passkey-guide")
    assert guide.status_code == 200 and "Create passkey" in guide.content.decode()


def test_the_claims_form_links_its_instructions(world, persona_client):
    page = persona_client("new_user").get(reverse("connect:access-claims")).content.decode()
    assert 'href="/help/?entry=claims-access-form"' in page
    guide = persona_client("new_user").get("/help/?entry=claims-access-form").content.decode()
    assert "Authorizing Officer" in guide and "Print Portal Access Form" in guide

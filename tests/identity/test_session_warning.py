"""The idle-timeout warning dialog is on every signed-in page, once."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.factories.identity import UserFactory

MARK = 'id="portico-session-modal"'


def _render(request, source="{% load portico_session %}{% session_timeout_warning %}"):
    return Template(source).render(Context({"request": request}))


@pytest.mark.django_db
def test_tag_renders_once_per_request_and_only_for_signed_in_users(rf: RequestFactory):
    request = rf.get("/")
    request.user = AnonymousUser()
    assert _render(request) == ""
    request = rf.get("/")
    request.user = UserFactory()
    twice = _render(
        request,
        "{% load portico_session %}{% session_timeout_warning %}{% session_timeout_warning %}",
    )
    assert twice.count(MARK) == 1 and "identity/session-timeout.js" in twice
    assert "/id/session/extend/" in twice and "Stay signed in" in twice


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("physician", "connect:home"),  # the chooser
        ("practice_admin", "/id/profile/"),
        ("access_admin", "connect:staff-queue"),
        ("support_agent", "/support/staff/"),
        ("support_agent", "/support/"),
        ("new_user", "/"),
    ],
)
def test_signed_in_pages_carry_the_warning(world, persona_client, persona, url):
    response = persona_client(persona).get(reverse(url) if ":" in url else url)
    assert response.status_code == 200, (url, response.status_code)
    assert response.content.decode().count(MARK) == 1


def test_anonymous_pages_do_not(client, db):
    assert MARK not in client.get("/").content.decode()


def test_every_base_page_carries_it(world, persona_client):
    """A page of another app that extends base.html without including the tag itself."""
    request = RequestFactory().get("/")
    request.user = world.users["billing_clerk"]
    html = Template('{% extends "base.html" %}').render(Context({"request": request}))
    assert MARK in html

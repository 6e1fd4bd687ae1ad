"""Public pages: the landing page ("Common Landing Page"), Sign Me Up, Help and Contact."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from portico.connect import content
from portico.connect.models import FaqEntry, FaqTopic
from portico.members.selectors import plans
from portico.organizations.selectors import access_requests_for_user


def _login_url(next_url: str) -> str:
    return f"{reverse('account_login')}?{urlencode({'next': next_url})}"


def _landing_context(request: HttpRequest) -> dict:
    user = request.user
    pending = []
    if user.is_authenticated:
        pending = list(
            access_requests_for_user(user=user).exclude(status__in=["approved", "denied"])[:10]
        )
        recent_decisions = list(
            access_requests_for_user(user=user).filter(status__in=["approved", "denied"])[:3]
        )
    else:
        recent_decisions = []
    choose_url = reverse("connect:signup-choose")
    return {
        "portal_cards": content.PORTAL_CARDS,
        "applications": content.APPLICATION_LINES,
        "registrable_portals": content.REGISTRABLE_PORTALS,
        "pending_requests": pending,
        "recent_decisions": recent_decisions,
        "validate_url": _login_url(choose_url),
        "link_url": _login_url(reverse("connect:legacy-link")),
        "login_next_url": _login_url(reverse("connect:home")),
        "signup_url_next": f"{reverse('account_signup')}?{urlencode({'next': choose_url})}",
    }


def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "connect/landing.html", _landing_context(request))


def signup(request: HttpRequest) -> HttpResponse:
    """ "Sign Me Up" without JavaScript: the "Validate with Portico ID" step as a page."""
    if request.user.is_authenticated:
        return redirect("connect:signup-choose")
    return render(request, "connect/signup_validate.html", _landing_context(request))


def signup_choose(request: HttpRequest) -> HttpResponse:
    """Back from sign-in: "Which portal do you want to register for?" (dialog and page)."""
    if not request.user.is_authenticated:
        return redirect(_login_url(request.path))
    context = _landing_context(request)
    context["open_chooser"] = True
    return render(request, "connect/landing.html", context)


def help_center(request: HttpRequest) -> HttpResponse:
    # NUL can't be in a question (PostgreSQL can't even compare text with it): drop it.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    # One answer that a page links to by its slug (the set-up guides, the form instructions).
    entry_slug = request.GET.get("entry", "").replace("\x00", "").strip()[:60]
    entries = FaqEntry.objects.filter(is_published=True)
    if query:
        entries = entries.filter(Q(question__icontains=query) | Q(answer__icontains=query))
    if entry_slug:
        entries = entries.filter(slug=entry_slug)
    topics = (
        FaqTopic.objects.filter(entries__in=entries)
        .distinct()
        .prefetch_related(Prefetch("entries", queryset=entries, to_attr="shown"))
    )
    brand = settings.PORTICO_BRAND
    rendered = [
        {
            "title": FaqEntry().render(topic.title, brand),
            "slug": topic.slug,
            "entries": [
                {
                    "id": entry.pk,
                    "question": entry.render(entry.question, brand),
                    "paragraphs": entry.paragraphs(brand),
                }
                for entry in topic.shown
            ],
        }
        for topic in topics
    ]
    return render(
        request,
        "connect/help.html",
        {
            "topics": rendered,
            "query": query,
            "entry_slug": entry_slug,
            "expanded": bool(query or entry_slug),
            "result_count": sum(len(t["entries"]) for t in rendered),
            # The link leads to the Django admin: offered to whoever it will let in.
            "can_edit": request.user.is_staff and request.user.has_perm("connect.change_faqentry"),
        },
    )


def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "connect/contact.html", {"plans": plans()})

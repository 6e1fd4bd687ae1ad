"""Practice administrators: the practice's users, invitations and providers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portico.connect.forms.practice import InviteForm, ProviderConnectForm
from portico.members.selectors import plans
from portico.members.services import (
    ProviderConnectError,
    ProviderNotListed,
    practice_provider_connect,
)
from portico.organizations.selectors import (
    admin_organization_get_for_user,
    admin_organizations_for_user,
    practice_administrators_for_user,
    practice_invitation_get,
    practice_invitations_open,
    practice_membership_get,
    practice_memberships,
    practice_provider_link_get,
    practice_provider_links,
)
from portico.organizations.services.practice import (
    PracticeError,
    invitation_accept,
    invitation_for_token,
    invitation_problem,
    invitation_revoke,
    invitation_send,
    membership_deactivate,
    practice_provider_remove,
)


@login_required
@require_GET
def practice_index(request: HttpRequest) -> HttpResponse:
    organizations = list(admin_organizations_for_user(user=request.user).distinct())
    if len(organizations) == 1:
        return redirect("connect:practice-users", org=organizations[0].pk)
    return render(
        request,
        "connect/practice/index.html",
        {
            "organizations": organizations,
            "administrators": []
            if organizations
            else practice_administrators_for_user(user=request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def users(request: HttpRequest, org: int) -> HttpResponse:
    organization = admin_organization_get_for_user(user=request.user, pk=org)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        accept_url = request.build_absolute_uri(
            reverse("connect:invitation", kwargs={"token": "TOKEN"})
        ).replace("TOKEN", "{token}")
        try:
            invitation_send(
                organization=organization,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                actor=request.user,
                accept_url=accept_url,
            )
        except PracticeError as exc:
            form.add_error("email", str(exc))
        else:
            messages.success(request, f"An invitation was emailed to {form.cleaned_data['email']}.")
            return redirect("connect:practice-users", org=organization.pk)
    return render(
        request,
        "connect/practice/users.html",
        {
            "organization": organization,
            "memberships": practice_memberships(organization=organization),
            "invitations": practice_invitations_open(organization=organization),
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def user_deactivate(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    organization = admin_organization_get_for_user(user=request.user, pk=org)
    membership = practice_membership_get(organization=organization, pk=pk)
    try:
        membership_deactivate(membership=membership, actor=request.user)
    except PracticeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{membership.user.get_full_name() or membership.user.get_username()} can no longer "
            f"use {organization.name}'s portals.",
        )
    return redirect("connect:practice-users", org=organization.pk)


@login_required
@require_POST
def invitation_withdraw(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    organization = admin_organization_get_for_user(user=request.user, pk=org)
    invitation = practice_invitation_get(organization=organization, pk=pk)
    invitation_revoke(invitation=invitation, actor=request.user)
    messages.success(request, f"The invitation to {invitation.email} was withdrawn.")
    return redirect("connect:practice-users", org=organization.pk)


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation email: sign in (or create a Portico ID), then join."""
    invite = invitation_for_token(token)
    problem = invitation_problem(invite)
    if request.method == "POST" and request.user.is_authenticated and not problem:
        try:
            membership = invitation_accept(token=token, user=request.user)
        except PracticeError as exc:
            problem = str(exc)
        else:
            messages.success(request, f"You joined {membership.organization.name}.")
            return redirect("connect:home")
    next_q = urlencode({"next": request.path})
    return render(
        request,
        "connect/invitation.html",
        {
            "invitation": None if invite is None or problem else invite,
            "problem": problem,
            "login_url": f"{reverse('account_login')}?{next_q}",
            "signup_url": f"{reverse('account_signup')}?{next_q}",
        },
        status=404 if invite is None else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def providers(request: HttpRequest, org: int) -> HttpResponse:
    """Manage Providers: connect by NPI or Provider ID (listed in the plan's file)."""
    organization = admin_organization_get_for_user(user=request.user, pk=org)
    form = ProviderConnectForm(request.POST or None)
    not_listed_plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            link = practice_provider_connect(
                organization=organization,
                plan=data["plan"],
                actor=request.user,
                npi=data["npi"],
                provider_id=data["provider_id"],
                provider_password=data["provider_password"],
            )
        except ProviderNotListed:
            not_listed_plan = data["plan"]
            form.add_error(
                None,
                f"This provider is not listed in {data['plan'].name}'s provider file. "
                "See below for who to contact.",
            )
        except ProviderConnectError as exc:
            form.add_error(None, str(exc))
        else:
            if link.status == link.Status.ACTIVE:
                messages.success(request, f"{link.provider.display_name} is now connected.")
            else:
                messages.success(
                    request,
                    f"Your request to connect {link.provider.display_name} was sent to an "
                    "administrator for review.",
                )
            return redirect("connect:practice-providers", org=organization.pk)
    return render(
        request,
        "connect/practice/providers.html",
        {
            "organization": organization,
            "links": practice_provider_links(organization=organization),
            "form": form,
            "not_listed_plan": not_listed_plan,
            # Who issues each plan's Provider IDs and passwords (the FAQ's "How do I find
            # this information?"), next to the fields that ask for them.
            "plans": plans(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def provider_remove(request: HttpRequest, org: int, pk: int) -> HttpResponse:
    organization = admin_organization_get_for_user(user=request.user, pk=org)
    link = practice_provider_link_get(organization=organization, pk=pk)
    practice_provider_remove(link=link, actor=request.user)
    messages.success(request, f"{link.provider.display_name} was removed.")
    return redirect("connect:practice-providers", org=organization.pk)

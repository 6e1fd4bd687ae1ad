"""``portico api-client``: system clients (OAuth client credentials) bound to an organisation.

Examples::

    portico api-client create --name "Lakeside PM system" --organization 12 \\
        --application claims --application priorauth [--submit-claims] [--tin 111111111]
    portico api-client create --name "PIP feed" --organization 12 \\
        --application patientinfo --region R1
    portico api-client list
    portico api-client delete CLIENT_ID

Output is JSON. The client secret is printed once, at creation (rotate it with
``portico oidc-client rotate-secret CLIENT_ID``).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.api import selectors, services
from portico.organizations.models import Organization


class Command(BaseCommand):
    help = "Manage system API clients bound to an organisation (create, list, delete)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="Register a client; prints its id and secret.")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--organization", required=True, help="Organisation id, or its exact name."
        )
        create.add_argument(
            "--application",
            action="append",
            required=True,
            dest="applications",
            choices=sorted(services.APPLICATION_SCOPES),
        )
        create.add_argument("--tin", action="append", default=[], dest="tins")
        create.add_argument("--submit-claims", action="store_true")
        create.add_argument("--region", action="append", default=[], dest="regions")
        actions.add_parser("list", help="List system clients.")
        delete = actions.add_parser("delete", help="Delete a client and its tokens.")
        delete.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(options)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc

    def _organization(self, value: str) -> Organization:
        qs = (
            Organization.objects.filter(pk=int(value))
            if value.isdigit()
            else (Organization.objects.filter(name=value))
        )
        found = list(qs[:2])
        if len(found) != 1:
            raise CommandError(f"No single organisation matches {value!r}.")
        return found[0]

    def _create(self, options: dict[str, Any]) -> None:
        created = services.api_client_create(
            name=options["name"],
            organization=self._organization(options["organization"]),
            applications=options["applications"],
            options={
                "tins": options["tins"],
                "submit_claims": options["submit_claims"],
                "regions": options["regions"],
            },
        )
        self._print(
            {
                "client_id": created.client.id,
                "client_secret": created.secret,
                "organization": created.binding.organization.name,
                "scopes": created.client.get_scopes(),
                "service_account": created.binding.service_user.username,
                # Where this deployment serves it (PORTICO_BASE_URL), ready to paste.
                "token_endpoint": settings.PORTICO_BASE_URL.rstrip("/") + "/identity/o/api/token",
            }
        )

    def _list(self, options: dict[str, Any]) -> None:
        self._print(
            [
                {
                    "client_id": b.client_id,
                    "name": b.client.name,
                    "organization": b.organization.name,
                    "scopes": b.client.get_scopes(),
                    "service_account": b.service_user.username,
                    "active": b.is_active,
                }
                for b in selectors.api_clients()
            ]
        )

    def _delete(self, options: dict[str, Any]) -> None:
        services.api_client_delete(client_id=options["client_id"])
        self._print({"deleted": options["client_id"]})

    def _print(self, data: Any) -> None:
        self.stdout.write(json.dumps(data, indent=2))

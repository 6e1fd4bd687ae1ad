"""``portico oidc-client``: register, list, delete OpenID Connect clients; rotate secrets.

Examples::

    portico oidc-client create --name "Practice PM system" \\
        --redirect-uri https://pm.example.org/oidc/callback \\
        --post-logout-redirect-uri https://pm.example.org/
    portico oidc-client create --name "Claims robot" --grant client_credentials \\
        --scope claims.read
    portico oidc-client list
    portico oidc-client rotate-secret CLIENT_ID
    portico oidc-client delete CLIENT_ID

Output is JSON. A confidential client's secret is printed once, at creation or rotation.
"""

from __future__ import annotations

import json
from typing import Any

from allauth.idp.oidc.models import Client
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from portico.identity.oidc import (
    OFFERED_GRANTS,
    oidc_client_create,
    oidc_client_delete,
    oidc_client_rotate_secret,
    oidc_clients_list,
)

GRANT_CHOICES = list(OFFERED_GRANTS)


class Command(BaseCommand):
    help = "Manage OpenID Connect clients of Portico ID (create, list, delete, rotate-secret)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)

        create = actions.add_parser("create", help="Register a client; prints its id (+secret).")
        create.add_argument("--name", required=True)
        create.add_argument(
            "--redirect-uri", action="append", default=[], dest="redirect_uris", metavar="URI"
        )
        create.add_argument(
            "--post-logout-redirect-uri",
            action="append",
            default=[],
            dest="post_logout_redirect_uris",
            metavar="URI",
        )
        create.add_argument(
            "--public",
            action="store_true",
            help="No secret (browser or native app); PKCE is required.",
        )
        create.add_argument(
            "--first-party",
            action="store_true",
            help="Trusted application: users are not asked for consent.",
        )
        create.add_argument(
            "--grant",
            action="append",
            default=[],
            dest="grants",
            choices=GRANT_CHOICES,
            help="Repeatable. Default: authorization_code and refresh_token.",
        )
        create.add_argument(
            "--scope",
            action="append",
            default=[],
            dest="scopes",
            help="Repeatable (or space-separated). Default: openid profile email.",
        )

        actions.add_parser("list", help="List clients as JSON.")
        delete = actions.add_parser("delete", help="Delete a client and revoke its tokens.")
        delete.add_argument("client_id")
        rotate = actions.add_parser("rotate-secret", help="Issue a new secret (old one stops).")
        rotate.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "create":
                result = self._create(options)
            elif action == "list":
                result = {"clients": oidc_clients_list()}
            elif action == "delete":
                oidc_client_delete(client_id=options["client_id"])
                result = {"deleted": options["client_id"]}
            else:
                secret = oidc_client_rotate_secret(client_id=options["client_id"])
                result = {"client_id": options["client_id"], "client_secret": secret}
        except Client.DoesNotExist as exc:
            raise CommandError(f"No client with id {options.get('client_id')!r}.") from exc
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(json.dumps(result, indent=2))

    def _create(self, options: dict[str, Any]) -> dict[str, Any]:
        scopes = [s for value in options["scopes"] for s in value.split()]
        client, secret = oidc_client_create(
            name=options["name"],
            redirect_uris=options["redirect_uris"],
            post_logout_redirect_uris=options["post_logout_redirect_uris"],
            public=options["public"],
            first_party=options["first_party"],
            grant_types=options["grants"],
            scopes=scopes,
        )
        result: dict[str, Any] = {
            "client_id": client.id,
            "name": client.name,
            "type": client.type,
            "first_party": client.skip_consent,
            "grant_types": client.get_grant_types(),
            "scopes": client.get_scopes(),
            "redirect_uris": client.get_redirect_uris(),
            "post_logout_redirect_uris": client.get_post_logout_redirect_uris(),
        }
        if secret is not None:
            result["client_secret"] = secret
        return result

from django.apps import AppConfig


class OrganizationsConfig(AppConfig):
    name = "portico.organizations"
    label = "organizations"
    verbose_name = "Practices and providers"

    def ready(self) -> None:
        from portico.core import storage_sweep
        from portico.core.audit import register_actions, register_organization_names
        from portico.organizations.selectors import organization_names

        register_organization_names(organization_names)

        register_actions(
            {
                "portico.organization.created": "created a practice",
                "portico.organization.tin_added": "added a Tax ID to a practice",
                "portico.organization.updated": "changed a practice's address or contact details",
                "portico.membership.added": "added a user to a practice",
                "portico.membership.deactivated": "deactivated a user of a practice",
                "portico.grant.created": "granted access to an application",
                "portico.grant.changed": "changed access to an application",
                "portico.grant.revoked": "revoked access to an application",
                "portico.access_request.submitted": "submitted an access form",
                "portico.access_request.sign": "signed an access form",
                "portico.access_request.attach_fax": "attached a faxed access form",
                "portico.access_request.e_signature_signed": "signed an access form in the browser",
                "portico.access_request.e_signatures_requested": (
                    "asked the others named on an access form to sign it"
                ),
                "portico.access_request.e_signature_link_resent": (
                    "sent a signer the link to sign an access form again"
                ),
                "portico.access_request.start_review": "started reviewing an access request",
                "portico.access_request.approve": "approved an access request",
                "portico.access_request.deny": "denied an access request",
                "portico.access_request.ask_more_info": "asked for more information",
                "portico.access_request.reply": "answered a request for more information",
                "portico.access_request.viewed": "viewed an access request",
                "portico.access_request.form_downloaded": "downloaded a signed access form",
                "portico.legacy.imported": "imported legacy portal users",
                "portico.legacy.code_sent": "sent a code to link a legacy username",
                "portico.legacy.link_failed": "failed to prove a legacy username",
                "portico.legacy.linked": "linked a legacy username to a Portico ID",
                "portico.invitation.sent": "invited a user to a practice",
                "portico.invitation.accepted": "accepted an invitation to a practice",
                "portico.invitation.revoked": "withdrew an invitation to a practice",
                "portico.practice_provider.requested": "asked to connect a provider",
                "portico.practice_provider.connected": "connected a provider to a practice",
                "portico.practice_provider.approved": "approved a provider connection",
                "portico.practice_provider.rejected": "rejected a provider connection",
                "portico.practice_provider.removed": "removed a provider from a practice",
            }
        )
        # Orphan sweep (core/storage_sweep.py): the signed access form's key. Its files are
        # written by connect under "access-forms/" (registered there).
        storage_sweep.register_stored_files(
            key_fields=["organizations.AccessRequest.signed_form_key"]
        )

from django.contrib import admin

from portico.organizations.models import (
    AccessRequest,
    AccessRequestSignature,
    ApplicationGrant,
    LegacyAccount,
    Membership,
    Organization,
    OrganizationProvider,
    OrganizationTIN,
    Provider,
)


class TINInline(admin.TabularInline):
    model = OrganizationTIN
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "city", "state", "is_active")
    search_fields = ("name", "tins__tin")
    list_filter = ("kind", "is_active")
    inlines = [TINInline]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("npi", "last_name", "first_name", "organization_name", "specialty")
    search_fields = ("npi", "last_name", "organization_name")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organization", "role", "is_active")
    list_filter = ("role", "is_active")
    raw_id_fields = ("user", "organization")


@admin.register(ApplicationGrant)
class ApplicationGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "application", "organization", "is_active", "created_at")
    list_filter = ("application", "is_active")
    raw_id_fields = ("user", "organization", "granted_by")


admin.site.register(OrganizationProvider)


class SignatureInline(admin.TabularInline):
    """The form's e-signature lines, read-only: a signature is made by its signer's link, and
    the token is never shown (only its hash is stored)."""

    model = AccessRequestSignature
    extra = 0
    can_delete = False
    fields = ("position", "role", "name", "email", "sent_at", "expires_at", "signed_name",
              "signed_at", "signed_ip")  # fmt: skip
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "application", "request_type", "status", "requester", "created_at")
    list_filter = ("application", "status")
    search_fields = ("reference", "practice_name", "requester__username", "contact_email")
    raw_id_fields = ("requester", "organization", "decided_by")
    readonly_fields = ("idempotency_key", "signed_form_key", "signed_at", "signed_ip")
    inlines = [SignatureInline]


@admin.register(LegacyAccount)
class LegacyAccountAdmin(admin.ModelAdmin):
    list_display = ("username", "email", "practice_tin", "linked_user", "linked_at")
    search_fields = ("username", "email")
    raw_id_fields = ("linked_user",)
    exclude = ("password_hash",)

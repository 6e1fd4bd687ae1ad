from django.contrib import admin

from portico.organizations.models import (
    AccessRequest,
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


@admin.register(AccessRequest)
class AccessRequestAdmin(admin.ModelAdmin):
    list_display = ("reference", "application", "request_type", "status", "requester", "created_at")
    list_filter = ("application", "status")
    search_fields = ("reference", "practice_name", "requester__username", "contact_email")
    raw_id_fields = ("requester", "organization", "decided_by")
    readonly_fields = ("idempotency_key", "signed_form_key", "signed_at", "signed_ip")


@admin.register(LegacyAccount)
class LegacyAccountAdmin(admin.ModelAdmin):
    list_display = ("username", "email", "practice_tin", "linked_user", "linked_at")
    search_fields = ("username", "email")
    raw_id_fields = ("linked_user",)
    exclude = ("password_hash",)

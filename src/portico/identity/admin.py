from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from portico.identity import oidc
from portico.identity.models import LegalAcceptance, LegalDocument, User

# Audited OIDC client/token admin in place of allauth's.
oidc.register_admin(admin.site)


@admin.register(User)
class PorticoUserAdmin(UserAdmin):
    list_display = ("username", "email", "first_name", "last_name", "is_active", "is_staff")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Portico ID", {"fields": ("year_of_birth", "phone", "phone_verified")}),
    )


@admin.register(LegalDocument)
class LegalDocumentAdmin(admin.ModelAdmin):
    """Publishing a new version = adding a row; users accept the newest of each kind."""

    list_display = ("kind", "version", "title", "published_at")
    list_filter = ("kind",)


@admin.register(LegalAcceptance)
class LegalAcceptanceAdmin(admin.ModelAdmin):
    list_display = ("user", "document", "accepted_at", "ip_address")
    list_select_related = ("user", "document")
    readonly_fields = ("user", "document", "accepted_at", "ip_address")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

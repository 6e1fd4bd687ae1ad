from django.contrib import admin

from portico.support.models import Case, CustomerUser


@admin.register(CustomerUser)
class CustomerUserAdmin(admin.ModelAdmin):
    list_display = (
        "user_id",
        "last_name",
        "first_name",
        "organization",
        "portico_user",
        "is_active",
    )
    search_fields = ("user_id", "last_name", "first_name", "organization__name")
    list_filter = ("is_active",)
    raw_id_fields = ("portico_user",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("number", "organization", "case_type", "status", "assignee", "last_activity_at")
    search_fields = ("number", "subject", "organization__name")
    list_filter = ("status", "case_type")
    readonly_fields = [f.name for f in Case._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False

from django.contrib import admin

from portico.api.models import ApiClientBinding


@admin.register(ApiClientBinding)
class ApiClientBindingAdmin(admin.ModelAdmin):
    list_display = ("client", "organization", "service_user", "is_active", "created_at")
    list_filter = ("is_active",)
    raw_id_fields = ("client", "service_user", "organization", "created_by")
    readonly_fields = ("created_at",)

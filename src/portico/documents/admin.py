from django.contrib import admin

from portico.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "organization", "delivery", "mail_status", "created_at")
    list_filter = ("kind", "delivery", "mail_status")
    readonly_fields = [f.name for f in Document._meta.fields]
    search_fields = ("title", "subject_id")

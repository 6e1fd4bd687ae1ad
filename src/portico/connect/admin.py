from django.contrib import admin

from portico.connect.models import FaqEntry, FaqTopic


class FaqEntryInline(admin.StackedInline):
    model = FaqEntry
    extra = 0
    fields = ("question", "answer", "position", "is_published")


@admin.register(FaqTopic)
class FaqTopicAdmin(admin.ModelAdmin):
    list_display = ("title", "position")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [FaqEntryInline]


@admin.register(FaqEntry)
class FaqEntryAdmin(admin.ModelAdmin):
    list_display = ("question", "topic", "position", "is_published", "updated_at")
    list_filter = ("topic", "is_published")
    search_fields = ("question", "answer")

from django.contrib import admin

from portico.referrals.models import Referral, ReferralEvent


class ReferralEventInline(admin.TabularInline):
    model = ReferralEvent
    extra = 0
    readonly_fields = ("at", "actor", "actor_kind", "from_status", "to_status", "note")
    can_delete = False


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("number", "status", "organization", "referred_to_npi", "start_date", "end_date")
    list_filter = ("status", "urgency", "source")
    search_fields = ("number", "referred_to_npi")
    raw_id_fields = ("member", "referring_provider", "referred_to_provider", "organization")
    readonly_fields = ("number",)
    inlines = [ReferralEventInline]

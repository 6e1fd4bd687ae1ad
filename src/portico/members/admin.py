from django.contrib import admin

from portico.members.models import Coverage, HealthPlan, Member, PlanProgram, PlanProvider


class ProgramInline(admin.TabularInline):
    model = PlanProgram
    extra = 0


@admin.register(HealthPlan)
class HealthPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "payer_id", "provider_services_phone")
    inlines = [ProgramInline]


class CoverageInline(admin.TabularInline):
    model = Coverage
    extra = 0


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = ("member_id", "last_name", "first_name", "date_of_birth", "plan")
    search_fields = ("member_id", "last_name")
    list_filter = ("plan",)
    raw_id_fields = ("subscriber", "pcp")
    inlines = [CoverageInline]


@admin.register(PlanProvider)
class PlanProviderAdmin(admin.ModelAdmin):
    list_display = ("plan", "plan_provider_id", "provider", "network")
    search_fields = ("plan_provider_id", "provider__npi")
    raw_id_fields = ("provider",)

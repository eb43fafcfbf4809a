from django.contrib import admin

from .models import (
    AdministrativePenalty,
    CaseDeadline,
    CreditEvent,
    CreditPlatform,
    EnforcementCase,
    Enterprise,
    EnterpriseContact,
    RepairApplication,
)


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative"]
    search_fields = ["name", "uscc"]
    inlines = [ContactInline]


class DeadlineInline(admin.TabularInline):
    model = CaseDeadline
    extra = 0
    readonly_fields = ["kind", "starts_on", "due_on", "met_on", "warned_at", "overdue_at"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(admin.ModelAdmin):
    """Read-only: the workflow runs through the services (pages and API), which keep the audit chain."""

    list_display = ["case_number", "enterprise", "state", "ground", "grace_end", "published_on"]
    list_filter = ["state", "ground"]
    search_fields = ["case_number", "enterprise__name", "enterprise__uscc"]
    inlines = [DeadlineInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditEvent)
class CreditEventAdmin(admin.ModelAdmin):
    list_display = ["case", "action", "actor_label", "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CreditPlatform)
class CreditPlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "backend", "address", "confirm_window_hours", "is_active"]


@admin.register(RepairApplication)
class RepairApplicationAdmin(admin.ModelAdmin):
    list_display = ["case", "ground", "status", "submitted_at"]
    list_filter = ["status"]
    readonly_fields = ["case", "ground", "statement", "commitment", "applicant", "status", "decided_by",
                       "decided_at", "decision_reason"]


@admin.register(AdministrativePenalty)
class AdministrativePenaltyAdmin(admin.ModelAdmin):
    list_display = ["decision_number", "enterprise", "decided_on", "severity", "regime", "exemption"]
    list_filter = ["severity", "regime"]

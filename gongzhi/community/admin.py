from django.contrib import admin

from gongzhi.core.admin import ReadOnlyAdmin

from .models import (
    Activity,
    CommunityEvent,
    LedgerAccount,
    LedgerEntry,
    PartyBuildingProject,
    PartyMemberHousehold,
    RedResource,
    SelfOrganization,
)


@admin.register(SelfOrganization)
class SelfOrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "region", "stage", "mentor_unit"]
    list_filter = ["stage", "domain"]
    search_fields = ["name"]
    # Set by the incubation workflow's services, which keep the audit trail (services.review_organization,
    # set_mentor_unit); not edited here.
    readonly_fields = ["stage", "filing_number", "mentor_unit"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "region", "starts_at", "state", "capacity", "party_masses"]
    list_filter = ["state", "party_masses"]
    search_fields = ["title"]
    readonly_fields = ["state"]  # moved by services.advance_activity, which keeps the audit trail


admin.site.register([PartyBuildingProject, PartyMemberHousehold, RedResource])


# The ledger and the event trail are append-only: their admin is ReadOnlyAdmin.


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "balance_hours", "balance_points"]


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "debit", "credit", "hours", "points", "confirmed_by", "created_at"]


@admin.register(CommunityEvent)
class CommunityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "subject", "action", "actor_label"]

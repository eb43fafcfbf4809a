from django.contrib import admin

from gongzhi.core.admin import ReadOnlyAdmin

from .models import (
    Activity,
    CommunityEvent,
    HelpRequest,
    LedgerAccount,
    LedgerEntry,
    LinkedHousehold,
    PartyBuildingProject,
    PartyMemberHousehold,
    ProjectUpdate,
    Redemption,
    RedResource,
    RewardItem,
    SelfOrganization,
    VolunteerProfile,
)


@admin.register(SelfOrganization)
class SelfOrganizationAdmin(ReadOnlyAdmin):
    """Registered, reviewed and mentored through the incubation workflow's pages and services (the audit trail)."""

    list_display = ["name", "domain", "region", "stage", "mentor_unit"]
    list_filter = ["stage", "domain"]
    search_fields = ["name"]


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    """Created, published, finished and cancelled through the activity pages and services (the audit trail)."""

    list_display = ["title", "region", "starts_at", "state", "capacity", "party_masses"]
    list_filter = ["state", "party_masses"]
    search_fields = ["title"]


# Records that have their own pages and services (which check and audit every change: issue O) are read-only
# here, as appeals are: central households and their households, projects and their progress, red resources,
# volunteer profiles, the catalogue and redemptions.


@admin.register(PartyMemberHousehold)
class PartyMemberHouseholdAdmin(ReadOnlyAdmin):
    list_display = ["party_member", "grid", "address", "created_at"]


@admin.register(LinkedHousehold)
class LinkedHouseholdAdmin(ReadOnlyAdmin):
    list_display = ["address", "head_name", "center", "last_visited_on"]
    exclude = ["phone", "phone_bidx"]


@admin.register(PartyBuildingProject)
class PartyBuildingProjectAdmin(ReadOnlyAdmin):
    list_display = ["title", "region", "party_unit", "state", "starts_on", "completed_at"]
    list_filter = ["state"]


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(ReadOnlyAdmin):
    list_display = ["project", "created_at", "recorded_by"]


@admin.register(RedResource)
class RedResourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "region"]


@admin.register(VolunteerProfile)
class VolunteerProfileAdmin(ReadOnlyAdmin):
    list_display = ["user", "region", "skills", "availability", "updated_at"]


@admin.register(RewardItem)
class RewardItemAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "points", "is_active"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["user", "item", "points", "state", "requested_at", "decided_by"]


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


@admin.register(HelpRequest)
class HelpRequestAdmin(ReadOnlyAdmin):
    list_display = ["summary", "kind", "region", "state", "due_on", "asked_at"]
    list_filter = ["state", "kind"]

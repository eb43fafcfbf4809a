from django.contrib import admin

from gongzhi.core.admin import ReadOnlyAdmin

from .models import (
    Ballot,
    DeliberationEvent,
    Elector,
    Meeting,
    Opinion,
    Owner,
    OwnerRegister,
    PropertyUnit,
    Resolution,
    ResolutionTask,
    Topic,
    Vote,
)

# Writes go through the services (they check the rules and write the audit trail): ReadOnlyAdmin.


@admin.register(Topic)
class TopicAdmin(ReadOnlyAdmin):
    list_display = ["title", "phase", "source", "region", "created_at"]
    list_filter = ["phase", "source"]
    search_fields = ["title"]


@admin.register(Opinion)
class OpinionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "author_name", "stance", "channel", "hidden", "created_at"]
    list_filter = ["stance", "channel", "hidden"]


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["title", "kind", "starts_at", "state"]
    list_filter = ["kind", "state"]


class PropertyUnitInline(admin.TabularInline):
    model = PropertyUnit
    extra = 0
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OwnerRegister)
class OwnerRegisterAdmin(ReadOnlyAdmin):
    list_display = ["name", "region", "created_at"]


@admin.register(Owner)
class OwnerAdmin(ReadOnlyAdmin):
    list_display = ["name", "register", "is_developer", "user"]
    inlines = [PropertyUnitInline]


@admin.register(Vote)
class VoteAdmin(ReadOnlyAdmin):
    list_display = ["question", "topic", "rule", "state", "passed"]
    list_filter = ["rule", "state"]


@admin.register(Elector)
class ElectorAdmin(ReadOnlyAdmin):
    list_display = ["vote", "name", "household", "resident_group", "user"]
    search_fields = ["name", "household"]


@admin.register(Ballot)
class BallotAdmin(ReadOnlyAdmin):
    list_display = ["vote", "voter_name", "channel", "cast_at"]
    list_filter = ["channel"]


@admin.register(Resolution)
class ResolutionAdmin(ReadOnlyAdmin):
    list_display = ["topic", "decided_at", "completed_at"]


@admin.register(ResolutionTask)
class ResolutionTaskAdmin(ReadOnlyAdmin):
    list_display = ["title", "unit", "due_date", "progress", "state"]
    list_filter = ["state"]


@admin.register(DeliberationEvent)
class DeliberationEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "topic", "action", "actor_label"]
    list_filter = ["action"]

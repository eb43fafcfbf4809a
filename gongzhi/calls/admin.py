from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Call, CtiKey, Seat


@admin.register(CtiKey)
class CtiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # made by `gongzhi create_cti_key`, which shows the key once

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        n = CtiKey.revoke(request.user, queryset)
        self.message_user(request, _("已吊销 %(n)d 个密钥。") % {"n": n})


@admin.register(Seat)
class SeatAdmin(admin.ModelAdmin):
    list_display = ["agent_id", "user"]
    search_fields = ["agent_id", "user__username", "user__display_name"]
    raw_id_fields = ["user"]


@admin.register(Call)
class CallAdmin(admin.ModelAdmin):
    list_display = ["call_id", "state", "agent_id", "ringing_at", "answered_at", "ended_at", "appeal"]
    list_filter = ["state"]
    readonly_fields = [f.name for f in Call._meta.fields]

    def has_add_permission(self, request):
        return False

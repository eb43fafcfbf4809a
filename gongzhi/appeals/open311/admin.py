from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import Open311Key


@admin.register(Open311Key)
class Open311KeyAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "scope", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = [
        "prefix",
        "scope",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]  # revoke via the audited action
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # keys are made by `gongzhi create_open311_key`, which shows the key once

    @admin.action(description=_("吊销所选密钥"))
    def revoke(self, request, queryset):
        n = Open311Key.revoke(request.user, queryset)
        self.message_user(request, _("已吊销 %(n)d 个密钥。") % {"n": n})

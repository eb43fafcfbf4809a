from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import calendar
from .masking import mask_numbers_in_text, mask_phone
from .models import AuditEvent, CalendarOverride, Notification, Region, Unit, User

# The admin's header read "Django 管理" (Django's default) above a Chinese site.
admin.site.site_header = _("共治 管理后台")
admin.site.site_title = _("共治 管理后台")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    # The list masks phone numbers (a resident's account name is "m" + their phone); search by the full number
    # still works, and the account's own page keeps the number an admin corrects.
    list_display = ["account", "display_name", "masked_phone", "unit", "region", "is_staff"]
    list_display_links = ["account"]
    search_fields = ["username", "display_name", "phone"]
    autocomplete_fields = ["unit", "region"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("共治"), {"fields": ["display_name", "phone", "id_number", "unit", "region", "notify_optional"]}),
    ]

    @admin.display(description=_("用户名"), ordering="username")
    def account(self, user):
        return mask_numbers_in_text(user.username)

    @admin.display(description=_("手机号"))
    def masked_phone(self, user):
        return mask_phone(user.phone)


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]

    def changelist_view(self, request, extra_context=None):
        last = calendar.library_last_year()
        messages.warning(request, _(
            "工作日历库的数据截至 %(year)s 年；此后的日期除本表调整外按周一至周五计算。"
            "每年11月国务院办公厅公布次年放假安排后，请在此录入次年的节假日和调休上班日。") % {"year": last})
        return super().changelist_view(request, extra_context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through the services (they check the rules and write the audit trail), or never
    (trails, ledgers): the admin may look, not add, change or delete."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "actor_label", "action", "target", "note"]
    list_filter = ["action"]
    search_fields = ["target", "note"]


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "unit", "masked_phone", "subject", "status"]
    list_filter = ["channel", "status"]
    search_fields = ["subject", "phone"]
    exclude = ["phone"]
    readonly_fields = ["masked_phone"]

    @admin.display(description=_("手机号"))
    def masked_phone(self, notification):
        return mask_phone(notification.phone)
from . import notice_admin  # noqa: E402,F401  (templates, preferences, webhooks, delivery log)

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import calendar, geo, holidays, twofactor
from .masking import mask_numbers_in_text, mask_phone
from .models import AuditEvent, CalendarOverride, Notification, Region, Unit, User

# A second-factor device is made by its owner (core.twofactor, audited), never in the admin: an admin could
# otherwise bind their own authenticator to another account. The admin resets them (UserAdmin's action).
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class EncryptedSearchMixin:
    """Phone numbers are encrypted at rest (core.fieldcrypt): the admin's search finds a row by a whole number
    through the blind index, not by a fragment."""

    encrypted_search_fields: tuple[str, ...] = ("phone",)

    def get_search_results(self, request, queryset, search_term):
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = "".join(search_term.split())
        if term.isdigit() and len(term) >= 7:
            match = Q()
            for name in self.encrypted_search_fields:
                match |= Q(**{name: term})
            found = found | queryset.filter(match)
        return found, may_have_duplicates


# The admin's header read "Django 管理" (Django's default) above a Chinese site.
admin.site.site_header = _("共治 管理后台")
admin.site.site_title = _("共治 管理后台")


class RegionAdminForm(forms.ModelForm):
    class Meta:
        model = Region
        fields = ["code", "name", "level", "parent", "boundary"]
        help_texts = {
            "boundary": _(
                "GeoJSON 的 Polygon 或 MultiPolygon，WGS-84 经纬度；留空表示没有边界。"
                "整县的边界请用“导入边界（GeoJSON）”。"
            )
        }

    def clean_boundary(self):
        try:
            return geo.clean_boundary(self.cleaned_data.get("boundary"))
        except geo.BoundaryError as exc:
            raise forms.ValidationError(exc.message) from None


class BoundaryImportForm(forms.Form):
    file = forms.FileField(label=_("GeoJSON 文件"), help_text=_("不超过 20MB。"))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    form = RegionAdminForm
    list_display = ["code", "name", "level", "parent", "has_boundary"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]
    change_list_template = "admin/core/region/change_list.html"

    @admin.display(description=_("边界"), boolean=True)
    def has_boundary(self, region):
        return region.has_boundary

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(has_boundary=ExpressionWrapper(Q(boundary__isnull=False), output_field=BooleanField()))
        )

    def save_model(self, request, obj, form, change):
        """The boundary goes through core.geo.set_boundary: checked and written to the audit trail."""
        boundary = form.cleaned_data.get("boundary")
        obj.boundary = (
            Region.with_boundary.filter(pk=obj.pk).values_list("boundary", flat=True).first()
            if change
            else None
        )
        obj.save()
        geo.set_boundary(request.user, obj, boundary)

    def get_urls(self):
        return [
            path(
                "import-boundaries/",
                self.admin_site.admin_view(self.import_boundaries),
                name="core_region_import_boundaries",
            ),
            *super().get_urls(),
        ]

    def import_boundaries(self, request):
        """A civil-affairs GeoJSON file: check, then import (core.geo.import_boundaries, as the command does)."""
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryImportForm(request.POST or None, request.FILES or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("导入区域边界（GeoJSON）"),
        }
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            save = "save" in request.POST
            if upload.size > 20 * 1024 * 1024:
                form.add_error("file", _("文件不能超过20MB。"))
            else:
                try:
                    report = geo.import_boundaries(request.user, upload.read(), dry_run=not save)
                except geo.BoundaryError as exc:
                    form.add_error("file", exc.message)
                else:
                    if save and report.ok:
                        messages.success(request, " ".join(report.lines()))
                        return redirect("admin:core_region_changelist")
                    context.update(report_lines=report.lines(), saved=False)
        return render(request, "admin/core/region/import.html", context)


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region"]


@admin.register(User)
class UserAdmin(EncryptedSearchMixin, BaseUserAdmin):
    # The list masks phone numbers; the account's own page keeps the number an admin corrects. Phone numbers are
    # encrypted at rest, so the search finds an account by its full number only (get_search_results).
    list_display = ["account", "display_name", "masked_phone", "roles_label", "unit", "region", "is_staff"]
    list_display_links = ["account"]
    search_fields = ["username", "display_name"]
    autocomplete_fields = ["unit", "region"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (_("共治"), {"fields": ["display_name", "phone", "id_number", "unit", "region", "notify_optional"]}),
    ]

    actions = ["reset_second_factor"]

    @admin.action(description=_("重置二次验证（手机丢失时：下次登录重新绑定）"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        for user in queryset:
            twofactor.reset(request.user, user)
        self.message_user(
            request,
            _("已重置 %(n)s 个账号的二次验证，下次登录时须重新绑定身份验证器。") % {"n": queryset.count()},
            messages.SUCCESS,
        )

    @admin.display(description=_("角色"))
    def roles_label(self, user):
        return "、".join(sorted(role_label(name) for name in user.roles))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: f"{role_label(group.name)}（{group.name}）"
            field.label = _("角色")
        return field

    @admin.display(description=_("用户名"), ordering="username")
    def account(self, user):
        return mask_numbers_in_text(user.username)

    @admin.display(description=_("手机号"))
    def masked_phone(self, user):
        return mask_phone(user.phone)


class HolidayNoticeForm(forms.Form):
    text = forms.CharField(
        label=_("通知全文"),
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=_("国务院办公厅关于××××年部分节假日安排的通知，含标题。"),
    )
    year = forms.IntegerField(
        label=_("年份"),
        required=False,
        min_value=2000,
        max_value=2100,
        help_text=_("通知文本没有标题时填写。"),
    )


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin):
    list_display = ["date", "is_working_day", "note"]
    list_filter = ["is_working_day"]
    change_list_template = "admin/core/calendaroverride/change_list.html"

    def get_urls(self):
        return [
            path(
                "import/", self.admin_site.admin_view(self.import_notice), name="core_calendaroverride_import"
            ),
            *super().get_urls(),
        ]

    def import_notice(self, request):
        """The State Council's notice pasted as published: preview, then import (core.holidays)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = HolidayNoticeForm(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": _("粘贴放假通知导入"),
        }
        if request.method == "POST" and form.is_valid():
            try:
                notice = holidays.parse_notice(form.cleaned_data["text"], form.cleaned_data["year"])
            except holidays.NoticeError as exc:
                form.add_error("text", exc.message)
            else:
                save = "save" in request.POST
                counts = holidays.import_notice(request.user, notice, dry_run=not save)
                if save:
                    messages.success(
                        request,
                        _("已导入%(year)s年节假日安排：新增%(c)s天，更新%(u)s天。")
                        % {"year": notice.year, "c": counts["created"], "u": counts["updated"]},
                    )
                    return redirect("admin:core_calendaroverride_changelist")
                context.update(notice=notice, counts=counts)
        return render(request, "admin/core/calendaroverride/import.html", context)

    def changelist_view(self, request, extra_context=None):
        last = calendar.library_last_year()
        messages.warning(
            request,
            _(
                "工作日历库的数据截至 %(year)s 年；此后的日期除本表调整外按周一至周五计算。"
                "每年11月国务院办公厅公布次年放假安排后，请在此录入次年的节假日和调休上班日。"
            )
            % {"year": last},
        )
        return super().changelist_view(request, extra_context)


# ---------------------------------------------------------------- Chinese labels for codes the admin lists

# Labels of the actions on core's audit trail; other apps add theirs (credit: contacts, enterprises, penalties).
AUDIT_ACTION_LABELS: dict[str, str] = {
    "register_resident": _("居民账号注册"),
    "unmask_contact": _("查看完整联系方式"),
    "notification_preferences": _("修改通知偏好"),
    "notification_template": _("修改通知模板"),
    "outbox_retry": _("重发外发消息"),
    "webhook_create": _("新建事件推送"),
    "webhook_update": _("修改事件推送"),
    "open311_key_issued": _("签发 Open311 密钥"),
    "open311_key_revoked": _("吊销 Open311 密钥"),
    "open311_private_read": _("Open311 读取完整诉求记录"),
    "import_holidays": _("导入节假日安排"),
    "enrol_2fa": _("绑定身份验证器"),
    "backup_codes_2fa": _("重新生成备用验证码"),
    "backup_code_used_2fa": _("使用备用验证码登录"),
    "reset_2fa": _("重置二次验证"),
    "set_region_boundary": _("修改区域边界"),
    "export_personal_data": _("下载我的数据"),
    "close_account": _("注销账号"),
    "rotate_field_keys": _("轮换字段加密密钥"),
    "sms_template": _("修改短信模板"),
}


def register_audit_labels(labels: dict) -> None:
    AUDIT_ACTION_LABELS.update(labels)


def role_label(name: str) -> str:
    from django.conf import settings

    return str(settings.ROLE_LABELS.get(name, name))


def action_label_column(labels):
    """A list column (and its filter) showing an event's action as its Chinese label; `labels(action) -> str`."""

    @admin.display(description=_("事件"), ordering="action")
    def action_label(self, event):
        return labels(event.action)

    return action_label


def action_filter(labels):
    class ActionFilter(admin.SimpleListFilter):
        title = _("事件")
        parameter_name = "action"

        def lookups(self, request, model_admin):
            actions = model_admin.model.objects.order_by().values_list("action", flat=True).distinct()
            return sorted(((a, labels(a)) for a in actions), key=lambda pair: pair[1])

        def queryset(self, request, queryset):
            return queryset.filter(action=self.value()) if self.value() else queryset

    return ActionFilter


def _audit_label(action: str) -> str:
    return str(AUDIT_ACTION_LABELS.get(action, action))


admin.site.unregister(Group)


@admin.register(Group)
class RoleGroupAdmin(GroupAdmin):
    """角色: each group is a role (core.choices.Role), listed by its Chinese name."""

    list_display = ["role", "name"]

    @admin.display(description=_("角色"), ordering="name")
    def role(self, group):
        return role_label(group.name)


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
    list_display = ["created_at", "actor_label", "action_label", "target", "note"]
    list_filter = [action_filter(_audit_label)]
    action_label = action_label_column(_audit_label)
    search_fields = ["target", "note"]


@admin.register(Notification)
class NotificationAdmin(EncryptedSearchMixin, admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "unit", "masked_phone", "subject", "status"]
    list_filter = ["channel", "status"]
    search_fields = ["subject"]
    exclude = ["phone"]
    readonly_fields = ["masked_phone"]

    @admin.display(description=_("手机号"))
    def masked_phone(self, notification):
        return mask_phone(notification.phone)


from .notices import admin as notice_admin  # noqa: E402,F401  (templates, preferences, webhooks, delivery log)

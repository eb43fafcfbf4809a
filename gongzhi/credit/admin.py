from django import forms
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin import ReadOnlyAdmin, action_filter, action_label_column, register_audit_labels
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import append_audit_event

from . import services
from .choices import PenaltyType
from .models import (
    AdministrativePenalty,
    CaseDeadline,
    CreditEvent,
    CreditPlatform,
    DiscretionBand,
    DiscretionBenchmark,
    EnforcementCase,
    Enterprise,
    EnterpriseContact,
    RepairApplication,
)
from .services import contact_snapshot
from .workflow import EVENT_LABELS

# The credit app's actions on core's audit trail.
register_audit_labels(
    {
        "add_contact": _("添加企业联系人"),
        "change_contact": _("修改企业联系人"),
        "remove_contact": _("删除企业联系人"),
        "link_contact": _("企业联系人绑定账号"),
        "create_enterprise": _("登记企业"),
        "change_enterprise": _("修改企业信息"),
        "delete_enterprise": _("删除企业"),
        "create_platform": _("登记信用平台"),
        "change_platform": _("修改信用平台"),
        "platform_active": _("恢复向信用平台推送"),
        "platform_inactive": _("停止向信用平台推送新名单"),
        "backfill_platform": _("向信用平台补发已公示名单"),
        "import_discretion": _("导入裁量基准"),
        "change_discretion": _("修改裁量基准"),
        "approve_outside_band": _("审批超出裁量基准的处罚"),
        "enterprise_appeal": _("企业诉求"),
        "record_penalty": _("记录行政处罚"),
        "record_penalty_exemption": _("记录不予处罚决定"),
        "penalty_performed": _("处罚已履行"),
    }
)


def _enterprise_snapshot(enterprise: Enterprise) -> dict:
    return {
        "name": enterprise.name,
        "uscc": enterprise.uscc,
        "legal_representative": enterprise.legal_representative,
        "address": enterprise.address,
        "region": enterprise.region.code if enterprise.region else None,
    }


def _credit_label(action: str) -> str:
    return str(EVENT_LABELS.get(action, action))


class ContactInline(admin.TabularInline):
    model = EnterpriseContact
    extra = 0


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "uscc", "legal_representative"]
    search_fields = ["name", "uscc"]
    inlines = [ContactInline]

    def get_readonly_fields(self, request, obj=None):
        """The USCC names the enterprise on its published cases and in what the credit platforms received: once it
        has a case or a penalty, a correction is a new enterprise, not an edit."""
        fields = [
            *super().get_readonly_fields(request, obj),
            "created_at",
        ]  # 登记时间 is a record, not an input
        if obj is not None and any(
            related.exists()
            for related in (obj.cases, obj.penalties, obj.penalty_exemptions, obj.appeal_links)
        ):
            fields.append("uscc")
        return fields

    def delete_model(self, request, obj):
        with transaction.atomic():
            self._audit_deletion(request, [obj])
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            self._audit_deletion(request, list(queryset.select_related("region")))
            super().delete_queryset(request, queryset)

    @staticmethod
    def _audit_deletion(request, enterprises) -> None:
        """Only an enterprise with no case, penalty or appeal can go (those rows PROTECT it); its contacts go with
        it, and the trail keeps what it was."""
        for enterprise in enterprises:
            append_audit_event(
                request.user,
                "delete_enterprise",
                target=f"credit.enterprise:{enterprise.pk}",
                note=str(_("管理后台")),
                before={
                    **_enterprise_snapshot(enterprise),
                    "contacts": [contact_snapshot(c) for c in enterprise.contacts.all()],
                },
            )

    def save_model(self, request, obj, form, change):
        """Every registration and edit made here goes on the audit trail, with the fields before and after."""
        before = (
            _enterprise_snapshot(Enterprise.objects.select_related("region").get(pk=obj.pk)) if change else {}
        )
        super().save_model(request, obj, form, change)
        target = f"credit.enterprise:{obj.pk}"
        after = _enterprise_snapshot(obj)
        if not change:
            append_audit_event(
                request.user,
                "create_enterprise",
                target=target,
                note=_("管理后台"),
                after={"uscc": obj.uscc, "region": after["region"]},
            )
            return
        changed = [f for f in after if after[f] != before[f]]
        if changed:
            append_audit_event(
                request.user,
                "change_enterprise",
                target=target,
                note=_("管理后台"),
                before={f: before[f] for f in changed},
                after={f: after[f] for f in changed},
            )

    def save_formset(self, request, form, formset, change):
        """Contacts are managed here only; a contact's account sees the enterprise's cases, so every grant and
        withdrawal goes on the audit trail as services.add_contact's does."""
        super().save_formset(request, form, formset, change)
        if formset.model is not EnterpriseContact:
            return
        target = f"credit.enterprise:{form.instance.pk}"
        for contact in formset.new_objects:
            append_audit_event(
                request.user,
                "add_contact",
                target=target,
                note=_("管理后台"),
                after=contact_snapshot(contact),
            )
        for contact, changed in formset.changed_objects:
            append_audit_event(
                request.user,
                "change_contact",
                target=target,
                note=_("管理后台"),
                after={**contact_snapshot(contact), "changed": changed},
            )
        for contact in formset.deleted_objects:
            append_audit_event(
                request.user,
                "remove_contact",
                target=target,
                note=_("管理后台"),
                before=contact_snapshot(contact),
            )


class DeadlineInline(admin.TabularInline):
    model = CaseDeadline
    extra = 0
    readonly_fields = ["kind", "starts_on", "due_on", "met_on", "warned_at", "overdue_at"]


@admin.register(EnforcementCase)
class EnforcementCaseAdmin(ReadOnlyAdmin):
    """Read-only: cases are registered and moved through the services (pages and API), which keep the audit chain."""

    list_display = ["case_number", "enterprise", "state", "ground", "grace_end", "published_on"]
    list_filter = ["state", "ground"]
    search_fields = ["case_number", "enterprise__name", "enterprise__uscc"]
    inlines = [DeadlineInline]


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ["case", "action_label", "actor_label", "created_at"]
    list_filter = [action_filter(_credit_label)]
    action_label = action_label_column(_credit_label)


class CreditPlatformForm(forms.ModelForm):
    """The admin checks a platform's address as the service does (core.netguard): it skipped that, so a file drop
    could be written under ../ and a webhook platform took file:// and an empty secret (issue N item 5)."""

    class Meta:
        model = CreditPlatform
        fields = ["name", "backend", "address", "secret", "confirm_window_hours", "is_active"]

    def clean(self):
        data = super().clean()
        if data.get("backend") and data.get("address") is not None:
            try:
                data["address"], data["secret"] = services.clean_platform_target(
                    data["backend"], data["address"], data.get("secret", "")
                )
            except ServiceError as exc:
                self.add_error(exc.field if exc.field in self.fields else None, str(exc.message))
        return data


@admin.register(CreditPlatform)
class CreditPlatformAdmin(admin.ModelAdmin):
    form = CreditPlatformForm
    list_display = ["name", "backend", "address", "confirm_window_hours", "is_active"]

    def save_model(self, request, obj, form, change):
        """As the services do: on the audit trail, and a platform added or made active again receives the records
        published now (credit.services.platforms.backfill_platform)."""
        was_active = CreditPlatform.objects.filter(pk=obj.pk).values_list("is_active", flat=True).first()
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            append_audit_event(
                request.user,
                "change_platform" if change else "create_platform",
                target=f"credit.platform:{obj.pk}",
                note=obj.name,
                after={
                    "backend": obj.backend,
                    "address": obj.address,
                    "is_active": obj.is_active,
                    "confirm_window_hours": obj.confirm_window_hours,
                },
            )
            if obj.is_active and not was_active:
                services.backfill_platform(request.user, obj)


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ["case", "ground", "status", "submitted_at"]
    list_filter = ["status"]
    readonly_fields = [
        "case",
        "ground",
        "statement",
        "commitment",
        "applicant",
        "status",
        "decided_by",
        "decided_at",
        "decision_reason",
    ]


@admin.register(AdministrativePenalty)
class AdministrativePenaltyAdmin(ReadOnlyAdmin):
    """Read-only: penalties are recorded after the Art. 33 check and marked performed through the services, which
    keep the audit trail."""

    list_display = ["decision_number", "enterprise", "decided_on", "severity", "regime", "exemption"]
    list_filter = ["severity", "regime"]


class DiscretionBandForm(forms.ModelForm):
    measures = forms.MultipleChoiceField(
        label=_("处罚种类"), choices=PenaltyType.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = DiscretionBand
        fields = ["grade", "circumstances", "measures", "fine_min", "fine_max"]

    def clean(self):
        data = super().clean()
        low, high = data.get("fine_min"), data.get("fine_max")
        if low is not None and high is not None and low > high:
            self.add_error("fine_max", _("罚款上限不能低于下限。"))
        return data


class DiscretionBandInline(admin.TabularInline):
    model = DiscretionBand
    form = DiscretionBandForm
    extra = 0


class DiscretionImportForm(forms.Form):
    file = forms.FileField(
        label=_("裁量基准表（.xlsx 或 .csv）"),
        help_text=_(
            "列：执法领域、编号、违法行为、违法依据、处罚依据、裁量等级、适用情形、处罚种类、"
            "罚款下限、罚款上限、来源；每行一个违法行为的一个等级。"
        ),
    )
    source = forms.CharField(label=_("来源（发布机关和文件名称）"), max_length=300, required=False)


@admin.register(DiscretionBenchmark)
class DiscretionBenchmarkAdmin(admin.ModelAdmin):
    """The table an enforcement field publishes (行政处罚裁量基准): edited here or imported from its spreadsheet;
    every change is on the audit trail."""

    list_display = ["code", "field", "violation", "is_active"]
    list_filter = ["field", "is_active"]
    search_fields = ["code", "violation"]
    inlines = [DiscretionBandInline]
    change_list_template = "admin/credit/discretionbenchmark/change_list.html"

    def get_urls(self):
        from django.urls import path

        return [
            path("import/", self.admin_site.admin_view(self.import_table), name="credit_discretion_import"),
            *super().get_urls(),
        ]

    def import_table(self, request):
        from django.contrib import messages
        from django.shortcuts import redirect, render

        from .discretion import import_benchmarks

        if not self.has_add_permission(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        form = DiscretionImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                counts = import_benchmarks(
                    request.user, upload.read(), upload.name, source=form.cleaned_data["source"]
                )
            except ServiceError as exc:
                form.add_error("file", str(exc.message))
            else:
                messages.success(
                    request,
                    _("已导入 %(b)s 项违法行为、%(n)s 个裁量等级。")
                    % {"b": counts["benchmarks"], "n": counts["bands"]},
                )
                return redirect("admin:credit_discretionbenchmark_changelist")
        return render(
            request,
            "admin/credit/discretionbenchmark/import.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "form": form,
                "title": _("导入裁量基准表"),
            },
        )

    def save_related(self, request, form, formsets, change):
        with transaction.atomic():
            super().save_related(request, form, formsets, change)
            obj = form.instance
            append_audit_event(
                request.user,
                "change_discretion",
                target=f"credit.discretion:{obj.pk}",
                note=str(obj),
                after={
                    "bands": [
                        {
                            "grade": b.grade,
                            "measures": b.measures,
                            "fine_min": str(b.fine_min),
                            "fine_max": str(b.fine_max),
                        }
                        for b in obj.bands.all()
                    ]
                },
            )

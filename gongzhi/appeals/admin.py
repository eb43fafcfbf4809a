from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gongzhi.core.admin import ReadOnlyAdmin, action_filter, action_label_column, register_audit_labels
from gongzhi.core.masking import mask_id_number, mask_phone

from .models import (
    Appeal,
    AppealEvent,
    Callback,
    Category,
    DispatchRule,
    ExtensionRequest,
    KnowledgeArticle,
    ReturnRequest,
    Supervision,
    TimeLimit,
)
from .workflow import event_label

# The appeals app's own actions on core's audit trail (others are listed in core.admin).
register_audit_labels({"recompute_dues": _("按现行时限重算未办结诉求")})


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent"]


@admin.register(DispatchRule)
class DispatchRuleAdmin(admin.ModelAdmin):
    list_display = ["category", "region", "unit"]
    search_fields = ["category__name", "unit__name", "region__name"]
    autocomplete_fields = ["category", "region", "unit", "co_units"]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    """An edit applies to appeals at their next write: the open ones keep their stored due times until
    `gongzhi recompute_dues` runs or the admin runs this list's action (deadlines.recompute_open_dues)."""

    list_display = ["category", "profile", "step", "amount", "unit"]
    list_filter = ["profile", "step"]
    autocomplete_fields = ["category"]
    actions = ["recompute_open_dues"]

    def _warn_stale(self, request):
        messages.warning(
            request,
            gettext(
                "已办结的诉求不受影响；未办结的诉求仍按原时限计时，直到运行 gongzhi recompute_dues，"
                "或在「办理时限」列表中执行「按现行时限重算未办结诉求」。"
            ),
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._warn_stale(request)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._warn_stale(request)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        self._warn_stale(request)

    def changelist_view(self, request, extra_context=None):
        # The recompute concerns every open appeal, not the rows ticked: it runs with none ticked (or no limit
        # left) as well. Django refuses an action with nothing ticked, so it is run as "all selected" (select_across
        # ignores the ticked ids).
        if (
            request.method == "POST"
            and request.POST.get("action") == "recompute_open_dues"
            and not request.POST.getlist(ACTION_CHECKBOX_NAME)
        ):
            request.POST = request.POST.copy()
            request.POST["select_across"] = "1"
            request.POST.setlist(ACTION_CHECKBOX_NAME, ["0"])
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("按现行时限重算未办结诉求"), permissions=["change"])
    def recompute_open_dues(self, request, queryset):
        from .deadlines import recompute_open_dues

        result = recompute_open_dues(actor=request.user)
        messages.success(
            request,
            gettext("已按现行时限重算 %(checked)s 件未办结诉求，其中 %(changed)s 件的时限有变化。")
            % {"checked": result.checked, "changed": result.changed},
        )


@admin.register(KnowledgeArticle)
class KnowledgeArticleAdmin(admin.ModelAdmin):
    list_display = ["title", "category", "is_active", "updated_at"]
    search_fields = ["title", "body", "keywords"]
    autocomplete_fields = ["category"]


# Appeals change only through the workflow services, so the audit trail stays whole: their admin is ReadOnlyAdmin.


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "state", "channel", "lead_unit", "received_at", "reply_due"]
    list_filter = ["state", "channel", "kind", "urgency"]
    search_fields = ["number", "title"]
    # Admins are not among those who may unmask (selectors.can_unmask): the numbers are shown masked, as on the
    # appeal page; the full ones only through the audited reveal. The tracking code's hash is nobody's business.
    exclude = ["appellant_phone", "appellant_id_number", "tracking_code_hash"]
    readonly_fields = ["masked_phone", "masked_id_number"]

    @admin.display(description=_("联系电话"))
    def masked_phone(self, appeal):
        return mask_phone(appeal.appellant_phone)

    @admin.display(description=_("身份证号"))
    def masked_id_number(self, appeal):
        return mask_id_number(appeal.appellant_id_number)


@admin.register(AppealEvent)
class AppealEventAdmin(ReadOnlyAdmin):
    list_display = ["appeal", "created_at", "action_label", "actor_label", "state_before", "state_after"]
    list_filter = [action_filter(event_label)]
    action_label = action_label_column(event_label)


admin.site.register([Callback, ReturnRequest, ExtensionRequest, Supervision], ReadOnlyAdmin)
# Import profiles (data exchange) keep their admin in their own module.
from .exchange import admin as _exchange_admin  # noqa: E402, F401
from .open311 import admin as _open311_admin  # noqa: E402,F401

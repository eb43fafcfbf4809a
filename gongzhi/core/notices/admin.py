"""Admin of notices and outgoing messages: notice templates (validated, audited), notification preferences
(read-only), webhook subscriptions, and the outbox's delivery log with "retry now"."""

import secrets

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from gongzhi.core import notices, webhooks
from gongzhi.core.errors import ServiceError
from gongzhi.core.notices.models import NotificationPreference, NotificationTemplate
from gongzhi.core.outbox import OutboxAttempt, OutboxMessage
from gongzhi.core.webhooks.models import WebhookSubscription


@admin.register(NotificationTemplate)
class NotificationTemplateAdmin(admin.ModelAdmin):
    list_display = ["kind_label", "kind", "mandatory", "subject", "updated_at", "updated_by"]
    readonly_fields = [
        "kind",
        "kind_label",
        "mandatory",
        "variables",
        "default_text",
        "updated_at",
        "updated_by",
    ]
    fields = [
        "kind",
        "kind_label",
        "mandatory",
        "variables",
        "subject",
        "body",
        "default_text",
        "updated_at",
        "updated_by",
    ]
    actions = ["restore_default"]

    @admin.display(description=_("通知"))
    def kind_label(self, obj):
        return str(obj)

    @admin.display(description=_("必须接收"), boolean=True)
    def mandatory(self, obj):
        kind = notices.get_kind(obj.kind, default=None)
        return bool(kind and kind.mandatory)

    @admin.display(description=_("可用变量"))
    def variables(self, obj):
        kind = notices.get_kind(obj.kind, default=None)
        if kind is None:
            return "—"
        return format_html(
            "<ul>{}</ul>",
            format_html_join(
                "",
                "<li><code>{{{{ {} }}}}</code> {}（例：{}）</li>",
                ((name, desc, sample) for name, (desc, sample) in kind.variables.items()),
            ),
        )

    @admin.display(description=_("默认模板"))
    def default_text(self, obj):
        kind = notices.get_kind(obj.kind, default=None)
        return format_html("<pre>{}\n\n{}</pre>", kind.subject, kind.body) if kind else "—"

    def has_add_permission(self, request):
        return False  # one row per kind, seeded after migrate

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        # The form already validated (model.clean); the service saves and audits.
        notices.update_notification_template(request.user, obj.kind, subject=obj.subject, body=obj.body)

    @admin.action(description=_("恢复为默认模板"))
    def restore_default(self, request, queryset):
        for row in queryset:
            kind = notices.get_kind(row.kind, default=None)
            if kind is not None:
                notices.update_notification_template(
                    request.user, row.kind, subject=kind.subject, body=kind.body
                )
        messages.success(request, _("已恢复默认模板。"))


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "sms", "email", "disabled_kinds", "updated_at"]
    search_fields = ["user__username", "user__display_name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # residents choose in "my account"; changes are audited there


class SubscriptionForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        label=_("事件类型"), choices=(), widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("签名密钥"), required=False, max_length=200, help_text=_("至少16个字符；新建时留空则自动生成")
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "secret", "event_types", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = webhooks.event_type_choices()

    def clean_secret(self):
        secret = self.cleaned_data.get("secret") or ""
        if not secret and not self.instance.pk:
            secret = secrets.token_urlsafe(32)
        if secret and len(secret) < webhooks.MIN_SECRET:
            raise ValidationError(_("签名密钥至少%(n)s个字符。") % {"n": webhooks.MIN_SECRET})
        return secret or self.instance.secret


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["name", "url", "event_types", "is_active", "delivery_log"]
    list_filter = ["is_active"]

    @admin.display(description=_("投递记录"))
    def delivery_log(self, obj):
        url = reverse("admin:core_outboxmessage_changelist") + f"?target={obj.target}"
        return format_html('<a href="{}">{}</a>', url, _("查看"))

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in ("name", "url", "secret", "event_types", "is_active")}
        try:
            if change:
                saved = webhooks.update_subscription(request.user, obj.pk, **data)
            else:
                saved = webhooks.create_subscription(request.user, **data)
        except ServiceError as exc:
            messages.error(request, str(exc.message))
            return
        obj.pk = saved.pk
        if not change:
            messages.info(request, _("签名密钥：%(s)s（请交给接收方，用于校验签名）") % {"s": saved.secret})


class AttemptInline(admin.TabularInline):
    model = OutboxAttempt
    extra = 0
    can_delete = False
    fields = readonly_fields = ["number", "started_at", "duration_ms", "ok", "status_code", "error"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """The delivery log of every outgoing message (webhooks and credit platforms)."""

    list_display = [
        "created_at",
        "event_type",
        "target_label",
        "status_label",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    list_filter = ["backend", "event_type", "target"]
    search_fields = ["event_id", "idempotency_key", "subject"]
    inlines = [AttemptInline]
    actions = ["retry"]
    exclude = ["secret"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in OutboxMessage._meta.fields if f.name != "secret"]

    @admin.display(description=_("状态"))
    def status_label(self, obj):
        return obj.status_label

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("立即重试"))
    def retry(self, request, queryset):
        count = 0
        for message in queryset.filter(delivered_at__isnull=True):
            try:
                webhooks.retry_delivery(request.user, message.pk)
                count += 1
            except ServiceError as exc:
                messages.error(request, str(exc.message))
        messages.success(request, _("已安排 %(n)s 条消息立即重试。") % {"n": count})


# ---------------------------------------------------------------- SMS providers (core.sms)

from gongzhi.core.masking import mask_phone  # noqa: E402
from gongzhi.core.sms_models import InboundSms, SmsMessage, SmsTemplate  # noqa: E402


@admin.register(SmsTemplate)
class SmsTemplateAdmin(admin.ModelAdmin):
    """The templates filed with each provider; a row is validated against the kind's variables when saved, and
    `gongzhi check` (gongzhi.E101) names the kinds the configured provider still lacks."""

    list_display = ["kind_label", "kind", "provider", "template_code", "updated_at"]
    list_filter = ["provider"]
    readonly_fields = ["kind_variables", "updated_at"]
    fields = ["provider", "kind", "kind_variables", "template_code", "variables", "note", "updated_at"]

    @admin.display(description=_("通知"))
    def kind_label(self, obj):
        kind = notices.get_kind(obj.kind, default=None)
        return str(kind.label) if kind else obj.kind

    @admin.display(description=_("通知类型的变量"))
    def kind_variables(self, obj):
        kind = notices.get_kind(obj.kind, default=None) if obj and obj.kind else None
        if kind is None:
            return format_html_join(", ", "<code>{}</code>", ((k.key,) for k in notices.kinds() if k.sms))
        return format_html_join(
            ", ", "<code>{}</code> {}", ((name, desc) for name, (desc, _s) in kind.variables.items())
        )

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        before = None
        if change:
            old = SmsTemplate.objects.filter(pk=obj.pk).values("template_code", "variables").first()
            before = old
        obj.updated_at = timezone.now()
        super().save_model(request, obj, form, change)
        from gongzhi.core.models import append_audit_event

        append_audit_event(
            request.user,
            "sms_template",
            target=f"sms_template:{obj.provider}:{obj.kind}",
            note=str(_("修改短信备案模板")),
            before=before,
            after={"template_code": obj.template_code, "variables": obj.variables},
        )


class SmsLogAdmin(admin.ModelAdmin):
    """The providers' logs (sent and received): read here, never written; the number shown masked."""

    @admin.display(description=_("手机号"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SmsMessage)
class SmsMessageAdmin(SmsLogAdmin):
    list_display = [
        "created_at",
        "masked_phone",
        "provider",
        "kind",
        "template_code",
        "message_id",
        "status",
        "error_code",
        "reported_at",
    ]
    list_filter = ["provider", "status", "kind"]
    search_fields = ["message_id"]
    fields = [
        "created_at",
        "masked_phone",
        "provider",
        "kind",
        "template_code",
        "message_id",
        "status",
        "error_code",
        "error_message",
        "reported_at",
        "notification",
    ]
    readonly_fields = fields


@admin.register(InboundSms)
class InboundSmsAdmin(SmsLogAdmin):
    list_display = ["received_at", "masked_phone", "provider", "text", "handled", "ref"]
    list_filter = ["provider"]
    fields = [
        "received_at",
        "sent_at",
        "masked_phone",
        "provider",
        "text",
        "sign_name",
        "extend",
        "handled",
        "ref",
    ]
    readonly_fields = fields

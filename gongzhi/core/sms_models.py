"""Rows of the SMS providers (core.sms): the templates filed with each provider, every message sent with the
provider's id and delivery receipt, and the messages residents send back (上行短信)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fieldcrypt import BlindIndexField, EncryptedCharField, EncryptedFieldsMixin


class SmsProvider(models.TextChoices):
    ALIYUN = "aliyun", _("阿里云短信")
    TENCENT = "tencent", _("腾讯云短信")
    CONSOLE = "console", _("开发控制台")  # `gongzhi sms_receive`: a reply typed in development, no provider


class SmsTemplate(models.Model):
    """Which template, filed (备案) and approved at the provider, carries a notice kind, and how the kind's variables
    fill the template's. Chinese providers send nothing but approved templates under an approved signature (签名):
    a kind that may go out by SMS without a row for the configured provider is refused by the system check
    gongzhi.E101 (`gongzhi check`), not at send time."""

    provider = models.CharField(_("短信服务商"), max_length=16, choices=SmsProvider.choices)
    kind = models.CharField(_("通知类型"), max_length=40)
    template_code = models.CharField(
        _("服务商模板ID/Code"),
        max_length=64,
        help_text=_("阿里云为 SMS_ 开头的模板Code；腾讯云为数字模板ID。"),
    )
    # [[provider's variable, kind's variable], ...]: Alibaba's named variables (${name}); Tencent's are positional
    # ({1}, {2}…), given here in order.
    variables = models.JSONField(
        _("变量对应"),
        default=list,
        blank=True,
        help_text=_(
            '如 [["number", "number"], ["unit", "unit"]]：左为模板中的变量名'
            "（腾讯云按 {1}{2}… 的顺序），右为通知类型的变量。"
        ),
    )
    note = models.CharField(_("模板内容（备案原文）"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("短信模板（服务商备案）")
        verbose_name_plural = _("短信模板（服务商备案）")
        ordering = ["provider", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "kind"], name="sms_template_provider_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} {self.kind} → {self.template_code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.clean()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from .sms.templates import validate_sms_template

        errors = validate_sms_template(self.provider, self.kind, self.template_code, self.variables)
        if errors:
            raise ValidationError(errors)


class SmsStatus(models.TextChoices):
    SUBMITTED = "submitted", _("已提交服务商")
    DELIVERED = "delivered", _("已送达")
    UNDELIVERED = "undelivered", _("未送达")
    REJECTED = "rejected", _("服务商拒绝")


class SmsMessage(EncryptedFieldsMixin, models.Model):
    """One attempt to send a notification by SMS through a provider, with the provider's answer and, later, its
    delivery receipt (回执). The phone number is kept for matching receipts and shown masked."""

    notification = models.ForeignKey(
        "core.Notification",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms_messages",
        verbose_name=_("通知"),
    )
    provider = models.CharField(_("短信服务商"), max_length=16, choices=SmsProvider.choices)
    phone = EncryptedCharField(
        _("手机号"), max_length=11, blind_index="phone_bidx"
    )  # encrypted (core.fieldcrypt)
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    kind = models.CharField(_("通知类型"), max_length=40, blank=True)
    template_code = models.CharField(_("模板"), max_length=64, blank=True)
    params = models.JSONField(_("模板变量"), default=dict, blank=True)
    message_id = models.CharField(
        _("服务商流水号"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("阿里云 BizId；腾讯云 SerialNo"),
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=SmsStatus.choices, default=SmsStatus.SUBMITTED
    )
    error_code = models.CharField(_("错误码"), max_length=80, blank=True)
    error_message = models.CharField(_("错误说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("发送时间"), default=timezone.now, db_index=True)
    reported_at = models.DateTimeField(_("回执时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("短信发送记录")
        verbose_name_plural = _("短信发送记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        from .masking import mask_phone

        return f"{mask_phone(self.phone)} {self.get_status_display()}"


class InboundSms(EncryptedFieldsMixin, models.Model):
    """A message a resident sent to the platform's number (上行短信), pushed by the provider. `handled` says what
    was made of it (an appeal app's receiver of core.sms.sms_received fills it)."""

    provider = models.CharField(_("短信服务商"), max_length=16, choices=SmsProvider.choices)
    phone = EncryptedCharField(
        _("手机号"), max_length=20, blind_index="phone_bidx"
    )  # encrypted (core.fieldcrypt)
    phone_bidx = BlindIndexField(source="phone", db_index=True)
    text = models.TextField(_("内容"))
    sign_name = models.CharField(_("签名"), max_length=40, blank=True)
    extend = models.CharField(_("扩展码"), max_length=40, blank=True)
    provider_id = models.CharField(_("服务商序号"), max_length=64, blank=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now, db_index=True)
    handled = models.CharField(_("处理结果"), max_length=200, blank=True)
    ref = models.CharField(_("关联"), max_length=40, blank=True, help_text=_("如 appeal:123"))

    class Meta:
        verbose_name = _("上行短信")
        verbose_name_plural = _("上行短信")
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_id"],
                condition=~models.Q(provider_id=""),
                name="inbound_sms_provider_id",
            )
        ]

    def __str__(self) -> str:
        from .masking import mask_phone

        return f"{mask_phone(self.phone)}：{self.text[:20]}"

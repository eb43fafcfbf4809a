"""The 公众号's rows: who is bound to which openid, the template messages the notice kinds map to, and the messages
received (kept by WeChat's MsgId: WeChat repeats a message it got no answer for within 5 seconds, up to 3 times)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Binding(models.Model):
    """An openid of the county's 公众号 bound to a person's account (one each way)."""

    openid = models.CharField("openid", max_length=64, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wechat_binding",
        verbose_name=_("用户"),
    )
    # The person follows the 公众号 (template messages reach only followers: errcode 43004 otherwise).
    subscribed = models.BooleanField(_("已关注"), default=True)
    nickname = models.CharField(_("微信昵称"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("绑定时间"), default=timezone.now)
    phone_confirmed_at = models.DateTimeField(_("手机号确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("微信绑定")
        verbose_name_plural = _("微信绑定")

    def __str__(self) -> str:
        return f"{self.user} ← {self.openid[:6]}…"


class NoticeTemplate(models.Model):
    """A notice kind (core.notices) sent as a WeChat template message: the template id applied for in the 公众号's
    back office and its fields, each a template over the kind's variables (e.g. {"character_string1": "{{ number }}",
    "thing2": "{{ title|truncatechars:20 }}"}). A kind without an enabled row goes by SMS."""

    kind = models.CharField(_("通知类型"), max_length=40, unique=True)
    template_id = models.CharField(_("模板ID"), max_length=64)
    fields = models.JSONField(
        _("模板字段"),
        default=dict,
        help_text=_('字段名 → 取值模板，如 {"character_string1": "{{ number }}"}'),
    )
    enabled = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("修改时间"), default=timezone.now)

    class Meta:
        verbose_name = _("微信模板消息")
        verbose_name_plural = _("微信模板消息")
        ordering = ["kind"]

    def __str__(self) -> str:
        return f"{self.kind} → {self.template_id}"

    def save(self, *args, **kwargs):
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        from .services import validate_template_fields

        errors = validate_template_fields(self.kind, self.template_id, self.fields)
        if errors:
            raise ValidationError(errors)


class InboundMessage(models.Model):
    """A message received from a follower, once per WeChat MsgId (events have none: keyed by sender and time)."""

    msg_key = models.CharField(max_length=80, unique=True)
    openid = models.CharField(max_length=64, db_index=True)
    msg_type = models.CharField(max_length=16)
    media_id = models.CharField(max_length=128, blank=True)
    appeal = models.ForeignKey(
        "appeals.Appeal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reply = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("公众号消息")
        verbose_name_plural = _("公众号消息")
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.msg_type} {self.received_at:%Y-%m-%d %H:%M}"

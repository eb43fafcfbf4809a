"""Webhook subscriptions: another system asks to hear of some event types at a URL, signed with its secret.

Deliveries are outbox messages (`core.outbox`, target `webhook:<id>`); the logic lives in `core.webhooks`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WebhookSubscription(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("回调地址"), max_length=500)
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        help_text=_("接收方用它校验 X-Gongzhi-Signature（HMAC-SHA256），至少16个字符"),
    )
    event_types = models.JSONField(
        _("事件类型"),
        default=list,
        help_text=_("如 appeals.dispatch；appeals.* 表示诉求的全部事件，* 表示全部"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("创建人"),
    )

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def target(self) -> str:
        return f"webhook:{self.pk}"

    def wants(self, event_type: str) -> bool:
        domain = event_type.split(".", 1)[0]
        return any(t in ("*", event_type, f"{domain}.*") for t in self.event_types or [])

"""SMS through the providers counties buy (Alibaba Cloud, Tencent Cloud), with their official SDKs.

Chinese providers send only templates filed (备案) and approved with them, under an approved signature (签名): a
notification goes out as the provider's template id and the notice kind's variables (`SmsTemplate`), never as free
text. Every attempt is recorded (`SmsMessage`: the provider's BizId/SerialNo, status, error code) and updated by the
provider's delivery receipt (回执); what residents send back (上行) is stored (`InboundSms`) and announced with the
`sms_received` signal, which the appeals app answers (an answer to a question, a "1/2/3" callback reply).

Failures: a provider's refusal that no retry can cure (template not filed, number blacklisted, a bad number) fails the
notification at once; anything else (rate limited, a timeout, the provider's fault) leaves it pending for a retry
with back-off (core.notifications.retry_at). A failed SMS falls back to the site message, the reason kept on the row.
"""

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from ..conf import setting
from ..notifications import SmsGateway

if TYPE_CHECKING:
    from ..models import Notification

logger = logging.getLogger("gongzhi.sms")

# Sent (inside the transaction that stored it) for each inbound SMS: sender=provider name, inbound=InboundSms.
# A receiver that makes something of it sets inbound.handled / inbound.ref (saved after the signal).
sms_received = Signal()
# Sent when an SMS notification finally fails and falls back to the site message: notification=, reason=.
sms_failed = Signal()

# Login codes have their own limit (core.services.send_login_code); the per-number SMS limit is for notices.
UNLIMITED_KINDS = {"login_code"}


class SmsError(Exception):
    """A provider's refusal or a transport failure. `permanent`: retrying cannot help (fail now, fall back)."""

    def __init__(self, code: str, message: str, *, permanent: bool = False):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.permanent = code, message, permanent


class TemplateSmsGateway(SmsGateway):
    """A provider that sends filed templates. Subclasses set `provider` and implement `submit`."""

    provider = ""
    # The provider's error codes that no retry can cure.
    permanent_codes: frozenset[str] = frozenset()

    def send_sms(self, phone: str, text: str) -> None:
        raise SmsError("free_text", _("该短信服务商只能按备案模板发送，不能发送自由文本。"), permanent=True)

    def submit(self, phone: str, template_code: str, params: list[tuple[str, str]]) -> str:
        """Send one templated message; return the provider's message id. Raise SmsError."""
        raise NotImplementedError

    def send_notification(self, notification: "Notification") -> None:
        from ..sms_models import SmsMessage, SmsStatus
        from .templates import template_params

        phone = notification.phone
        if notification.kind not in UNLIMITED_KINDS:
            check_rate(phone)
        template, params = template_params(self.provider, notification.kind, notification.context or {})
        record = SmsMessage(
            notification=notification if notification.pk else None,
            provider=self.provider,
            phone=phone,
            kind=notification.kind,
            template_code=template.template_code,
            params=dict(params),
            created_at=timezone.now(),
        )
        try:
            record.message_id = self.submit(phone, template.template_code, params)[:64]
        except SmsError as exc:
            record.status, record.error_code, record.error_message = (
                SmsStatus.REJECTED,
                exc.code[:80],
                exc.message[:300],
            )
            record.save()
            logger.warning("SMS %s refused by %s: %s", notification.kind, self.provider, exc.code)
            raise
        record.save()


def check_rate(phone: str, now: datetime | None = None) -> None:
    """At most SMS_PER_MINUTE and SMS_PER_DAY messages to one number (what the provider accepted or is sending).
    Over the limit the notification waits (a transient error: retried with back-off)."""
    from ..sms_models import SmsMessage, SmsStatus

    now = now or timezone.now()
    sent = (
        SmsMessage.objects.filter(phone=phone)
        .exclude(status=SmsStatus.REJECTED)
        .exclude(kind__in=UNLIMITED_KINDS)
    )
    if sent.filter(created_at__gt=now - timedelta(seconds=60)).count() >= setting("SMS_PER_MINUTE"):
        raise SmsError(
            "rate_limited",
            _("同一号码每分钟最多发送%(n)s条短信，稍后重试。") % {"n": setting("SMS_PER_MINUTE")},
        )
    if sent.filter(created_at__gt=now - timedelta(days=1)).count() >= setting("SMS_PER_DAY"):
        raise SmsError(
            "rate_limited_day",
            _("同一号码24小时内最多发送%(n)s条短信，稍后重试。") % {"n": setting("SMS_PER_DAY")},
        )


def configured_provider() -> str:
    """The provider name of the configured gateway ('' for the console or another free-text gateway)."""
    from ..notifications import get_sms_gateway_class

    return getattr(get_sms_gateway_class(), "provider", "") or ""

"""Notifications: stored first, then delivered by a pluggable backend from a background task.

`notify(...)` writes a `Notification` row inside the caller's transaction and enqueues its delivery
with it (`core.taskqueue.defer`: the notifications of one change are delivered by one task), so a message is
never promised for a change that rolled back, nor lost when the sender fails (it stays pending and
`deliver_pending` retries it).
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .choices import NotificationChannel, NotificationStatus
from .conf import setting
from .models import Notification

logger = logging.getLogger("gongzhi.notifications")


# ---------------------------------------------------------------- channels registered by the apps
#
# core cannot import the domain apps: an app that delivers on a channel of its own (wechat: the 公众号's template
# messages) registers it in its AppConfig.ready(): `register_channel(NotificationChannel.WECHAT, sender=…,
# available=…)`. `available(user, kind_key)` returns the channel data (e.g. the openid, template id and data mapping)
# when the channel can carry this kind to this user, else None; `sender(notification)` sends one row and raises
# `ChannelRefused` when the provider refuses it for good (the row then falls back to SMS at once) or any other
# exception for a failure worth retrying.


class ChannelRefused(Exception):
    """The provider refused the message for good (not followed, bad template …): fall back, do not retry."""


@dataclass(frozen=True)
class Channel:
    key: str
    sender: Callable[[Notification], None]
    available: Callable[..., dict | None]


CHANNELS: dict[str, Channel] = {}


def register_channel(
    key: str, *, sender: Callable[[Notification], None], available: Callable[..., dict | None]
):
    CHANNELS[key] = Channel(key, sender, available)


class FellBack(Exception):
    """Raised by the backend after a channel failed for good and its SMS replacement was written."""


class BaseBackend:
    """Interface of a delivery backend. `send` raises on failure; the row stays pending for a retry."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class SmsGateway:
    """Production SMS gateways subclass this and implement `send_sms` (e.g. a provider's HTTP API); name the
    class in `GONGZHI["SMS_GATEWAY"]` (env `GONGZHI_SMS_GATEWAY`). Raise on failure: the row is retried."""

    def send_sms(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsGateway(SmsGateway):
    """Development gateway: a login code is shown on the console (logger gongzhi.sms.codes, which the settings always
    print: a newcomer reads it there), every other message goes to the log (gongzhi.sms: the demo's reminders would
    flood the console); the number is masked, as no log line may carry it. The database keeps the row."""

    def send_sms(self, phone: str, text: str) -> None:
        from .masking import mask_phone

        name = "gongzhi.sms.codes" if "验证码" in text else "gongzhi.sms"
        logging.getLogger(name).info("【短信 → %s】%s", mask_phone(phone), text)


def sms_text(notification: Notification) -> str:
    return f"【共治】{notification.subject}：{notification.body}"


def get_sms_gateway_class() -> type[SmsGateway]:
    return import_string(setting("SMS_GATEWAY"))


def get_sms_gateway() -> SmsGateway:
    return get_sms_gateway_class()()


def send_email(notification: Notification) -> None:
    """E-mail through Django's mail framework (EMAIL_BACKEND: console in development, locmem in tests, SMTP
    in production)."""
    from django.core.mail import EmailMessage

    link = f"\n\n{setting('SITE_URL').rstrip('/')}{notification.link}" if notification.link else ""
    EmailMessage(
        subject=f"【共治】{notification.subject}", body=f"{notification.body}{link}", to=[notification.email]
    ).send(fail_silently=False)


class DatabaseConsoleBackend(BaseBackend):
    """The default: the database row is the in-site message; SMS goes through the configured gateway (the
    console one in development) and e-mail through Django's mail framework."""

    def __init__(self, gateway: SmsGateway | None = None):
        self.gateway = gateway

    def send(self, notification: Notification) -> None:
        if notification.channel == NotificationChannel.SMS:
            gateway = self.gateway or get_sms_gateway()
            if hasattr(gateway, "send_notification"):  # a provider that sends filed templates (core.sms)
                gateway.send_notification(notification)
            else:
                gateway.send_sms(notification.phone, sms_text(notification))
        elif notification.channel == NotificationChannel.EMAIL:
            send_email(notification)
        elif notification.channel in CHANNELS:
            send_on_channel(notification)


# A registered channel's row is retried this many times for a transient failure before it falls back to SMS.
CHANNEL_ATTEMPTS = 3


def send_on_channel(notification: Notification) -> None:
    """Send through a registered channel; when it refuses for good, or a transient failure outlasts CHANNEL_ATTEMPTS,
    write the SMS replacement (when the row carries a number: the person wants SMS) and raise FellBack."""
    try:
        CHANNELS[notification.channel].sender(notification)
    except Exception as exc:
        if not isinstance(exc, ChannelRefused) and notification.attempts < CHANNEL_ATTEMPTS:
            raise
        replacement = None
        if notification.phone:
            replacement = notify(
                subject=notification.subject,
                body=notification.body,
                phone=notification.phone,
                channel=NotificationChannel.SMS,
                link=notification.link,
                kind=notification.kind,
                key=f"{notification.key}:fallback"[:120] if notification.key else None,
                context=notification.context,
                ref=notification.ref,
            )
        logger.warning(
            "notification %s on %s failed (%s); %s",
            notification.pk,
            notification.channel,
            exc,
            f"sent as SMS {replacement.pk}" if replacement else "no SMS to fall back to",
        )
        raise FellBack(f"{exc}; {'已改发短信' if replacement else '无手机号，未改发短信'}") from exc


class SmsBackend(DatabaseConsoleBackend):
    """Kept for settings that name it: the same as the default with a gateway class fixed in code."""

    gateway_class: type[SmsGateway] = SmsGateway

    def __init__(self, gateway: SmsGateway | None = None):
        super().__init__(gateway or self.gateway_class())


def get_backend() -> BaseBackend:
    return import_string(settings.GONGZHI["NOTIFICATION_BACKEND"])()


def notify(
    *,
    subject: str,
    body: str,
    recipient=None,
    unit=None,
    phone: str = "",
    channel: str = NotificationChannel.SITE,
    link: str = "",
    email: str = "",
    kind: str = "",
    key: str | None = None,
    context: dict | None = None,
    ref: str = "",
) -> Notification:
    return notify_many(
        [
            dict(
                subject=subject,
                body=body,
                recipient=recipient,
                unit=unit,
                phone=phone,
                channel=channel,
                link=link,
                email=email,
                kind=kind,
                key=key,
                context=context or {},
                ref=ref,
            )
        ]
    )[0]


def notify_many(messages: list[dict]) -> list[Notification]:
    """`notify(**m)` for each message, in one INSERT (the rows of one notice: one per channel)."""
    rows = []
    for m in messages:
        m = {"channel": NotificationChannel.SITE, **m}
        recipient = m.get("recipient")
        if m["channel"] == NotificationChannel.SMS and not m.get("phone") and recipient is not None:
            m["phone"] = recipient.phone or ""
        if m["channel"] == NotificationChannel.EMAIL and not m.get("email") and recipient is not None:
            m["email"] = recipient.email or ""
        rows.append(Notification(**m))
    if not rows:
        return []
    Notification.objects.bulk_create(rows)
    from .taskqueue import defer
    from .tasks import deliver_notifications

    defer(deliver_notifications, [row.pk for row in rows], merge=True)
    return rows


def max_attempts() -> int:
    return int(setting("NOTIFY_MAX_ATTEMPTS"))


def retry_at(attempts: int, now=None):
    """When to try again after `attempts` failed tries: NOTIFY_RETRY_SECONDS doubled each time, at most an hour."""
    from datetime import timedelta

    base = int(setting("NOTIFY_RETRY_SECONDS"))
    return (now or timezone.now()) + timedelta(seconds=min(3600, base * 2 ** max(0, attempts - 1)))


def _attempt(notification: Notification, backend: BaseBackend) -> bool:
    """One try (the caller holds the row's lock and saves it): sent; or pending again after a back-off; or failed
    when the error is permanent or the tries have run out, an SMS then falling back to the site message."""
    notification.attempts += 1
    try:
        backend.send(notification)
    except Exception as exc:  # keep it pending until attempts run out
        notification.error = str(exc)[:2000]
        # FellBack: a registered channel (WeChat) gave up and wrote its SMS replacement (send_on_channel).
        if (
            getattr(exc, "permanent", False)
            or isinstance(exc, FellBack)
            or notification.attempts >= max_attempts()
        ):
            notification.status = NotificationStatus.FAILED
            notification.next_attempt_at = None
            fall_back(notification, exc)
        else:
            notification.next_attempt_at = retry_at(notification.attempts)
        return False
    notification.status = NotificationStatus.SENT
    notification.sent_at = timezone.now()
    notification.next_attempt_at = None
    return True


FAILED_FIELDS = ["attempts", "error", "status", "next_attempt_at"]
SENT_FIELDS = ["attempts", "status", "sent_at", "error", "next_attempt_at"]


def fall_back(notification: Notification, exc: Exception) -> Notification | None:
    """An SMS that could not be sent: the reason stays on the row (staff see it in the admin and, through the
    sms_failed signal, on what it was about), and the resident gets the site message if they have an account and
    none was sent with it."""
    if notification.channel != NotificationChannel.SMS:
        return None
    from .models import User

    reason = getattr(exc, "message", "") or str(exc)
    code = getattr(exc, "code", "")
    notification.error = (
        f"短信未能发送（{code}）：{reason}；已改为站内消息。"[:2000]
        if code
        else f"短信未能发送：{reason}；已改为站内消息。"[:2000]
    )
    user = notification.recipient or (
        User.objects.filter(phone=notification.phone, is_active=True).first() if notification.phone else None
    )
    site = None
    if user is not None:
        siblings = Notification.objects.filter(
            recipient=user,
            channel=NotificationChannel.SITE,
            kind=notification.kind,
            subject=notification.subject,
            body=notification.body,
        )
        if notification.kind and not siblings.exists():
            site = Notification.objects.create(
                recipient=user,
                channel=NotificationChannel.SITE,
                subject=notification.subject,
                body=notification.body,
                link=notification.link,
                kind=notification.kind,
                ref=notification.ref,
                status=NotificationStatus.SENT,
                sent_at=timezone.now(),
                attempts=1,
            )
    from .sms import sms_failed

    sms_failed.send(sender=Notification, notification=notification, reason=notification.error)
    logger.warning("SMS notification %s failed for good (%s)", notification.pk, code or type(exc).__name__)
    return site


def deliver(notification_id: int) -> bool:
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        sent = _attempt(notification, get_backend())
        notification.save(update_fields=SENT_FIELDS if sent else FAILED_FIELDS)
        return sent


def deliver_many(notification_ids: list[int]) -> int:
    """Deliver several pending notifications in one transaction (the rows of one change): each is sent and its
    row updated as `deliver` does; a failing send leaves that row pending (or failed) and the others go on.
    Returns how many were sent."""
    return len(deliver_many_ids(notification_ids))


def deliver_many_ids(notification_ids: list[int]) -> set[int]:
    """`deliver_many`, returning the ids of the notifications it sent. The rows' updates are written together at
    the end (one statement for the sent ones, one for the failures), still inside the transaction that locks them."""
    from .taskqueue import save_rows

    sent, failed = [], []
    backend = get_backend()
    with transaction.atomic():
        rows = (
            Notification.objects.select_for_update()
            .filter(pk__in=list(notification_ids), status=NotificationStatus.PENDING)
            .order_by("pk")
        )
        for notification in rows:
            (sent if _attempt(notification, backend) else failed).append(notification)
        save_rows(failed, FAILED_FIELDS)
        save_rows(sent, SENT_FIELDS)
    return {notification.pk for notification in sent}


def deliver_pending(limit: int = 500) -> int:
    """Retry the pending notifications whose back-off has passed (the periodic sweeps call this every minute)."""
    from django.db.models import Q

    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now())
    ids = list(
        Notification.objects.filter(due, status=NotificationStatus.PENDING).values_list("pk", flat=True)[
            :limit
        ]
    )
    return sum(deliver(pk) for pk in ids)

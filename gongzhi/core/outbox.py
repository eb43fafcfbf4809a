"""The outbox: reliable delivery of events to other systems (credit platforms, webhooks).

A domain service calls `enqueue(...)` inside its own transaction, so a message exists exactly when the change
it reports was committed: one row per (event, target), with a stable idempotency key. A background worker
(`deliver_due`, the task `deliver_outbox`, the command `credit_sync`) sends due rows:

- each row is claimed with `SELECT … FOR UPDATE SKIP LOCKED` (PostgreSQL) inside its own transaction and the
  lock is held while the row is sent, so two workers never send the same row at the same time; on SQLite the
  IMMEDIATE transaction serialises workers instead;
- the result is written in that same transaction. A worker killed mid-delivery rolls back: the row stays due
  and is sent again with the same idempotency key. Delivery is therefore at-least-once, and a receiver that
  deduplicates on the `Idempotency-Key` header sees each message exactly once;
- a failure records `last_error` and schedules the next attempt with exponential back-off (capped);
- every attempt, failed or not, is logged as an `OutboxAttempt` (time, duration, HTTP status, error): the
  delivery log admins read.

Backends: `webhook` (HTTP POST of the JSON payload, signed with HMAC-SHA256 over "<timestamp>.<body>" in the
`X-Gongzhi-Signature` header) and `file` (the payload written atomically to `<folder>/<idempotency key>.json`).
A target confirms (acknowledges) a message by answering the webhook with `{"status": "confirmed"}`, by calling
`acknowledge(key)` (e.g. through a signed callback endpoint), or, for a file drop, by writing
`<idempotency key>.ack` into the folder (`collect_file_acks`). Rows not confirmed by `confirm_by` are overdue.
"""

import hashlib
import hmac
import http.client
import json
import logging
import os
import socket
import ssl
import tempfile
import time
import urllib.parse
import uuid
from datetime import timedelta
from pathlib import Path

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import ServiceError

logger = logging.getLogger("gongzhi.outbox")

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 6 * 3600
WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Gongzhi-Signature"
TIMESTAMP_HEADER = "X-Gongzhi-Timestamp"
KEY_HEADER = "Idempotency-Key"
EVENT_HEADER = "X-Gongzhi-Event"


class OutboxBackend(models.TextChoices):
    WEBHOOK = "webhook", _("HTTP 回调（HMAC 签名）")
    FILE = "file", _("文件投递")


class OutboxMessage(models.Model):
    """One message to one target. Never deleted: it is the record of what each target was told and when."""

    event_id = models.CharField(_("事件"), max_length=100)
    event_type = models.CharField(_("事件类型"), max_length=60)
    subject = models.CharField(_("对象"), max_length=100, blank=True, db_index=True)
    target = models.CharField(_("接收方"), max_length=100)
    target_label = models.CharField(_("接收方名称"), max_length=100, blank=True)
    backend = models.CharField(_("投递方式"), max_length=10, choices=OutboxBackend.choices)
    address = models.CharField(_("地址或目录"), max_length=500)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    payload = models.JSONField(_("内容"), encoder=DjangoJSONEncoder)
    idempotency_key = models.CharField(_("幂等键"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("尝试次数"), default=0)
    next_attempt_at = models.DateTimeField(_("下次尝试"), default=timezone.now, db_index=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirm_by = models.DateTimeField(_("确认期限"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        verbose_name = _("外发消息")
        verbose_name_plural = _("外发消息")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event_id", "target"], name="outbox_one_per_event_target")
        ]
        indexes = [models.Index(fields=["delivered_at", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.target_label or self.target}"

    @property
    def status(self) -> str:
        if self.acknowledged_at:
            return "confirmed"
        if self.delivered_at:
            return "delivered"
        return "failing" if self.attempts else "pending"

    @property
    def status_label(self) -> str:
        return {
            "confirmed": _("已确认"),
            "delivered": _("已送达，待确认"),
            "failing": _("投递失败，重试中"),
            "pending": _("待投递"),
        }[self.status]

    @property
    def is_overdue(self) -> bool:
        return (
            self.acknowledged_at is None and self.confirm_by is not None and self.confirm_by < timezone.now()
        )

    def body(self) -> bytes:
        envelope = {
            "event_id": self.event_id,
            "event": self.event_type,
            "idempotency_key": self.idempotency_key,
            "created_at": self.created_at,
            "data": self.payload,
        }
        return json.dumps(envelope, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True).encode()


class OutboxAttempt(models.Model):
    """The delivery log: one row per attempt to send a message, written in the attempt's own transaction."""

    message = models.ForeignKey(
        OutboxMessage, on_delete=models.CASCADE, related_name="delivery_attempts", verbose_name=_("外发消息")
    )
    number = models.PositiveIntegerField(_("第几次"))
    started_at = models.DateTimeField(_("时间"), default=timezone.now)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    ok = models.BooleanField(_("成功"), default=False)
    status_code = models.PositiveSmallIntegerField(_("HTTP 状态码"), null=True, blank=True)
    error = models.TextField(_("错误"), blank=True)

    class Meta:
        verbose_name = _("投递记录")
        verbose_name_plural = _("投递记录")
        ordering = ["message_id", "number"]

    def __str__(self) -> str:
        return f"{self.message_id}#{self.number}"


def enqueue(
    *,
    event_id: str,
    event_type: str,
    target: str,
    backend: str,
    address: str,
    payload: dict,
    secret: str = "",
    subject: str = "",
    target_label: str = "",
    confirm_within: timedelta | None = None,
) -> OutboxMessage:
    """Add one message (idempotent on (event_id, target)); call inside the transaction of the change.
    The worker is nudged on commit; the periodic sweep delivers it anyway."""
    now = timezone.now()
    message, created = OutboxMessage.objects.get_or_create(
        event_id=event_id,
        target=target,
        defaults={
            "event_type": event_type,
            "backend": backend,
            "address": address,
            "payload": payload,
            "secret": secret,
            "subject": subject,
            "target_label": target_label,
            "created_at": now,
            "next_attempt_at": now,
            "idempotency_key": uuid.uuid4().hex,
            "confirm_by": now + confirm_within if confirm_within else None,
        },
    )
    if created:
        from .taskqueue import defer

        defer(deliver_outbox, merge=True)  # one delivery run per change, whatever it queued
    return message


def _nudge_worker() -> None:
    try:
        deliver_outbox.enqueue()
    except Exception:  # the periodic sweep delivers it
        logger.exception("could not enqueue outbox delivery")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(
    secret: str, timestamp: str, body: bytes, signature: str, max_age_seconds: int = 300
) -> bool:
    """For receivers (and our own acknowledgement endpoint): the signature matches and is fresh."""
    try:
        age = abs(time.time() - int(timestamp))
    except (TypeError, ValueError):
        return False
    return age <= max_age_seconds and hmac.compare_digest(sign(secret, timestamp, body), signature or "")


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at 6 hours; attempts counts the failures so far (≥ 1)."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


class DeliveryError(Exception):
    def __init__(self, message: str, status_code: int | None = None):
        super().__init__(message)
        self.status_code = status_code


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address core.netguard checked, whatever the name resolves to by now (DNS rebinding)."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self._address = address

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self._address = address

    def connect(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # the certificate of the name


def _send_webhook(message: OutboxMessage) -> bool:
    """POST the message to the checked, pinned address, following no redirect; True when the receiver also
    confirmed it in its answer. Failures are recorded without the socket's detail (no port-scan oracle)."""
    from . import netguard

    body = message.body()
    timestamp = str(int(time.time()))
    try:
        host, port, address = netguard.resolve(message.address)
    except ServiceError as exc:
        raise DeliveryError(str(exc.message)) from None
    parts = urllib.parse.urlsplit(message.address)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(host, port, address, timeout=WEBHOOK_TIMEOUT_SECONDS)
    try:
        conn.request(
            "POST",
            path,
            body=body,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                KEY_HEADER: message.idempotency_key,
                EVENT_HEADER: message.event_type,
                TIMESTAMP_HEADER: timestamp,
                SIGNATURE_HEADER: sign(message.secret, timestamp, body),
            },
        )
        response = conn.getresponse()
        answer = response.read(65536)
        message.status_code = response.status  # for the delivery log
    except (OSError, http.client.HTTPException):
        raise DeliveryError(str(_("无法连接接收方或未收到应答。"))) from None
    finally:
        conn.close()
    if 300 <= response.status < 400:
        raise DeliveryError(
            str(_("接收方要求重定向（HTTP %(code)s），不予跟随。")) % {"code": response.status},
            status_code=response.status,
        )
    if response.status >= 400:
        raise DeliveryError(f"HTTP {response.status}", status_code=response.status)
    try:
        return json.loads(answer or b"{}").get("status") == "confirmed"
    except (ValueError, AttributeError):
        return False


def _send_file(message: OutboxMessage) -> bool:
    folder = Path(message.address)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        final = folder / f"{message.idempotency_key}.json"
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
        with os.fdopen(fd, "wb") as handle:
            handle.write(message.body())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, final)  # atomic: a reader never sees half a file; a resend overwrites the same name
    except OSError as exc:
        raise DeliveryError(str(exc)) from exc
    return (folder / f"{message.idempotency_key}.ack").exists()


BACKENDS = {OutboxBackend.WEBHOOK: _send_webhook, OutboxBackend.FILE: _send_file}


def _claim_due(now):
    qs = OutboxMessage.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "id"
    )
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True).first()
    return qs.select_for_update().first()


def deliver_one(now=None) -> OutboxMessage | None:
    """Claim one due row, send it and record the outcome in the same transaction; None when nothing is due."""
    now = now or timezone.now()
    with transaction.atomic():
        message = _claim_due(now)
        if message is None:
            return None
        message.attempts += 1
        attempt = OutboxAttempt(message=message, number=message.attempts, started_at=timezone.now())
        started = time.monotonic()
        try:
            confirmed = BACKENDS[message.backend](message)
        except Exception as exc:
            message.last_error = str(exc)[:2000]
            message.next_attempt_at = now + backoff(message.attempts)
            message.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            _log_attempt(
                attempt,
                started,
                ok=False,
                error=message.last_error,
                status_code=getattr(exc, "status_code", None),
            )
            logger.warning(
                "outbox %s to %s failed (attempt %s): %s",
                message.event_id,
                message.target,
                message.attempts,
                message.last_error,
            )
            return message
        message.delivered_at = timezone.now()
        message.last_error = ""
        if confirmed and message.acknowledged_at is None:
            message.acknowledged_at = message.delivered_at
        message.save(update_fields=["attempts", "last_error", "delivered_at", "acknowledged_at"])
        _log_attempt(attempt, started, ok=True, status_code=getattr(message, "status_code", None))
        return message


def _log_attempt(
    attempt: OutboxAttempt, started: float, *, ok: bool, error: str = "", status_code=None
) -> None:
    attempt.duration_ms = int((time.monotonic() - started) * 1000)
    attempt.ok, attempt.error, attempt.status_code = ok, error, status_code
    attempt.save()


def deliver_due(limit: int = 200, now=None) -> int:
    """Send up to `limit` due rows; returns how many were delivered (failures are rescheduled)."""
    delivered = 0
    seen: set[int] = set()
    for _i in range(limit):
        message = deliver_one(now)
        if message is None or message.pk in seen:
            break
        seen.add(message.pk)
        delivered += message.delivered_at is not None
    return delivered


def acknowledge(idempotency_key: str, at=None) -> OutboxMessage | None:
    """Record the target's confirmation (idempotent). A confirmation implies delivery."""
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(idempotency_key=idempotency_key).first()
        if message is None:
            return None
        if message.acknowledged_at is None:
            message.acknowledged_at = at or timezone.now()
            message.delivered_at = message.delivered_at or message.acknowledged_at
            message.save(update_fields=["acknowledged_at", "delivered_at"])
        return message


def collect_file_acks() -> int:
    """Confirm delivered file-drop rows whose target wrote `<key>.ack` beside the message."""
    count = 0
    rows = OutboxMessage.objects.filter(
        backend=OutboxBackend.FILE, acknowledged_at__isnull=True, delivered_at__isnull=False
    ).values_list("idempotency_key", "address")
    for key, address in rows.iterator():
        if (Path(address) / f"{key}.ack").exists():
            acknowledge(key)
            count += 1
    return count


def overdue(qs: "models.QuerySet[OutboxMessage] | None" = None) -> "models.QuerySet[OutboxMessage]":
    """Messages whose target has not confirmed within its window."""
    qs = OutboxMessage.objects.all() if qs is None else qs
    return qs.filter(acknowledged_at__isnull=True, confirm_by__lt=timezone.now()).order_by("confirm_by", "id")


def retry_now(message_id: int) -> bool:
    """Make an undelivered message due at once and nudge the worker; False when it was already delivered."""
    due = OutboxMessage.objects.filter(pk=message_id, delivered_at__isnull=True).update(
        next_attempt_at=timezone.now()
    )
    if due:
        transaction.on_commit(_nudge_worker)
    return bool(due)


@task()
def deliver_outbox() -> int:
    delivered = deliver_due()
    collect_file_acks()
    return delivered

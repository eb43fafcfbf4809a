"""The providers' pushes: delivery receipts (回执) and inbound messages (上行短信).

Neither Alibaba's "HTTP批量推送" nor Tencent's callbacks are signed, so each URL carries a secret of ours
(GONGZHI_SMS_CALLBACK_TOKEN, entered in the provider's console as part of the URL; unset: the URLs answer 404), may
be limited to the provider's addresses (GONGZHI_SMS_CALLBACK_IPS), and a receipt only updates a message we sent
with that id to that number. Answers are the ones the providers expect: Alibaba {"code": 0, "msg": …}, Tencent
{"result": 0, "errmsg": "OK"}; anything else makes them push again.
"""

import hashlib
import hmac
import json
import logging
from datetime import datetime

from django.db import transaction
from django.http import Http404, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..clientaddr import client_ip
from ..conf import setting
from ..masking import mask_phone
from ..sms_models import InboundSms, SmsMessage, SmsStatus
from . import sms_received

logger = logging.getLogger("gongzhi.sms")


def _authorised(request, token: str) -> None:
    expected = setting("SMS_CALLBACK_TOKEN")
    if not expected or not hmac.compare_digest(expected.encode(), (token or "").encode()):
        raise Http404
    allowed = setting("SMS_CALLBACK_IPS")
    if allowed and client_ip(request) not in allowed:
        raise Http404


def _items(request) -> list[dict] | None:
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    data = data if isinstance(data, list) else [data]
    return [item for item in data if isinstance(item, dict)]


def _phone(value) -> str:
    value = str(value or "").strip().replace(" ", "")
    for prefix in ("+86", "0086"):
        if value.startswith(prefix):
            value = value[len(prefix) :]
    if len(value) == 13 and value.startswith("86"):
        value = value[2:]
    return value[:20]


def _local_time(value):
    """ "2017-01-01 00:00:00" (Beijing time) or a Unix timestamp → an aware datetime; None when unreadable."""
    try:
        if isinstance(value, int | float) or str(value).isdigit():
            return datetime.fromtimestamp(int(value), tz=timezone.get_current_timezone())
        return timezone.make_aware(datetime.strptime(str(value), "%Y-%m-%d %H:%M:%S"))
    except (TypeError, ValueError, OverflowError):
        return None


def record_receipt(
    provider: str, message_id: str, phone: str, delivered: bool, code: str, message: str
) -> bool:
    """Update the message the provider reports on; False when we sent no such message to that number."""
    if not message_id:
        return False
    with transaction.atomic():
        rows = list(
            SmsMessage.objects.select_for_update().filter(
                provider=provider, message_id=str(message_id)[:64], phone=phone
            )
        )
        for row in rows:
            row.status = SmsStatus.DELIVERED if delivered else SmsStatus.UNDELIVERED
            row.error_code, row.error_message = str(code or "")[:80], str(message or "")[:300]
            row.reported_at = timezone.now()
            row.save(update_fields=["status", "error_code", "error_message", "reported_at"])
            if not delivered and row.notification_id:
                _undelivered(row, code, message)
    if not rows:
        logger.warning(
            "SMS receipt from %s for an unknown message %s to %s", provider, message_id, mask_phone(phone)
        )
    return bool(rows)


def _undelivered(row: SmsMessage, code, message) -> None:
    """The carrier could not deliver what the provider accepted (空号, 停机, 关机 too long…): the notification is
    failed after all and falls back to the site message, as a refused send does."""
    from ..choices import NotificationStatus
    from ..models import Notification
    from ..notifications import fall_back
    from . import SmsError

    notification = Notification.objects.select_for_update().filter(pk=row.notification_id).first()
    if notification is None or notification.status == NotificationStatus.FAILED:
        return
    notification.status = NotificationStatus.FAILED
    fall_back(notification, SmsError(str(code or "UNDELIVERED"), str(message or "未送达")))
    notification.save(update_fields=["status", "error"])


def receive(
    provider: str,
    *,
    phone: str,
    text: str,
    sign_name: str = "",
    extend: str = "",
    provider_id: str = "",
    sent_at=None,
) -> InboundSms:
    """Store an inbound message once (a repeated push of the same message changes nothing) and announce it."""
    with transaction.atomic():
        if provider_id:
            existing = InboundSms.objects.filter(provider=provider, provider_id=provider_id).first()
            if existing is not None:
                return existing
        inbound = InboundSms.objects.create(
            provider=provider,
            phone=phone,
            text=(text or "")[:1000],
            sign_name=(sign_name or "")[:40],
            extend=(extend or "")[:40],
            provider_id=provider_id[:64],
            sent_at=sent_at,
        )
        sms_received.send(sender=provider, inbound=inbound)
        inbound.save(update_fields=["handled", "ref"])
    logger.info(
        "inbound SMS from %s via %s: %s", mask_phone(phone), provider, inbound.handled or "not attached"
    )
    return inbound


@csrf_exempt
@require_POST
def aliyun_report(request, token: str):
    _authorised(request, token)
    items = _items(request)
    if items is None:
        return JsonResponse({"code": 1, "msg": "invalid json"}, status=400)
    for item in items:
        record_receipt(
            "aliyun",
            item.get("biz_id"),
            _phone(item.get("phone_number")),
            item.get("success") is True,
            item.get("err_code"),
            item.get("err_msg"),
        )
    return JsonResponse({"code": 0, "msg": "接收成功"})


@csrf_exempt
@require_POST
def aliyun_up(request, token: str):
    _authorised(request, token)
    items = _items(request)
    if items is None:
        return JsonResponse({"code": 1, "msg": "invalid json"}, status=400)
    for item in items:
        if not item.get("phone_number") or not item.get("content"):
            continue
        receive(
            "aliyun",
            phone=_phone(item["phone_number"]),
            text=str(item["content"]),
            sign_name=str(item.get("sign_name") or ""),
            extend=str(item.get("dest_code") or ""),
            provider_id=str(item.get("sequence_id") or ""),
            sent_at=_local_time(item.get("send_time")),
        )
    return JsonResponse({"code": 0, "msg": "接收成功"})


@csrf_exempt
@require_POST
def tencent_report(request, token: str):
    _authorised(request, token)
    items = _items(request)
    if items is None:
        return JsonResponse({"result": 1, "errmsg": "invalid json"}, status=400)
    for item in items:
        record_receipt(
            "tencent",
            item.get("sid"),
            _phone(item.get("mobile")),
            item.get("report_status") == "SUCCESS",
            item.get("errmsg"),
            item.get("description"),
        )
    return JsonResponse({"result": 0, "errmsg": "OK"})


@csrf_exempt
@require_POST
def tencent_up(request, token: str):
    _authorised(request, token)
    items = _items(request)
    if items is None:
        return JsonResponse({"result": 1, "errmsg": "invalid json"}, status=400)
    for item in items:
        if not item.get("mobile") or not item.get("text"):
            continue
        phone, text = _phone(item["mobile"]), str(item["text"])
        # Tencent's push has no message id: the time, number and text identify a repeated push.
        digest = hashlib.sha256(f"{phone}\n{text}".encode()).hexdigest()[:24]
        receive(
            "tencent",
            phone=phone,
            text=text,
            sign_name=str(item.get("sign") or ""),
            extend=str(item.get("extend") or ""),
            provider_id=f"{item.get('time', '')}:{digest}",
            sent_at=_local_time(item.get("time")),
        )
    return JsonResponse({"result": 0, "errmsg": "OK"})

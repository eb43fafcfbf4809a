"""SMS through Alibaba Cloud and Tencent Cloud: the official SDKs against local servers that implement the providers'
protocols (signatures checked, the documented refusals), receipts, inbound messages, limits, retries and fall-back."""

import json

import pytest
from django.core.checks import run_checks
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from gongzhi.core.choices import NotificationChannel, NotificationStatus, Role
from gongzhi.core.models import InboundSms, Notification, SmsMessage, SmsTemplate
from gongzhi.core.notifications import deliver, deliver_pending, notify
from gongzhi.core.sms import sms_received
from gongzhi.core.sms.fakeproviders import AliyunServer, TencentServer
from gongzhi.core.sms_models import SmsStatus
from gongzhi.core.testing import make_user

PHONE = "13800138000"
CONTEXT = {"number": "20260101000123", "title": "小区路灯坏了", "kind": "投诉"}


def _settings(settings, **extra):
    settings.GONGZHI = {
        **settings.GONGZHI,
        "SMS_CALLBACK_TOKEN": "cb-secret",
        "SMS_TIMEOUT_SECONDS": 1,
        "NOTIFY_RETRY_SECONDS": 60,
        "NOTIFY_MAX_ATTEMPTS": 3,
        **extra,
    }


@pytest.fixture
def aliyun(settings, db):
    with AliyunServer(templates={"SMS_100001": ["number"], "SMS_100009": ["code", "minutes"]}) as server:
        _settings(
            settings,
            SMS_GATEWAY="gongzhi.core.sms.aliyun.AliyunSmsGateway",
            SMS_ALIYUN_ENDPOINT=server.endpoint,
            SMS_ALIYUN_PROTOCOL="http",
            SMS_ALIYUN_ACCESS_KEY_ID="LTAI-test",
            SMS_ALIYUN_ACCESS_KEY_SECRET="test-secret",
            SMS_ALIYUN_SIGN_NAME="共治",
        )
        SmsTemplate.objects.create(
            provider="aliyun",
            kind="appeal_received",
            template_code="SMS_100001",
            variables=[["number", "number"]],
        )
        SmsTemplate.objects.create(
            provider="aliyun",
            kind="login_code",
            template_code="SMS_100009",
            variables=[["code", "code"], ["minutes", "minutes"]],
        )
        yield server


@pytest.fixture
def tencent(settings, db):
    with TencentServer(templates={"1100001": ["{1}"]}) as server:
        _settings(
            settings,
            SMS_GATEWAY="gongzhi.core.sms.tencent.TencentSmsGateway",
            SMS_TENCENT_ENDPOINT=server.endpoint,
            SMS_TENCENT_PROTOCOL="http",
            SMS_TENCENT_SECRET_ID="AKID-test",
            SMS_TENCENT_SECRET_KEY="test-key",
            SMS_TENCENT_APP_ID="1400000001",
            SMS_TENCENT_SIGN_NAME="共治",
        )
        SmsTemplate.objects.create(
            provider="tencent", kind="appeal_received", template_code="1100001", variables=[["1", "number"]]
        )
        yield server


def _notice(phone=PHONE, kind="appeal_received", context=None, recipient=None):
    return notify(
        subject="诉求已受理",
        body="您的诉求（编号 20260101000123）已受理。",
        phone=phone,
        channel=NotificationChannel.SMS,
        kind=kind,
        context=context or CONTEXT,
        recipient=recipient,
    )


def _reload(row):
    row.refresh_from_db()
    return row


# ---------------------------------------------------------------- Alibaba Cloud


def test_aliyun_sends_the_filed_template_signed(aliyun):
    row = _notice()
    assert deliver(row.pk)
    assert _reload(row).status == NotificationStatus.SENT
    [sent] = aliyun.sent
    assert sent == {
        **sent,
        "phone": PHONE,
        "sign": "共治",
        "template": "SMS_100001",
        "params": {"number": "20260101000123"},
    }
    message = SmsMessage.objects.get()
    assert (message.provider, message.message_id, message.status) == (
        "aliyun",
        sent["id"],
        SmsStatus.SUBMITTED,
    )


def test_aliyun_wrong_secret_is_refused_by_the_signature_check(aliyun, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_ALIYUN_ACCESS_KEY_SECRET": "not-the-secret"}
    row = _notice()
    assert not deliver(row.pk)
    assert _reload(row).status == NotificationStatus.FAILED  # a signature error is not cured by retrying
    assert SmsMessage.objects.get().error_code == "SignatureDoesNotMatch"
    assert not aliyun.sent


def test_aliyun_template_not_filed_fails_at_once_and_falls_back_to_the_site(aliyun):
    resident = make_user("r-fallback", Role.RESIDENT, phone=PHONE)
    SmsTemplate.objects.filter(kind="appeal_received").update(template_code="SMS_999999")
    row = _notice()
    assert not deliver(row.pk)
    row = _reload(row)
    assert row.status == NotificationStatus.FAILED and row.attempts == 1
    assert "isv.SMS_TEMPLATE_ILLEGAL" in row.error and "站内消息" in row.error
    site = Notification.objects.get(recipient=resident, channel=NotificationChannel.SITE)
    assert site.body == row.body and site.status == NotificationStatus.SENT
    assert SmsMessage.objects.get().status == SmsStatus.REJECTED


def test_aliyun_blacklisted_number_fails_for_good(aliyun):
    aliyun.blacklist.add("13900000001")
    row = _notice(phone="13900000001")
    assert not deliver(row.pk)
    assert _reload(row).status == NotificationStatus.FAILED
    assert SmsMessage.objects.get().error_code == "isv.BLACK_KEY_CONTROL_LIMIT"


def test_aliyun_rate_limit_waits_and_retries_with_back_off(aliyun, settings, time_machine):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_PER_MINUTE": 5}  # let the provider's own limit answer
    assert deliver(_notice().pk)
    row = _notice()
    assert not deliver(row.pk)
    row = _reload(row)
    assert row.status == NotificationStatus.PENDING and "isv.BUSINESS_LIMIT_CONTROL" in row.error
    assert row.next_attempt_at > timezone.now()
    assert deliver_pending() == 0  # not before its time
    aliyun.sent[0]["at"] -= 120  # a minute later the provider takes it
    time_machine.move_to(timezone.now() + timezone.timedelta(seconds=61))
    assert deliver_pending() == 1
    assert _reload(row).status == NotificationStatus.SENT


def test_aliyun_timeout_retries_then_falls_back(aliyun, settings, time_machine):
    aliyun.delay = 2.5  # longer than SMS_TIMEOUT_SECONDS
    row = _notice()
    assert not deliver(row.pk)
    assert _reload(row).status == NotificationStatus.PENDING
    for _ in range(2):
        time_machine.move_to(_reload(row).next_attempt_at + timezone.timedelta(seconds=1))
        deliver_pending()
    row = _reload(row)
    assert row.status == NotificationStatus.FAILED and row.attempts == 3
    assert "站内消息" in row.error


def test_our_own_limit_per_number(aliyun):
    assert deliver(_notice().pk)
    row = _notice()
    assert not deliver(row.pk)
    assert "rate_limited" in _reload(row).error and row.status == NotificationStatus.PENDING
    assert len(aliyun.sent) == 1


def test_login_codes_go_through_the_template_and_skip_the_notice_limit(aliyun):
    from gongzhi.core.services import send_login_code

    assert deliver(_notice().pk)
    send_login_code(PHONE)
    code_row = Notification.objects.get(kind="login_code")
    assert deliver(code_row.pk)
    assert aliyun.sent[-1]["template"] == "SMS_100009" and aliyun.sent[-1]["params"]["minutes"] == "5"


def test_aliyun_receipt_updates_the_message(aliyun):
    resident = make_user("r-receipt", Role.RESIDENT, phone=PHONE)
    assert deliver(_notice().pk)
    biz_id = aliyun.sent[0]["id"]
    report = [
        {
            "phone_number": PHONE,
            "send_time": "2026-12-07 10:00:00",
            "report_time": "2026-12-07 10:00:05",
            "success": True,
            "err_code": "DELIVERED",
            "err_msg": "用户接收成功",
            "sms_size": "1",
            "biz_id": biz_id,
            "out_id": "",
        }
    ]
    client = Client()
    assert (
        client.post(
            "/sms/aliyun/wrong/report/", json.dumps(report), content_type="application/json"
        ).status_code
        == 404
    )
    response = client.post(
        "/sms/aliyun/cb-secret/report/", json.dumps(report), content_type="application/json"
    )
    assert response.json() == {"code": 0, "msg": "接收成功"}
    message = SmsMessage.objects.get()
    assert message.status == SmsStatus.DELIVERED and message.error_code == "DELIVERED" and message.reported_at
    failed = [{**report[0], "success": False, "err_code": "MK:0001", "err_msg": "空号"}]
    client.post("/sms/aliyun/cb-secret/report/", json.dumps(failed), content_type="application/json")
    assert SmsMessage.objects.get().status == SmsStatus.UNDELIVERED
    # the carrier could not deliver it: failed after all, the resident gets the site message
    notification = Notification.objects.get(channel=NotificationChannel.SMS)
    assert notification.status == NotificationStatus.FAILED and "MK:0001" in notification.error
    assert Notification.objects.filter(recipient=resident, channel=NotificationChannel.SITE).exists()
    other = [{**report[0], "phone_number": "13900000009"}]  # not the number it was sent to: ignored
    client.post("/sms/aliyun/cb-secret/report/", json.dumps(other), content_type="application/json")
    assert SmsMessage.objects.get().error_code == "MK:0001"


def test_aliyun_inbound_is_stored_once_and_announced(aliyun):
    seen = []

    def receiver(sender, inbound, **kwargs):
        seen.append((sender, inbound.phone, inbound.text))
        inbound.handled = "测试"

    sms_received.connect(receiver)
    try:
        up = [
            {
                "phone_number": PHONE,
                "send_time": "2026-12-07 10:00:00",
                "content": "1",
                "sign_name": "共治",
                "dest_code": "1234",
                "sequence_id": 3456789,
            }
        ]
        client = Client()
        for _ in range(2):  # the provider pushes again when unsure: stored once
            response = client.post(
                "/sms/aliyun/cb-secret/up/", json.dumps(up), content_type="application/json"
            )
            assert response.json()["code"] == 0
    finally:
        sms_received.disconnect(receiver)
    inbound = InboundSms.objects.get()
    assert (inbound.phone, inbound.text, inbound.handled) == (PHONE, "1", "测试")
    assert seen == [("aliyun", PHONE, "1")]


# ---------------------------------------------------------------- Tencent Cloud


def test_tencent_sends_the_filed_template_signed(tencent):
    row = _notice()
    assert deliver(row.pk)
    [sent] = tencent.sent
    assert (sent["phone"], sent["template"], sent["params"]) == (PHONE, "1100001", ["20260101000123"])
    assert SmsMessage.objects.get().message_id == sent["id"]


def test_tencent_wrong_key_is_refused(tencent, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_TENCENT_SECRET_KEY": "wrong"}
    row = _notice()
    assert not deliver(row.pk)
    assert _reload(row).status == NotificationStatus.FAILED
    assert SmsMessage.objects.get().error_code == "AuthFailure.SignatureFailure"


def test_tencent_template_not_approved(tencent):
    SmsTemplate.objects.filter(kind="appeal_received").update(template_code="1199999")
    row = _notice()
    assert not deliver(row.pk)
    assert _reload(row).status == NotificationStatus.FAILED
    assert SmsMessage.objects.get().error_code == "FailedOperation.TemplateIncorrectOrUnapproved"


def test_tencent_blacklist_and_rate_limit(tencent, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_PER_MINUTE": 5}
    tencent.blacklist.add("13900000001")
    black = _notice(phone="13900000001")
    assert not deliver(black.pk)
    assert _reload(black).status == NotificationStatus.FAILED
    assert deliver(_notice().pk)
    limited = _notice()
    assert not deliver(limited.pk)
    assert _reload(limited).status == NotificationStatus.PENDING
    assert "LimitExceeded.PhoneNumberThirtySecondLimit" in limited.error


def test_tencent_timeout_stays_pending(tencent):
    tencent.delay = 2.5
    row = _notice()
    assert not deliver(row.pk)
    row = _reload(row)
    assert row.status == NotificationStatus.PENDING and row.next_attempt_at and row.error


def test_tencent_receipt_and_inbound(tencent):
    assert deliver(_notice().pk)
    serial = tencent.sent[0]["id"]
    client = Client()
    report = [
        {
            "user_receive_time": "2026-12-07 10:00:04",
            "nationcode": "86",
            "mobile": PHONE,
            "report_status": "SUCCESS",
            "errmsg": "DELIVRD",
            "description": "用户短信送达成功",
            "sid": serial,
        }
    ]
    response = client.post(
        "/sms/tencent/cb-secret/report/", json.dumps(report), content_type="application/json"
    )
    assert response.json() == {"result": 0, "errmsg": "OK"}
    assert SmsMessage.objects.get().status == SmsStatus.DELIVERED
    up = {
        "extend": "",
        "mobile": PHONE,
        "nationcode": "86",
        "sign": "共治",
        "text": "路灯还没修好",
        "time": 1796000000,
    }
    for _ in range(2):
        assert (
            client.post("/sms/tencent/cb-secret/up/", json.dumps(up), content_type="application/json").json()[
                "result"
            ]
            == 0
        )
    assert InboundSms.objects.get().text == "路灯还没修好"


# ---------------------------------------------------------------- templates and the configuration check


def test_template_rows_are_checked_against_the_kind(db):
    with pytest.raises(ValidationError) as err:
        SmsTemplate.objects.create(
            provider="aliyun",
            kind="appeal_received",
            template_code="SMS_100001",
            variables=[["number", "no_such_variable"]],
        )
    assert "variables" in err.value.message_dict
    with pytest.raises(ValidationError):
        SmsTemplate.objects.create(
            provider="tencent",
            kind="appeal_received",
            template_code="1100001",
            variables=[["number", "number"]],
        )  # Tencent's are positional: 1, 2, …
    with pytest.raises(ValidationError):
        SmsTemplate.objects.create(
            provider="aliyun", kind="appeal_received", template_code="12345", variables=[]
        )


def test_configured_provider_without_templates_is_refused_by_the_check(aliyun):
    errors = [e for e in run_checks() if e.id == "gongzhi.E101"]
    assert errors and "appeal_dispatched" in errors[0].msg and "appeal_received" not in errors[0].msg
    from gongzhi.core.sms.templates import sms_kinds

    for kind in sms_kinds():
        if not SmsTemplate.objects.filter(provider="aliyun", kind=kind.key).exists():
            SmsTemplate.objects.create(
                provider="aliyun",
                kind=kind.key,
                template_code="SMS_100002",
                variables=[[name, name] for name in kind.variables],
            )
    assert not [e for e in run_checks() if e.id == "gongzhi.E101"]


def test_a_provider_without_its_signature_is_refused_by_the_check(tencent, settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_TENCENT_SIGN_NAME": ""}
    [error] = [e for e in run_checks() if e.id == "gongzhi.E103"]
    assert "GONGZHI_SMS_TENCENT_SIGN_NAME" in error.msg


def test_console_gateway_needs_no_template(db, settings):
    assert not [e for e in run_checks() if e.id.startswith("gongzhi.E10")]

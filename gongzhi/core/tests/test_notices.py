"""Notice templates (seeded, validated, audited), residents' channel choices and opt-outs (page, API, audit), and
delivery by e-mail (Django's mail, locmem in tests) and SMS (the pluggable gateway)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from gongzhi.core import notices
from gongzhi.core.choices import NotificationChannel, NotificationStatus
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import AuditEvent, Notification
from gongzhi.core.notices.models import NotificationTemplate
from gongzhi.core.notifications import SmsGateway, deliver, deliver_pending
from gongzhi.core.testing import PASSWORD

SENT_SMS: list[tuple[str, str]] = []


class RecordingGateway(SmsGateway):
    """A gateway plugged in through settings, as a provider's would be."""

    fail = False

    def send_sms(self, phone, text):
        if RecordingGateway.fail:
            raise RuntimeError("gateway down")
        SENT_SMS.append((phone, text))


@pytest.fixture
def gateway(settings):
    SENT_SMS.clear()
    RecordingGateway.fail = False
    settings.GONGZHI = {**settings.GONGZHI, "SMS_GATEWAY": "gongzhi.core.tests.test_notices.RecordingGateway"}
    return SENT_SMS


def test_every_kind_is_seeded_and_its_default_is_valid(db):
    keys = {k.key for k in notices.kinds()}
    assert {
        "appeal_received",
        "appeal_dispatched",
        "appeal_replied",
        "appeal_callback_due",
        "appeal_merged",
        "appeal_closed",
        "appeal_extended",
        "appeal_reopened",
    } <= keys
    assert set(NotificationTemplate.objects.values_list("kind", flat=True)) >= keys
    for kind in notices.kinds():
        assert notices.validate_template(kind.key, kind.subject, kind.body) == {}
        assert not kind.mandatory or kind.reason  # a mandatory kind says why


@pytest.mark.parametrize(
    "subject, body, field, words",
    [
        ("诉求已答复", "{% if number %}没有结束", "body", "语法错误"),
        ("诉求已答复", "{{ number|nosuchfilter }}", "body", "不能使用"),
        ("{{ appellant_phone }}", "正文 {{ number }}", "subject", "未知变量"),
        ("   ", "正文", "subject", "不能为空"),
        ("{% if False %}x{% endif %}", "正文", "subject", "为空"),
    ],
)
def test_a_bad_template_edit_is_refused(users, subject, body, field, words):
    errors = notices.validate_template("appeal_replied", subject, body)
    assert field in errors and words in errors[field][0]
    with pytest.raises(ServiceError) as exc:
        notices.update_notification_template(users["admin"], "appeal_replied", subject=subject, body=body)
    assert exc.value.field == field
    row = NotificationTemplate.objects.get(kind="appeal_replied")
    assert row.subject == "诉求已答复" and "{{ number }}" in row.body  # untouched
    from django.core.exceptions import ValidationError

    row.body = body
    row.subject = subject
    with pytest.raises(ValidationError):
        row.save()  # the model refuses too, whatever path the write takes


def test_admin_edit_is_rendered_and_audited(users):
    notices.update_notification_template(
        users["admin"],
        "appeal_received",
        subject="【回执】{{ number }}",
        body="{{ title }} 已登记，编号 {{ number }}。",
    )
    sent = notices.send_notice(
        "appeal_received",
        user=users["resident"],
        phone="",
        context={"number": "A1", "title": "路灯", "kind": "投诉"},
    )
    assert [(n.subject, n.body) for n in sent] == [("【回执】A1", "路灯 已登记，编号 A1。")]
    event = AuditEvent.objects.get(action="notification_template")
    assert event.target == "notice:appeal_received" and event.before["subject"] == "诉求已受理"
    with pytest.raises(ServiceError):
        notices.update_notification_template(users["resident"], "appeal_received", subject="x", body="y")


def test_a_template_broken_behind_the_models_back_falls_back_to_the_default(users):
    NotificationTemplate.objects.filter(kind="appeal_received").update(body="{% if %}")  # bypasses validation
    sent = notices.send_notice(
        "appeal_received", user=users["resident"], context={"number": "A2", "title": "t", "kind": "投诉"}
    )
    assert len(sent) == 1 and sent[0].body == "您的诉求（编号 A2）已受理，我们会尽快办理。"


def test_admin_page_refuses_a_bad_edit_with_a_chinese_message(client, users):
    client.force_login(users["admin"])
    row = NotificationTemplate.objects.get(kind="appeal_dispatched")
    url = reverse("admin:core_notificationtemplate_change", args=[row.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"subject": "诉求已派单", "body": "{{ unit }} {{ password }}"})
    assert response.status_code == 200 and "未知变量" in response.content.decode()
    row.refresh_from_db()
    assert "password" not in row.body
    response = client.post(url, {"subject": "派单通知", "body": "已派往{{ unit }}"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.subject == "派单通知" and row.updated_by == users["admin"]


# ---------------------------------------------------------------- channels and preferences


def test_channels_follow_the_users_choice(users, gateway):
    resident = users["resident"]
    context = {"number": "A3", "title": "t", "kind": "投诉"}
    sent = notices.send_notice("appeal_received", user=resident, phone=resident.phone, context=context)
    assert sorted(n.channel for n in sent) == ["site", "sms"]
    notices.update_notification_preferences(
        resident, resident, sms=False, email=True, email_address="li@example.com"
    )
    resident.refresh_from_db()
    sent = notices.send_notice("appeal_received", user=resident, phone=resident.phone, context=context)
    assert sorted(n.channel for n in sent) == ["email", "site"]
    email_row = next(n for n in sent if n.channel == NotificationChannel.EMAIL)
    assert email_row.email == "li@example.com"


def test_delivery_by_email_and_by_the_pluggable_sms_gateway(users, gateway):
    resident = users["resident"]
    notices.update_notification_preferences(
        resident, resident, sms=True, email=True, email_address="li@example.com"
    )
    resident.refresh_from_db()
    sent = notices.send_notice(
        "appeal_received",
        user=resident,
        phone=resident.phone,
        link="/appeals/1/",
        context={"number": "A4", "title": "t", "kind": "投诉"},
    )
    assert deliver_pending() == 3
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["li@example.com"] and message.subject == "【共治】诉求已受理"
    assert "A4" in message.body and "/appeals/1/" in message.body
    assert gateway == [("13800138000", "【共治】诉求已受理：您的诉求（编号 A4）已受理，我们会尽快办理。")]
    assert all(
        n.status == NotificationStatus.SENT for n in Notification.objects.filter(pk__in=[s.pk for s in sent])
    )


def test_a_failing_gateway_keeps_the_sms_pending_for_the_sweep(users, gateway, time_machine):
    RecordingGateway.fail = True
    (sms,) = notices.send_notice(
        "appeal_received", phone="13700137000", context={"number": "A5", "title": "t", "kind": "投诉"}
    )
    assert deliver(sms.pk) is False
    sms.refresh_from_db()
    assert sms.status == NotificationStatus.PENDING and "gateway down" in sms.error
    RecordingGateway.fail = False
    assert deliver_pending() == 0  # retried after its back-off (NOTIFY_RETRY_SECONDS), not at once
    time_machine.move_to(sms.next_attempt_at + timedelta(seconds=1))
    assert deliver_pending() == 1 and gateway[0][0] == "13700137000"


def test_optional_kinds_can_be_turned_off_mandatory_ones_cannot(users):
    resident = users["resident"]
    notices.update_notification_preferences(
        resident, resident, sms=True, email=False, disabled=["appeal_dispatched"]
    )
    context = {"number": "A6", "title": "t", "unit": "u", "reply_due": "", "kind": "投诉"}
    assert (
        notices.send_notice("appeal_dispatched", user=resident, phone=resident.phone, context=context) == []
    )
    assert (
        len(notices.send_notice("appeal_received", user=resident, phone=resident.phone, context=context)) == 2
    )
    with pytest.raises(ServiceError) as exc:
        notices.update_notification_preferences(
            resident, resident, sms=True, email=False, disabled=["appeal_replied"]
        )
    assert exc.value.code == "mandatory_notice" and "不能关闭" in str(exc.value.message)
    with pytest.raises(ServiceError):
        notices.update_notification_preferences(resident, resident, sms=True, email=True, email_address="")
    with pytest.raises(ServiceError):
        notices.update_notification_preferences(resident, users["resident2"], sms=True, email=False)


def test_preference_changes_are_audited_with_the_address_masked(users):
    resident = users["resident"]
    notices.update_notification_preferences(
        resident,
        resident,
        sms=False,
        email=True,
        email_address="zhang@example.com",
        disabled=["appeal_reopened"],
    )
    event = AuditEvent.objects.get(action="notification_preferences")
    assert event.target == f"user:{resident.pk}"
    assert event.before["sms"] is True and event.after == {
        "sms": False,
        "email": True,
        "email_address": "z***@example.com",
        "disabled": ["appeal_reopened"],
        "optional": True,
    }
    notices.update_notification_preferences(
        resident,
        resident,
        sms=False,
        email=True,
        email_address="zhang@example.com",
        disabled=["appeal_reopened"],
    )
    assert AuditEvent.objects.filter(action="notification_preferences").count() == 1  # nothing changed


def test_my_account_page(client, users):
    resident = users["resident"]
    client.force_login(resident)
    page = client.get(reverse("core:account")).content.decode()
    assert "通知偏好" in page and "138****8000" in page and "不能关闭" in page
    assert "受理回执载有诉求编号" in page  # the reason a mandatory notice stays on
    response = client.post(reverse("core:account"), {"sms": "on", "email": "on", "email_address": "bad"})
    assert response.status_code == 200 and "请输入正确的电子邮箱地址" in response.content.decode()
    optional_on = {
        f"kind_{k.key}": "on" for k in notices.kinds() if not k.mandatory and k.key != "appeal_dispatched"
    }
    response = client.post(
        reverse("core:account"), {"email": "on", "email_address": "w@example.com", **optional_on}
    )
    assert response.status_code == 302
    pref = resident.notification_preference
    assert (pref.sms, pref.email, pref.disabled_kinds) == (False, True, ["appeal_dispatched"])


def test_preferences_api(client, users):
    client.login(username="resident1", password=PASSWORD)
    url = "/api/v1/me/notification-preferences/"
    data = client.get(url).json()
    assert data["sms"] is True and data["email"] is False and data["phone"] == "138****8000"
    kinds = {k["kind"]: k for k in data["kinds"]}
    assert kinds["appeal_replied"]["mandatory"] and kinds["appeal_replied"]["reason"]
    response = client.put(
        url,
        {"sms": False, "email": False, "disabled": ["appeal_callback_due"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["disabled"] == ["appeal_callback_due"]
    assert {k["kind"]: k["enabled"] for k in response.json()["kinds"]}["appeal_callback_due"] is False
    refused = client.put(
        url, {"sms": True, "email": False, "disabled": ["appeal_closed"]}, content_type="application/json"
    )
    assert refused.status_code == 400 and refused.json()["fields"]["disabled"][0].startswith(
        "「诉求已办结」不能关闭"
    )
    bad = client.put(url, {"sms": "maybe"}, content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    client.logout()
    assert client.get(url).status_code in (401, 403)


# ---------------------------------------------------------------- what a template may use (issue N item 14)


@pytest.mark.parametrize(
    "body",
    [
        "{% debug %}",
        "{% load static %}{{ number }}",
        "{% csrf_token %}{{ number }}",
        "{% now 'Y' %}{{ number }}",
        "{{ number|safe }}",
        "{{ number|pprint }}",
        "{% if number|pprint %}x{% endif %}",
    ],
)
def test_a_template_may_not_use_other_tags_or_filters(body):
    errors = notices.validate_template("appeal_closed", "诉求已办结", body)
    assert "不能使用" in errors["body"][0], errors


def test_a_template_may_use_conditions_loops_and_formatting():
    body = "{% if note %}{{ note|truncatechars:20 }}{% else %}{{ result|default:'已办结' }}{% endif %}（{{ number }}）"
    assert notices.validate_template("appeal_closed", "诉求已办结", body) == {}


def test_the_rendered_body_is_capped():
    errors = notices.validate_template(
        "appeal_closed", "诉求已办结", "{{ number }}" + "长" * notices.MAX_BODY
    )
    assert "超过2000个字" in errors["body"][0]

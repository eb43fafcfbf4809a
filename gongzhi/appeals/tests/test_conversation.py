"""The conversation on an appeal (issue 16 item 2): 补充材料, 询问 and its answer — on the pages, the API and by SMS
(the provider's inbound push), and the "1/2/3" reply to a callback invitation."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState, CallbackMethod
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.tests.test_workflow import drive_to
from gongzhi.core.choices import NotificationChannel, NotificationStatus
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import InboundSms, Notification, SmsTemplate
from gongzhi.core.notifications import deliver_pending
from gongzhi.core.testing import client_for

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture(autouse=True)
def _callbacks(settings):
    settings.GONGZHI = {**settings.GONGZHI, "SMS_CALLBACK_TOKEN": "cb-secret"}


def _sms(phone: str, text: str, seq: int = 1):
    """The resident's SMS as Alibaba Cloud pushes it (HTTP批量推送, SmsUp)."""
    body = [
        {
            "phone_number": phone,
            "send_time": "2026-12-07 10:00:00",
            "content": text,
            "sign_name": "共治",
            "dest_code": "",
            "sequence_id": seq,
        }
    ]
    response = Client().post("/sms/aliyun/cb-secret/up/", json.dumps(body), content_type="application/json")
    assert response.json() == {"code": 0, "msg": "接收成功"}
    return InboundSms.objects.order_by("-id").first()


def test_supplement_with_text_and_a_photo(users, units, make_appeal):
    appeal = drive_to(AppealState.ACCEPTED, users, units, make_appeal)
    photo = SimpleUploadedFile("lamp.png", PNG, content_type="image/png")
    services.supplement(users["resident"], appeal.pk, text="路灯在3号楼东侧", attachments=[photo])
    event = appeal.events.get(action="supplement")
    assert event.note == "路灯在3号楼东侧" and event.after["attachments"][0]["name"] == "lamp.png"
    assert appeal.attachments.filter(name="lamp.png").exists()
    assert Notification.objects.filter(unit=units["housing"], subject="诉求人补充了材料").exists()
    with pytest.raises(PermissionDeniedError):
        services.supplement(users["resident2"], appeal.pk, text="不是我的诉求")
    with pytest.raises(ServiceError) as refused:
        services.supplement(users["resident"], appeal.pk, text="  ")
    assert refused.value.field == "text"


def test_supplement_before_dispatch_tells_the_dispatchers(users, units, make_appeal):
    appeal = make_appeal()
    services.supplement(users["resident"], appeal.pk, text="晚上七点以后完全不亮")
    assert Notification.objects.filter(unit=units["hotline"], subject="诉求人补充了材料").exists()


def test_api_supplement_contract(users, make_appeal):
    appeal = make_appeal()
    client = client_for(users["resident"])
    response = client.post(
        f"/api/v1/appeals/{appeal.pk}/actions/supplement/",
        {"text": "补充：灯杆有漏电风险"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert "supplement" in [e["action"] for e in response.json()["events"]]
    other = client_for(users["resident2"]).post(
        f"/api/v1/appeals/{appeal.pk}/actions/supplement/", {"text": "x"}, content_type="application/json"
    )
    assert other.status_code == 404  # not theirs: not even seen


def test_ask_and_answer_on_the_pages_and_the_api(users, units, make_appeal):
    appeal = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal)
    with pytest.raises(PermissionDeniedError):
        services.ask(users["handler_other"], appeal.pk, question="请问具体位置？")
    handler = client_for(users["handler"])
    response = handler.post(
        f"/appeals/{appeal.pk}/act/ask/", {"ask-question": "请问"}
    )  # too short: kept, said
    assert response.status_code == 400 and "请问" in response.content.decode()
    handler.post(f"/appeals/{appeal.pk}/act/ask/", {"ask-question": "请问路灯具体在几号楼？"})
    asked = Notification.objects.filter(kind="appeal_asked", ref=f"appeal:{appeal.pk}")
    assert {n.channel for n in asked} == {NotificationChannel.SITE, NotificationChannel.SMS}
    page = client_for(users["resident"]).get(f"/appeals/{appeal.pk}/").content.decode()
    assert "请问路灯具体在几号楼？" in page and 'id="act-answer"' in page and 'id="act-supplement"' in page
    api = client_for(users["resident"])
    response = api.post(
        f"/api/v1/appeals/{appeal.pk}/actions/answer/", {"text": "3号楼东侧"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["events"][-1]["action"] == "answer"
    again = api.post(
        f"/api/v1/appeals/{appeal.pk}/actions/answer/", {"text": "再说一次"}, content_type="application/json"
    )
    assert again.status_code == 400 and again.json()["code"] == "no_question"
    assert Notification.objects.filter(unit=units["housing"], subject="诉求人答复了询问").exists()


def test_an_sms_answers_the_open_question(users, units, make_appeal):
    older = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal)
    newer = make_appeal(title="另一件：楼道灯不亮")
    services.ask(users["handler"], older.pk, question="请问路灯具体在几号楼？")
    inbound = _sms("13800138000", "在3号楼东侧")
    answer = older.events.get(action="answer")
    assert answer.note == "在3号楼东侧" and answer.actor_label == "诉求人（短信）"
    assert inbound.ref == f"appeal:{older.pk}" and inbound.handled == "答复询问"
    # no open question: the most recent open appeal takes it as a 补充材料
    inbound = _sms("13800138000", "楼道灯也坏了", seq=2)
    assert inbound.ref == f"appeal:{newer.pk}" and newer.events.filter(action="supplement").exists()
    # an unknown number: kept, unattached, for staff to see
    inbound = _sms("13600000000", "你好", seq=3)
    assert inbound.ref == "" and "没有办理中的诉求" in inbound.handled


def test_a_reply_1_to_the_callback_invitation_records_satisfied(users, units, make_appeal):
    appeal = drive_to(AppealState.REPLIED, users, units, make_appeal)
    invitation = Notification.objects.get(kind="appeal_replied", channel=NotificationChannel.SMS)
    assert "1 满意" in invitation.body and invitation.context["callback_due"]
    inbound = _sms("13800138000", "1")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == AppealState.CLOSED
    callback = appeal.callbacks.get()
    assert (callback.method, callback.satisfaction, callback.solved, callback.contacted) == (
        CallbackMethod.SMS,
        "satisfied",
        True,
        True,
    )
    assert inbound.handled == "回访评价：满意"


def test_a_reply_3_reopens_and_a_digit_without_invitation_is_only_material(users, units, make_appeal):
    appeal = drive_to(AppealState.REPLIED, users, units, make_appeal)
    _sms("13800138000", "3")
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.state == AppealState.IN_PROGRESS and appeal.reopen_count == 1
    other = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal, title="另一件诉求")
    _sms("13800138000", "2", seq=2)  # no invitation asked for it: material, not a verdict
    assert not Appeal.objects.get(pk=other.pk).callbacks.exists()


def test_an_appellant_without_an_account_evaluates_by_sms(users, units, make_appeal):
    appeal = make_appeal(
        users["operator"], channel="hotline", appellant_name="王先生", appellant_phone="13511112222"
    )
    assert appeal.appellant_id is None
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话联系")
    services.reply(users["handler"], appeal.pk, text="路灯已于今日修复，感谢反映。")
    _sms("13511112222", "2")
    appeal = Appeal.objects.get(pk=appeal.pk)
    callback = appeal.callbacks.get()
    assert (
        appeal.state == AppealState.CLOSED
        and callback.satisfaction == "basically"
        and callback.recorded_by is None
    )


def test_a_failed_sms_falls_back_and_is_said_on_the_timeline(users, units, make_appeal, settings):
    from gongzhi.core.sms.fakeproviders import AliyunServer

    with AliyunServer(templates={"SMS_100001": ["number"]}, blacklist={"13800138000"}) as server:
        settings.GONGZHI = {
            **settings.GONGZHI,
            "SMS_GATEWAY": "gongzhi.core.sms.aliyun.AliyunSmsGateway",
            "SMS_ALIYUN_ENDPOINT": server.endpoint,
            "SMS_ALIYUN_PROTOCOL": "http",
            "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-test",
            "SMS_ALIYUN_ACCESS_KEY_SECRET": "test-secret",
            "SMS_ALIYUN_SIGN_NAME": "共治",
        }
        SmsTemplate.objects.create(
            provider="aliyun",
            kind="appeal_received",
            template_code="SMS_100001",
            variables=[["number", "number"]],
        )
        appeal = make_appeal()
        deliver_pending()
    sms = Notification.objects.get(kind="appeal_received", channel=NotificationChannel.SMS)
    assert sms.status == NotificationStatus.FAILED and "isv.BLACK_KEY_CONTROL_LIMIT" in sms.error
    event = appeal.events.get(action="sms_failed")
    assert "诉求已受理" in event.note and "黑名单" in event.note


def test_the_development_command_takes_an_sms(users, units, make_appeal):
    from io import StringIO

    from django.core.management import call_command

    appeal = drive_to(AppealState.IN_PROGRESS, users, units, make_appeal)
    services.ask(users["handler"], appeal.pk, question="请问路灯具体在几号楼？")
    out = StringIO()
    call_command("sms_receive", "13800138000", "3号楼", stdout=out)
    assert "答复询问" in out.getvalue() and "138****8000" in out.getvalue()
    assert appeal.events.filter(action="answer", note="3号楼").exists()

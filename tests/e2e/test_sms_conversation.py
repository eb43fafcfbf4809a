"""Issue 16, SMS both ways, in the browser on a 390 px phone: the resident submits an appeal, adds a 补充材料 with a
photo, the handler asks a question on their page, the resident answers by SMS (the provider's inbound push to the
app), the handler replies, the callback invitation SMS goes out and the resident's reply "1" records 满意.

Every SMS goes through Alibaba Cloud's official SDK to a local server implementing its protocol (signatures checked,
gongzhi.core.sms.fakeproviders); the resident's SMS come back as Alibaba's HTTP批量推送 would post them.
Screenshots go to $GONGZHI_SHOTS (default /tmp/h-sms-shots/).
"""

import json
import os
import urllib.request
from pathlib import Path

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState, CallbackMethod
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import SmsMessage, SmsTemplate
from gongzhi.core.notifications import deliver_pending
from gongzhi.core.sms.fakeproviders import AliyunServer
from gongzhi.core.sms.templates import sms_kinds
from gongzhi.core.sms_models import SmsStatus

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("GONGZHI_SHOTS", "/tmp/h-sms-shots"))
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)
QUESTION = "请问坏的路灯具体在3栋的哪一侧？我们安排师傅上门。"
REPLY = "已安排维修人员于今日更换3栋东侧路灯灯泡并检查线路，现已恢复照明。如再有问题请随时反映。"


def snap(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= min(inner, 390), (page.url, width, inner)


def push(live_server, path: str, payload) -> dict:
    request = urllib.request.Request(
        f"{live_server.url}{path}",
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def aliyun(settings):
    codes = {kind.key: f"SMS_2000{i:02d}" for i, kind in enumerate(sms_kinds())}
    templates = {codes[kind.key]: list(kind.variables) for kind in sms_kinds()}
    with AliyunServer(templates=templates, per_minute=20) as server:
        settings.GONGZHI = {
            **settings.GONGZHI,
            "SMS_GATEWAY": "gongzhi.core.sms.aliyun.AliyunSmsGateway",
            "SMS_ALIYUN_ENDPOINT": server.endpoint,
            "SMS_ALIYUN_PROTOCOL": "http",
            "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-test",
            "SMS_ALIYUN_ACCESS_KEY_SECRET": "test-secret",
            "SMS_ALIYUN_SIGN_NAME": "共治",
            "SMS_CALLBACK_TOKEN": "cb-secret",
            "SMS_PER_MINUTE": 20,
        }
        for kind in sms_kinds():
            SmsTemplate.objects.create(
                provider="aliyun",
                kind=kind.key,
                template_code=codes[kind.key],
                variables=[[name, name] for name in kind.variables],
            )
        server.codes = codes
        yield server


def sent_of(server, kind: str) -> list[dict]:
    return [m for m in server.sent if m["template"] == server.codes[kind]]


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_sms_conversation(
    new_context, login, users, units, county, category, latest_code, aliyun, live_server, elder
):
    mode = "elder" if elder else "normal"
    phone = users["resident"].phone
    users["resident"].region = county["community"]
    users["resident"].save(update_fields=["region"])

    # ---- the resident signs in with a code sent by SMS and submits on the phone
    resident = new_context("mobile").new_page()
    resident.goto("/accounts/phone/")
    resident.fill("#id_phone", phone)
    resident.click("button:has-text('获取验证码')")
    resident.wait_for_selector("#id_code")
    deliver_pending()
    assert sent_of(aliyun, "login_code")[-1]["phone"] == phone  # the code went out through the provider
    resident.fill("#id_code", latest_code(phone))
    resident.click("button:has-text('登录')")
    resident.wait_for_selector("text=登录成功")
    if elder:
        resident.click("#elder-toggle")
    resident.goto("/appeals/new/")
    resident.fill("#id_title", "小区门口路灯坏了两周")
    resident.fill("#id_content", "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修理。")
    resident.click("button:has-text('提交诉求')")
    resident.wait_for_selector("#appeal-number")
    appeal = Appeal.objects.get()
    deliver_pending()
    assert sent_of(aliyun, "appeal_received")[0]["params"] == {
        "number": appeal.number,
        "title": appeal.title,
        "kind": "投诉",
    }

    # ---- 补充材料 with a photo, on the appeal's page
    resident.goto(f"/appeals/{appeal.pk}/")
    no_sideways(resident)
    resident.fill("#id_supplement-text", "晚上七点以后完全不亮，灯杆在3栋东侧。")
    resident.set_input_files(
        "#id_supplement-attachments", files=[{"name": "lamp.png", "mimeType": "image/png", "buffer": PNG}]
    )
    snap(resident, f"01-supplement-form-{mode}")
    resident.click("button:has-text('提交补充')")
    resident.wait_for_selector("text=已完成「补充材料」")
    assert resident.locator(".timeline", has_text="晚上七点以后完全不亮").count() == 1
    assert resident.locator("a", has_text="lamp.png").count() == 1
    no_sideways(resident)
    snap(resident, f"02-supplemented-{mode}")

    # ---- the unit takes it; its handler asks on their page
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话未接通，先询问")
    handler = login(new_context("desktop"), users["handler"].username)
    handler.goto(f"/appeals/{appeal.pk}/")
    assert handler.locator(".timeline", has_text="灯杆在3栋东侧").count() == 1  # the 补充材料 reached them
    handler.click("#act-ask summary")
    handler.fill("#id_ask-question", QUESTION)
    handler.click("#act-ask button:has-text('发送询问')")
    handler.wait_for_selector("text=已完成「询问居民」")
    snap(handler, f"03-handler-asked-{mode}")
    deliver_pending()
    [asked] = sent_of(aliyun, "appeal_asked")
    assert asked["phone"] == phone and asked["params"]["question"].startswith("请问坏的路灯")

    # ---- the resident sees the question, and answers by replying to the SMS
    resident.goto(f"/appeals/{appeal.pk}/")
    assert QUESTION in resident.inner_text("#pending-question")
    no_sideways(resident)
    snap(resident, f"04-question-on-the-phone-{mode}")
    biz_id = asked["id"]
    assert push(
        live_server,
        "/sms/aliyun/cb-secret/report/",
        [
            {
                "phone_number": phone,
                "send_time": "2026-12-07 10:00:00",
                "report_time": "2026-12-07 10:00:03",
                "success": True,
                "err_code": "DELIVERED",
                "err_msg": "用户接收成功",
                "sms_size": "1",
                "biz_id": biz_id,
                "out_id": "",
            }
        ],
    ) == {"code": 0, "msg": "接收成功"}
    assert SmsMessage.objects.get(message_id=biz_id).status == SmsStatus.DELIVERED
    assert (
        push(
            live_server,
            "/sms/aliyun/cb-secret/up/",
            [
                {
                    "phone_number": phone,
                    "send_time": "2026-12-07 10:05:00",
                    "content": "在3栋东侧单元门口，晚上7点后不亮",
                    "sign_name": "共治",
                    "dest_code": "",
                    "sequence_id": 1001,
                }
            ],
        )["code"]
        == 0
    )
    resident.reload()
    assert resident.locator("#pending-question").count() == 0
    assert (
        resident.locator(".timeline li", has_text="答复询问").filter(has_text="诉求人（短信）").count() == 1
    )

    # ---- the handler sees the answer and replies
    handler.reload()
    assert handler.locator(".timeline", has_text="在3栋东侧单元门口").count() == 1
    if not handler.locator("#act-reply").evaluate("el => el.open"):
        handler.click("#act-reply summary")
    handler.fill("#id_reply-text", REPLY)
    handler.click("#act-reply button:has-text('办结答复')")
    handler.wait_for_selector("text=已完成「办结答复」")
    deliver_pending()
    [invitation] = sent_of(aliyun, "appeal_replied")
    assert invitation["phone"] == phone and invitation["params"]["callback_due"]

    # ---- the resident replies "1": 满意, the appeal is closed
    assert (
        push(
            live_server,
            "/sms/aliyun/cb-secret/up/",
            [
                {
                    "phone_number": phone,
                    "send_time": "2026-12-07 11:00:00",
                    "content": "1",
                    "sign_name": "共治",
                    "dest_code": "",
                    "sequence_id": 1002,
                }
            ],
        )["code"]
        == 0
    )
    appeal = Appeal.objects.get(pk=appeal.pk)
    callback = appeal.callbacks.get()
    assert appeal.state == AppealState.CLOSED
    assert (callback.method, callback.satisfaction) == (CallbackMethod.SMS, "satisfied")
    resident.reload()
    assert "短信评价" in resident.inner_text("body") and "满意" in resident.inner_text("body")
    no_sideways(resident)
    snap(resident, f"05-closed-by-sms-{mode}")

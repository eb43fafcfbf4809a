"""Issue I's whole story in one browser session, every outside service a local server speaking its protocol: a
resident binds WeChat by 网页授权 (gongzhi.wechat.testing), sends the 公众号 a text that becomes an appeal and then a
photo; the handler asks a question, which reaches the resident by SMS (Alibaba Cloud's SDK against
gongzhi.core.sms.fakeproviders); the resident answers by replying to the SMS and, after the handler's answer,
evaluates it by replying "1"."""

import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest
import requests
from django.core.cache import cache

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState, CallbackMethod
from gongzhi.appeals.models import Appeal
from gongzhi.core.models import SmsTemplate
from gongzhi.core.notifications import deliver_pending
from gongzhi.core.sms.fakeproviders import AliyunServer
from gongzhi.core.sms.templates import sms_kinds
from gongzhi.wechat import testing
from gongzhi.wechat.models import Binding

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TEXT = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修理。"


def fits_the_phone(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= min(inner, 390), (page.url, width)


@pytest.fixture
def channels(settings, live_server):
    """The local WeChat and the local Alibaba Cloud SMS, with a filed template for every notice kind."""
    wechat, state = testing.start()
    codes = {kind.key: f"SMS_3000{i:02d}" for i, kind in enumerate(sms_kinds())}
    sms = AliyunServer(templates={codes[k.key]: list(k.variables) for k in sms_kinds()}, per_minute=20)
    sms.__enter__()
    settings.GONGZHI = {
        **settings.GONGZHI,
        "WECHAT": testing.settings_for(wechat),
        "SITE_URL": live_server.url,
        "SMS_GATEWAY": "gongzhi.core.sms.aliyun.AliyunSmsGateway",
        "SMS_ALIYUN_ENDPOINT": sms.endpoint,
        "SMS_ALIYUN_PROTOCOL": "http",
        "SMS_ALIYUN_ACCESS_KEY_ID": "LTAI-test",
        "SMS_ALIYUN_ACCESS_KEY_SECRET": "test-secret",
        "SMS_ALIYUN_SIGN_NAME": "共治",
        "SMS_CALLBACK_TOKEN": "cb-secret",
        "SMS_PER_MINUTE": 20,
    }
    settings.TASKS = IMMEDIATE
    for kind in sms_kinds():
        SmsTemplate.objects.create(
            provider="aliyun",
            kind=kind.key,
            template_code=codes[kind.key],
            variables=[[name, name] for name in kind.variables],
        )
    sms.codes = codes
    cache.clear()
    yield state, sms
    sms.__exit__(None, None, None)
    wechat.shutdown()
    wechat.server_close()


def to_wechat(live_server, xml: str) -> str:
    response = requests.post(
        f"{live_server.url}/wechat/?{urlencode(testing.signed_query())}",
        data=xml.encode(),
        headers={"Content-Type": "text/xml"},
        timeout=10,
    )
    assert response.status_code == 200, response.text[:300]
    return ET.fromstring(response.content).findtext("Content")


def sms_reply(live_server, phone: str, text: str, sequence: int) -> None:
    """The resident's SMS, as Alibaba Cloud's HTTP批量推送 posts it to the platform."""
    body = json.dumps(
        [
            {
                "phone_number": phone,
                "send_time": "2026-12-07 10:05:00",
                "content": text,
                "sign_name": "共治",
                "dest_code": "",
                "sequence_id": sequence,
            }
        ]
    ).encode()
    request = urllib.request.Request(
        f"{live_server.url}/sms/aliyun/cb-secret/up/",
        data=body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert json.loads(response.read())["code"] == 0


def test_wechat_text_photo_question_by_sms_answer_and_rating(
    new_context, login, live_server, channels, users, units, county, latest_code, shot
):
    wx, sms = channels
    resident = users["resident"]
    phone = resident.phone

    # ---- 网页授权 from the menu; the new openid confirms the resident's phone by a code sent through the provider
    page = new_context("mobile").new_page()
    page.goto("/wechat/oauth/?next=/appeals/mine/")
    page.wait_for_url("**/wechat/bind/**")
    page.fill("#id_phone", phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("#id_code")
    deliver_pending()
    assert [m for m in sms.sent if m["template"] == sms.codes["login_code"]][-1]["phone"] == phone
    page.fill("#id_code", latest_code(phone))
    page.click("button:has-text('绑定')")
    page.wait_for_selector("text=已绑定微信")
    assert Binding.objects.get(openid=wx.authorizing).user == resident

    # ---- a text to the 公众号 becomes an appeal; a photo sent after it is added to it
    reply = to_wechat(live_server, testing.text_xml(wx.authorizing, TEXT, 7001))
    number = re.search(r"编号 (\d{15})", reply).group(1)
    assert number in to_wechat(live_server, testing.image_xml(wx.authorizing, wx.add_media(), 7002))
    appeal = Appeal.objects.get(number=number)
    assert (appeal.channel, appeal.appellant, appeal.attachments.count()) == ("wechat", resident, 1)

    # ---- the unit's handler asks on their page; the question reaches the resident's phone by SMS
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话未接通，先询问")
    handler = login(new_context("desktop"), users["handler"].username)
    handler.goto(f"/appeals/{appeal.pk}/")
    handler.click("#act-ask summary")
    handler.fill("#id_ask-question", "请问坏的路灯在3栋哪一侧？")
    handler.click("#act-ask button:has-text('发送询问')")
    handler.wait_for_selector("text=已完成「询问居民」")
    deliver_pending()
    asked = [m for m in sms.sent if m["template"] == sms.codes["appeal_asked"]]
    assert asked and asked[-1]["phone"] == phone
    page.goto(f"/appeals/{appeal.pk}/")
    assert "请问坏的路灯在3栋哪一侧" in page.inner_text("#pending-question")
    fits_the_phone(page)

    # ---- the resident answers by replying to the SMS
    sms_reply(live_server, phone, "在3栋东侧单元门口", 8001)
    page.reload()
    assert page.locator("#pending-question").count() == 0
    assert page.locator(".timeline", has_text="在3栋东侧单元门口").count() == 1

    # ---- the handler replies; the invitation goes by SMS; "1" records 满意 and closes the appeal
    services.reply(users["handler"], appeal.pk, text="已更换3栋东侧路灯灯泡并检查线路，现已恢复照明。")
    deliver_pending()
    assert [m for m in sms.sent if m["template"] == sms.codes["appeal_replied"]][-1]["phone"] == phone
    sms_reply(live_server, phone, "1", 8002)
    appeal.refresh_from_db()
    callback = appeal.callbacks.get()
    assert appeal.state == AppealState.CLOSED
    assert (callback.method, callback.satisfaction) == (CallbackMethod.SMS, "satisfied")
    page.reload()
    assert "满意" in page.inner_text("body")
    fits_the_phone(page)
    shot(page, "wechat-sms-story-closed")

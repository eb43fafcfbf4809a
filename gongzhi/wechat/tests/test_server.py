"""/wechat/ against WeChat's side of the protocol (gongzhi.wechat.testing): the URL check, plaintext and 安全模式
messages, the appeal a text makes, and what images and locations add to it."""

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlencode

import pytest

from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.models import Consent
from gongzhi.core.testing import client_for
from gongzhi.wechat import testing
from gongzhi.wechat.models import Binding, InboundMessage

OPENID = "oOPENID-zhang"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
TEXT = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。"


def post(client, xml: str, query: dict | None = None):
    query = query or testing.signed_query()
    return client.post(f"/wechat/?{urlencode(query)}", data=xml.encode(), content_type="text/xml")


def reply_content(response) -> str:
    return ET.fromstring(response.content).findtext("Content") or ""


@pytest.fixture
def ready(wx, county, users):
    return wx


def test_url_check_answers_echostr_only_when_signed(client, ready):
    query = testing.signed_query(echostr="8469517263")
    assert client.get("/wechat/", query).content == b"8469517263"
    bad = {**query, "signature": "0" * 40}
    response = client.get("/wechat/", bad)
    assert response.status_code == 403
    assert client.get("/wechat/", testing.signed_query(token="other-token", echostr="1")).status_code == 403


def test_a_text_becomes_an_appeal_with_its_number_in_the_reply(client, ready, users):
    response = post(client, testing.text_xml(OPENID, TEXT, 6054768590064713728))
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    root = ET.fromstring(response.content)
    assert root.findtext("ToUserName") == OPENID and root.findtext("MsgType") == "text"
    content = root.findtext("Content")
    number = re.search(r"编号 (\d{15})", content).group(1)
    appeal = Appeal.objects.get(number=number)
    assert appeal.channel == "wechat" and appeal.content == TEXT and appeal.title == TEXT[:20]
    assert "/wechat/oauth/?next=%2Fwechat%2Fappeals%2F" in content and "/privacy/" in content
    # a new resident account for the new openid, with the consent recorded as given through WeChat
    user = Binding.objects.get(openid=OPENID).user
    assert appeal.appellant == user and user.has_role("resident") and not user.phone
    assert Consent.objects.filter(user=user, kind="privacy", subject="wechat").exists()
    # visible to the dispatchers with channel wechat
    api = client_for(users["dispatcher"]).get(f"/api/v1/appeals/{appeal.pk}/")
    assert api.status_code == 200 and api.json()["channel"] == "wechat"
    page = client_for(users["dispatcher"]).get("/appeals/?channel=wechat")
    assert number in page.content.decode()


def test_wechat_repeats_are_answered_once(client, ready):
    first = post(client, testing.text_xml(OPENID, TEXT, 42))
    again = post(client, testing.text_xml(OPENID, TEXT, 42))
    assert reply_content(first) == reply_content(again)
    assert Appeal.objects.count() == 1 and InboundMessage.objects.count() == 1


def test_a_bound_resident_files_under_their_account(client, ready, users):
    Binding.objects.create(openid=OPENID, user=users["resident"])
    post(client, testing.text_xml(OPENID, TEXT, 7))
    appeal = Appeal.objects.get()
    assert appeal.appellant == users["resident"] and appeal.appellant_phone == "13800138000"


def test_short_texts_get_help(client, ready):
    content = reply_content(post(client, testing.text_xml(OPENID, "你好", 8)))
    assert "不少于10个字" in content and "我要反映" in content
    assert not Appeal.objects.exists()


def test_a_message_with_a_wrong_signature_is_refused(client, ready):
    query = {**testing.signed_query(), "signature": "f" * 40}
    assert post(client, testing.text_xml(OPENID, TEXT, 9), query).status_code == 403
    assert not Appeal.objects.exists()


def test_safe_mode_messages_are_decrypted_and_answered_encrypted(client, ready):
    query, body = testing.encrypted_post(testing.text_xml(OPENID, TEXT, 10))
    response = client.post(f"/wechat/?{urlencode(query)}", data=body.encode(), content_type="text/xml")
    assert response.status_code == 200
    root = ET.fromstring(response.content)
    cipher_text = root.findtext("Encrypt")
    # WeChat checks the reply's signature and decrypts it
    assert root.findtext("MsgSignature") == testing.sign(
        testing.TOKEN, root.findtext("TimeStamp"), root.findtext("Nonce"), cipher_text
    )
    reply, appid = testing.decrypt(cipher_text)
    assert appid == testing.APPID
    number = re.search(r"编号 (\d{15})", ET.fromstring(reply).findtext("Content")).group(1)
    assert Appeal.objects.get(number=number).channel == "wechat"
    # a tampered msg_signature is refused
    query, body = testing.encrypted_post(testing.text_xml(OPENID, TEXT, 11))
    query["msg_signature"] = "0" * 40
    response = client.post(f"/wechat/?{urlencode(query)}", data=body.encode(), content_type="text/xml")
    assert response.status_code == 403 and Appeal.objects.count() == 1


def test_images_and_locations_sent_next_join_the_appeal(
    client, ready, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE  # the image is fetched by a task once the reply's transaction commits
    post(client, testing.text_xml(OPENID, TEXT, 20))
    appeal = Appeal.objects.get()
    media_id = ready.add_media()
    with django_capture_on_commit_callbacks(execute=True):
        content = reply_content(post(client, testing.image_xml(OPENID, media_id, 21)))
    assert appeal.number in content
    attachment = appeal.attachments.get()
    assert attachment.content_type == "image/png" and attachment.file.read() == testing.PNG
    # GCJ-02 (WeChat's) in, WGS-84 stored: about 500 m apart in Changsha
    content = reply_content(post(client, testing.location_xml(OPENID, 28.194, 112.982, "幸福小区3栋", 22)))
    assert "幸福小区3栋" in content
    appeal.refresh_from_db()
    assert appeal.address == "幸福小区3栋"
    assert abs(float(appeal.longitude) - 112.9771) < 0.001 and abs(float(appeal.latitude) - 28.1972) < 0.001
    notes = list(
        AppealEvent.objects.filter(appeal=appeal, action="supplement").values_list("note", flat=True)
    )
    assert notes == ["微信补充", "微信补充"]


def test_an_image_without_a_recent_appeal_asks_for_text(client, ready):
    content = reply_content(post(client, testing.image_xml("oOPENID-new", ready.add_media(), 30)))
    assert "请先发送文字" in content
    assert not Appeal.objects.exists()


def test_unsubscribe_stops_wechat_notices_and_subscribe_welcomes(client, ready, users):
    Binding.objects.create(openid=OPENID, user=users["resident"])
    assert post(client, testing.event_xml(OPENID, "unsubscribe")).content == b"success"
    assert not Binding.objects.get(openid=OPENID).subscribed
    welcome = reply_content(post(client, testing.event_xml(OPENID, "subscribe")))
    assert "个人信息处理规则" in welcome and Binding.objects.get(openid=OPENID).subscribed


def test_closing_the_account_forgets_the_openid(client, ready):
    from gongzhi.core.personal_data import close_account

    post(client, testing.text_xml(OPENID, TEXT, 50))
    user = Binding.objects.get(openid=OPENID).user
    close_account(user)
    assert not Binding.objects.exists() and not InboundMessage.objects.filter(openid=OPENID).exists()
    # the same openid writing again starts afresh, with a new account
    post(client, testing.text_xml(OPENID, TEXT, 51))
    assert Binding.objects.get(openid=OPENID).user != user

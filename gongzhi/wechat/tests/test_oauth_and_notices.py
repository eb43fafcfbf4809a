"""网页授权 login and binding against the local WeChat; notices sent as template messages, WeChat's errors and the
fall back to SMS; the menu."""

import re
from io import StringIO
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django.core.exceptions import ValidationError
from django.core.management import call_command

from gongzhi.appeals.models import Appeal
from gongzhi.core.models import Notification
from gongzhi.core.notices import send_notice
from gongzhi.core.notifications import deliver
from gongzhi.wechat import testing
from gongzhi.wechat.models import Binding, NoticeTemplate


def authorize(client, next_path="/appeals/mine/"):
    """Open the menu's link, let the local WeChat authorize, and come back: the callback's response."""
    start = client.get("/wechat/oauth/", {"next": next_path})
    assert start.status_code == 302
    target = urlparse(start["Location"])
    query = parse_qs(target.query)
    assert target.path == "/connect/oauth2/authorize" and query["appid"] == [testing.APPID]
    assert query["scope"] == ["snsapi_base"] and start["Location"].endswith("#wechat_redirect")
    back = requests.get(start["Location"].split("#")[0], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    callback = urlparse(back.headers["Location"])
    return client.get(
        callback.path, parse_qs(callback.query) and {k: v[0] for k, v in parse_qs(callback.query).items()}
    )


def code_for(phone):
    body = Notification.objects.filter(phone=phone, subject="登录验证码").order_by("-id").first().body
    return re.search(r"\d{6}", body).group(0)


def test_a_new_openid_confirms_a_phone_to_bind(client, wx, users):
    wx.authorizing = "oOPENID-li"
    response = authorize(client)
    assert response.status_code == 302 and response["Location"] == "/wechat/bind/?next=%2Fappeals%2Fmine%2F"
    page = client.get(response["Location"])
    assert "绑定微信" in page.content.decode()
    client.post("/wechat/bind/?next=/appeals/mine/", {"step": "send", "phone": "13800138000"})
    wrong = client.post("/wechat/bind/?next=/appeals/mine/", {"step": "verify", "code": "000000"})
    assert "验证码不正确" in wrong.content.decode() or "验证码" in wrong.content.decode()
    done = client.post(
        "/wechat/bind/?next=/appeals/mine/",
        {"step": "verify", "code": code_for("13800138000"), "next": "/appeals/mine/"},
    )
    assert done.status_code == 302 and done["Location"] == "/appeals/mine/"
    binding = Binding.objects.get(openid="oOPENID-li")
    assert binding.user == users["resident"] and binding.phone_confirmed_at is not None
    # the next time the menu's link logs straight in
    client.logout()
    again = authorize(client)
    assert again.status_code == 302 and again["Location"] == "/appeals/mine/"
    assert client.get("/appeals/mine/").status_code == 200


def test_an_account_made_by_messages_merges_into_the_phone_account(client, wx, users, county):
    from gongzhi.wechat import services

    user = services.account_for("oOPENID-wang")
    from gongzhi.appeals.services import submit_appeal

    appeal, _ = submit_appeal(
        user,
        kind="help",
        channel="wechat",
        title="路灯坏了",
        content="幸福小区路灯坏了两周了。",
        region=county["county"],
        delegated=True,
    )
    wx.authorizing = "oOPENID-wang"
    assert authorize(client)["Location"] == "/appeals/mine/"  # logged in as the WeChat account
    client.post("/wechat/bind/", {"step": "send", "phone": "13900139000"})
    client.post("/wechat/bind/", {"step": "verify", "code": code_for("13900139000")})
    appeal.refresh_from_db()
    user.refresh_from_db()
    assert appeal.appellant == users["resident2"] and appeal.appellant_phone == "13900139000"
    assert not user.is_active and Binding.objects.get(openid="oOPENID-wang").user == users["resident2"]


def test_oauth_errors_are_explained(client, wx, users):
    client.get("/wechat/oauth/", {"next": "/appeals/mine/"})
    state = client.session["wechat_oauth"]["state"]
    response = client.get("/wechat/oauth/callback/", {"code": "no-such-code", "state": state})
    assert response.status_code == 400 and "微信登录失败" in response.content.decode()  # WeChat's 40029
    response = client.get("/wechat/oauth/callback/", {"code": "x", "state": "forged"})
    assert response.status_code == 400 and "链接已失效" in response.content.decode()


# ---------------------------------------------------------------- notices


@pytest.fixture
def bound(wx, users):
    Binding.objects.create(openid="oOPENID-resident", user=users["resident"])
    wx.followers.add("oOPENID-resident")
    NoticeTemplate.objects.create(
        kind="appeal_replied",
        template_id="TPL-PROGRESS",
        fields={
            "character_string1": "{{ number }}",
            "thing2": "{{ title|truncatechars:20 }}",
            "thing3": "{{ unit }}",
        },
    )
    return users["resident"]


def replied(user, **kw):
    return send_notice(
        "appeal_replied",
        user=user,
        phone=user.phone or "",
        link="/appeals/1/",
        context={
            "number": "202612070000001",
            "title": "小区路灯坏了",
            "kind": "求助",
            "unit": "县住建局",
            "reply": "已修复",
            "callback_due": "12月10日",
        },
        **kw,
    )


def test_a_bound_resident_is_told_by_template_message(bound, wx):
    rows = replied(bound)
    assert sorted(r.channel for r in rows) == ["site", "wechat"]  # not SMS
    row = next(r for r in rows if r.channel == "wechat")
    assert deliver(row.pk)
    sent = wx.sent[-1]
    assert sent["touser"] == "oOPENID-resident" and sent["template_id"] == "TPL-PROGRESS"
    assert sent["data"]["character_string1"] == {"value": "202612070000001"}
    assert sent["data"]["thing3"] == {"value": "县住建局"} and sent["url"].endswith("/appeals/1/")


def test_a_kind_without_template_and_an_unbound_resident_go_by_sms(bound, users):
    rows = send_notice(
        "appeal_dispatched",
        user=bound,
        phone=bound.phone,
        context={"number": "1", "title": "t", "kind": "求助", "unit": "u"},
    )
    assert "sms" in {r.channel for r in rows} and "wechat" not in {r.channel for r in rows}
    assert "sms" in {r.channel for r in replied(users["resident2"])}


def test_an_unfollowed_resident_gets_sms_at_once(bound, wx):
    wx.followers.clear()  # unfollowed without our hearing of it: WeChat answers 43004
    row = next(r for r in replied(bound) if r.channel == "wechat")
    assert not deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and "43004" in row.error and "已改发短信" in row.error
    sms = Notification.objects.get(channel="sms", phone="13800138000", kind="appeal_replied")
    assert sms.body == row.body and not Binding.objects.get(user=bound).subscribed


def test_a_busy_wechat_is_retried_then_falls_back(bound, wx):
    wx.busy = 5  # errcode -1 系统繁忙
    row = next(r for r in replied(bound) if r.channel == "wechat")
    assert not deliver(row.pk) and not deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "pending" and not Notification.objects.filter(channel="sms").exists()
    assert not deliver(row.pk)
    row.refresh_from_db()
    assert row.status == "failed" and Notification.objects.filter(channel="sms").exists()


def test_a_stale_token_is_fetched_again(bound, wx):
    row = next(r for r in replied(bound) if r.channel == "wechat")
    assert deliver(row.pk)
    wx.tokens.clear()  # the token ended (WeChat answers 40001): wechatpy fetches a new one and retries
    row2 = next(r for r in replied(bound, key="again") if r.channel == "wechat")
    assert deliver(row2.pk) and wx.token_fetches == 2 and len(wx.sent) == 2


def test_template_fields_are_checked_against_the_kind(db):
    with pytest.raises(ValidationError, match="未知变量"):
        NoticeTemplate.objects.create(
            kind="appeal_replied", template_id="T", fields={"thing1": "{{ password }}"}
        )
    with pytest.raises(ValidationError, match="通知类型"):
        NoticeTemplate.objects.create(kind="nope", template_id="T", fields={"thing1": "{{ number }}"})


def test_the_menu_is_created_with_oauth_links(wx, settings):
    out = StringIO()
    call_command("wechat_menu", stdout=out)
    menu = wx.menus[-1]
    assert [b["name"] for b in menu["button"]] == ["我要反映", "我的诉求", "更多"]
    assert "/wechat/oauth/?next=%2Fappeals%2Fnew%2F" in menu["button"][0]["url"]
    assert "菜单已创建" in out.getvalue()


def test_the_supplement_page_adds_place_and_photos(client, wx, county, users):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from gongzhi.appeals.services import submit_appeal

    appeal, _ = submit_appeal(
        users["resident"],
        kind="help",
        channel="wechat",
        title="路灯坏了",
        content="幸福小区路灯坏了两周了。",
        region=county["county"],
        delegated=True,
    )
    client.force_login(users["resident"])
    empty = client.post(f"/wechat/appeals/{appeal.pk}/supplement/", {"address": "", "text": ""})
    assert "请填写地点" in empty.content.decode()
    photo = SimpleUploadedFile("lamp.png", testing.PNG, content_type="image/png")
    done = client.post(
        f"/wechat/appeals/{appeal.pk}/supplement/", {"address": "幸福小区3栋东侧", "photos": [photo]}
    )
    assert done.status_code == 302
    appeal = Appeal.objects.get(pk=appeal.pk)
    assert appeal.address == "幸福小区3栋东侧" and appeal.attachments.count() == 1
    client.force_login(users["resident2"])
    assert client.get(f"/wechat/appeals/{appeal.pk}/supplement/").status_code == 404


def test_snsapi_userinfo_reads_the_nickname(client, wx, users):
    wx.authorizing = "oOPENID-zhao"
    start = client.get("/wechat/oauth/", {"next": "/appeals/mine/", "scope": "userinfo"})
    assert parse_qs(urlparse(start["Location"]).query)["scope"] == ["snsapi_userinfo"]
    back = requests.get(start["Location"].split("#")[0], allow_redirects=False, timeout=5)
    callback = urlparse(back.headers["Location"])
    assert (
        client.get(callback.path, {k: v[0] for k, v in parse_qs(callback.query).items()}).status_code == 302
    )
    assert client.session["wechat_openid"] == {"openid": "oOPENID-zhao", "nickname": "张阿姨"}
    # the same code a second time (with a fresh state): WeChat answers 40163, the page explains
    client.get("/wechat/oauth/", {"next": "/appeals/mine/"})
    code = parse_qs(callback.query)["code"][0]
    again = client.get(
        "/wechat/oauth/callback/", {"code": code, "state": client.session["wechat_oauth"]["state"]}
    )
    assert again.status_code == 400 and "微信登录失败" in again.content.decode()


# ---------------------------------------------------------------- 解除绑定


def test_a_resident_unbinds_their_wechat_from_my_data(client, bound, users, wx):
    from gongzhi.core.models import AuditEvent
    from gongzhi.wechat import services
    from gongzhi.wechat.models import InboundMessage

    Binding.objects.filter(user=bound).update(nickname="老李")
    Binding.objects.create(openid="oOPENID-other", user=users["resident2"])
    InboundMessage.objects.create(msg_key="m1", openid="oOPENID-resident", msg_type="text", reply="已受理")
    InboundMessage.objects.create(msg_key="m2", openid="oOPENID-other", msg_type="text")
    client.force_login(bound)
    my_data = client.get("/accounts/me/data/").content.decode()
    assert 'href="/wechat/binding/"' in my_data
    page = client.get("/wechat/binding/").content.decode()
    assert "老李" in page and "确认解除绑定" in page
    assert services.wechat_notice_data(bound, "appeal_replied") is not None

    done = client.post("/wechat/binding/", follow=True)
    assert "已解除微信绑定" in done.content.decode() and "您的账号没有绑定微信" in done.content.decode()
    assert not Binding.objects.filter(user=bound).exists()
    assert Binding.objects.filter(user=users["resident2"]).exists()  # only one's own
    # withdrawing consent deletes what that WeChat sent (第47条); another person's log stays
    assert list(InboundMessage.objects.values_list("msg_key", flat=True)) == ["m2"]
    event = AuditEvent.objects.get(action="wechat_unbind")
    assert event.target == f"user:{bound.pk}"
    assert event.before == {"openid": "oOPENI…", "nickname": "老李", "messages": 1}
    assert services.wechat_notice_data(bound, "appeal_replied") is None  # notices go by SMS again
    assert 'href="/wechat/binding/"' not in client.get("/accounts/me/data/").content.decode()

    # that WeChat no longer logs in: the menu's link asks to bind again
    client.logout()
    wx.authorizing = "oOPENID-resident"
    assert authorize(client)["Location"].startswith("/wechat/bind/")

    # a second POST (a double tap) changes nothing and says nothing false
    client.force_login(bound)
    again = client.post("/wechat/binding/", follow=True)
    assert again.status_code == 200 and "已解除微信绑定" not in again.content.decode()
    assert "您的账号没有绑定微信" in again.content.decode()
    assert AuditEvent.objects.filter(action="wechat_unbind").count() == 1
    assert client.put("/wechat/binding/").status_code == 405


def test_an_account_opened_by_a_message_cannot_unbind_itself_out(client, wx, db):
    """Its WeChat is its only way in: unbinding would strand it and its appeals."""
    from gongzhi.wechat import services

    user = services.account_for("oOPENID-nophone")
    assert user.phone in (None, "") and Binding.objects.filter(user=user).exists()
    client.force_login(user)
    page = client.get("/wechat/binding/").content.decode()
    assert "只能通过微信登录" in page and "确认解除绑定" not in page and 'href="/wechat/bind/"' in page
    refused = client.post("/wechat/binding/", follow=True).content.decode()
    assert "请先验证手机号" in refused
    assert Binding.objects.filter(user=user).exists()


def test_the_binding_page_needs_a_login(client, db):
    response = client.get("/wechat/binding/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.post("/wechat/binding/").status_code == 302


def test_the_message_log_is_pruned_after_its_days(db, settings):
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.core.models import AuditEvent
    from gongzhi.wechat.models import InboundMessage
    from gongzhi.wechat.tasks import prune_log

    settings.GONGZHI = {**settings.GONGZHI, "WECHAT_LOG_DAYS": 90}
    now = timezone.now()
    InboundMessage.objects.create(
        msg_key="old", openid="o1", msg_type="text", received_at=now - timedelta(days=91)
    )
    InboundMessage.objects.create(
        msg_key="new", openid="o1", msg_type="text", received_at=now - timedelta(days=89)
    )
    assert prune_log.call() == 1
    assert list(InboundMessage.objects.values_list("msg_key", flat=True)) == ["new"]
    assert prune_log.call() == 0
    event = AuditEvent.objects.get(action="wechat_log_retention")
    assert event.after == {"messages": 1} and "满90天" in event.note

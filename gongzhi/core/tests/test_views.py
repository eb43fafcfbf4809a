"""The core pages: dashboard, staff and phone login, notifications, counter registration, 403, CSRF."""

import re

from django.test import Client
from django.urls import reverse

from gongzhi.core.models import Notification, User
from gongzhi.core.notifications import notify
from gongzhi.core.testing import client_for, text

PASSWORD = "a-long-test-password"


def last_code(phone: str) -> str:
    notification = Notification.objects.filter(phone=phone).order_by("-id").first()
    assert notification is not None
    code = re.search(r"\d{6}", notification.body)
    assert code is not None
    return code.group(0)


def test_home_for_visitors_and_per_role(users):
    page = text(Client().get("/"))
    assert "我要反映" in page and "工作人员登录" in page
    resident = text(client_for(users["resident"]).get("/"))
    assert "我的诉求" in resident and "待我评价" in resident and "未读消息" in resident
    handler = text(client_for(users["handler"]).get("/"))
    assert "待签收" in handler and "本单位超期" in handler and "待我评价" not in handler
    dispatcher = text(client_for(users["dispatcher"]).get("/"))
    assert "待派单" in dispatcher and "三率排名" in dispatcher


def test_home_counts_unread_notifications(users):
    notify(recipient=users["resident"], subject="诉求已派单", body="已派往县住建局办理。")
    page = text(client_for(users["resident"]).get("/"))
    assert "诉求已派单" in page
    assert re.search(r'<div class="num">1</div><div class="label">未读消息', page)


def test_staff_login_shows_chinese_error_and_logs_in(users):
    users["dispatcher"].set_password(PASSWORD)
    users["dispatcher"].save()
    client = Client()
    response = client.post(reverse("core:login"), {"username": "dispatcher1", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in text(response)
    response = client.post(reverse("core:login"), {"username": "dispatcher1", "password": PASSWORD})
    assert response.status_code == 302 and response.url == reverse("core:home")
    empty = Client().post(reverse("core:login"), {"username": "", "password": ""})
    assert "此项为必填项" in text(empty)


def test_phone_login_two_steps_creates_a_resident(db):
    client = Client()
    assert "获取验证码" in text(client.get(reverse("core:phone_login")))
    response = client.post(reverse("core:phone_login"), {"step": "send", "phone": "13512345678"})
    assert response.status_code == 302
    page = text(client.get(reverse("core:phone_login")))
    assert "输入验证码" in page and "13512345678" in page
    wrong = client.post(
        reverse("core:phone_login"),
        {"step": "verify", "code": "000000" if last_code("13512345678") != "000000" else "111111"},
    )
    assert "验证码不正确" in text(wrong) or "个人信息处理规则" in text(wrong)
    assert "个人信息处理规则" in page  # a first login: the rules, and a box to agree to them
    refused = client.post(reverse("core:phone_login"), {"step": "verify", "code": last_code("13512345678")})
    assert "请先阅读并勾选同意" in text(refused) and not User.objects.filter(phone="13512345678").exists()
    response = client.post(
        reverse("core:phone_login"), {"step": "verify", "code": last_code("13512345678"), "agree": "on"}
    )
    assert response.status_code == 302
    user = User.objects.get(phone="13512345678")
    assert user.has_role("resident")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert user.consents.get().kind == "privacy"


def test_phone_login_refusals_are_shown(db):
    client = Client()
    bad = client.post(reverse("core:phone_login"), {"step": "send", "phone": "12345"})
    assert "请输入正确的11位手机号码" in text(bad)
    client.post(reverse("core:phone_login"), {"step": "send", "phone": "13512345678"})
    again = client.post(reverse("core:phone_login"), {"step": "send"}, follow=True)
    assert "验证码发送过于频繁" in text(again)
    short = client.post(reverse("core:phone_login"), {"step": "verify", "code": "12"})
    assert "验证码为6位数字" in text(short)


def test_logout_is_post_only(users):
    client = client_for(users["resident"])
    assert client.get(reverse("core:logout")).status_code == 405
    assert client.post(reverse("core:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_notifications_list_and_mark_read(users, units):
    mine = notify(recipient=users["handler"], subject="个人消息", body="给承办人")
    unit_note = notify(unit=units["housing"], subject="新派单", body="请签收")
    other = notify(recipient=users["resident"], subject="别人的消息", body="不应看到")
    client = client_for(users["handler"])
    page = text(client.get(reverse("core:notifications")))
    assert "个人消息" in page and "新派单" in page and "别人的消息" not in page
    client.post(reverse("core:notifications_read"), {"id": mine.pk})
    mine.refresh_from_db()
    unit_note.refresh_from_db()
    assert mine.read_at is not None and unit_note.read_at is None
    client.post(reverse("core:notifications_read"))
    unit_note.refresh_from_db()
    other.refresh_from_db()
    assert unit_note.read_at is not None and other.read_at is None
    assert Client().get(reverse("core:notifications")).status_code == 302


def test_register_resident_at_counter(users):
    client = client_for(users["operator"])
    assert client.get(reverse("core:register_resident")).status_code == 200
    response = client.post(
        reverse("core:register_resident"),
        {"display_name": "王大爷", "phone": "13611112222", "id_number": "", "privacy_consent": "on"},
        follow=True,
    )
    assert "已为居民「王大爷」" in text(response)
    assert User.objects.get(phone="13611112222").has_role("resident")
    taken = client.post(
        reverse("core:register_resident"),
        {"display_name": "李", "phone": "13611112222", "privacy_consent": "on"},
    )
    assert "该手机号已注册" in text(taken)
    missing = client.post(reverse("core:register_resident"), {"display_name": "", "phone": ""})
    assert text(missing).count("此项为必填项") == 4  # on each field, and in the error summary at the top


def test_register_resident_is_403_in_chinese_for_others(users):
    response = client_for(users["resident"]).get(reverse("core:register_resident"))
    assert response.status_code == 403
    assert "无权访问" in text(response)
    assert Client().get(reverse("core:register_resident")).status_code == 302


def test_csrf_is_enforced(users):
    client = Client(enforce_csrf_checks=True)
    assert (
        client.post(reverse("core:phone_login"), {"step": "send", "phone": "13512345678"}).status_code == 403
    )
    assert not Notification.objects.filter(phone="13512345678").exists()
    page = text(client.get(reverse("core:phone_login")))
    assert "csrfmiddlewaretoken" in page


def test_error_pages_are_chinese(users, client):
    response = client_for(users["resident"]).get("/no-such-page/")
    assert response.status_code == 404 and "页面不存在" in text(response)

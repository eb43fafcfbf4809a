"""Login lockout (django-axes): five failed passwords for one username from one address lock that pair out for
the cool-off, with a Chinese message, on the login page and the API token exchange; admins unlock early."""

from datetime import timedelta

import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from gongzhi.core.testing import PASSWORD

LOCKED = "登录失败次数过多"


def fail(client, username, times, ip="10.0.0.1"):
    """`times` wrong passwords; the fifth is answered with the lock."""
    for i in range(1, times + 1):
        response = client.post(
            "/accounts/login/", {"username": username, "password": "wrong-pass"}, REMOTE_ADDR=ip
        )
        assert response.status_code == (429 if i >= 5 else 200)
        assert (LOCKED in response.content.decode()) == (i >= 5)


def login(client, username, ip="10.0.0.1", password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_username_from_that_address(users):
    client = Client()
    fail(client, "handler1", 4)
    response = client.post(
        "/accounts/login/", {"username": "handler1", "password": "wrong-pass"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429 and LOCKED in response.content.decode()
    response = login(client, "handler1")  # even the right password
    assert response.status_code == 429
    text = response.content.decode()
    assert LOCKED in text and "15 分钟后再试" in text and "联系管理员解锁" in text
    assert "_auth_user_id" not in client.session
    # the same username from another address, and another username from this one, are not locked
    assert login(Client(), "handler1", ip="10.0.0.2").status_code == 302
    assert login(Client(), "handler2").status_code == 302


def test_the_lock_ends_after_the_cool_off(users):
    fail(Client(), "handler1", 5)
    assert login(Client(), "handler1").status_code == 429
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert login(Client(), "handler1").status_code == 302


def test_a_success_resets_the_count(users):
    fail(Client(), "handler1", 4)
    assert login(Client(), "handler1").status_code == 302
    fail(Client(), "handler1", 4)
    assert login(Client(), "handler1").status_code == 302


def test_the_api_token_exchange_locks_too(users):
    client = Client()
    for i in range(1, 6):
        response = client.post(
            "/api/v1/auth/token/",
            {"username": "operator1", "password": "nope"},
            content_type="application/json",
            REMOTE_ADDR="10.0.0.9",
        )
        assert response.status_code == (429 if i == 5 else 400)
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "operator1", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 429
    assert response.json()["code"] == "locked_out" and LOCKED in response.json()["detail"]
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "operator1", "password": PASSWORD},
        content_type="application/json",
        REMOTE_ADDR="10.0.0.10",
    )
    assert response.status_code == 200 and response.json()["token"]


def test_an_admin_unlocks_in_the_admin(users):
    fail(Client(), "handler1", 5)
    assert login(Client(), "handler1").status_code == 429
    attempt = AccessAttempt.objects.get(username="handler1")
    admin = Client()
    admin.force_login(users["admin"])
    page = admin.get("/admin/axes/accessattempt/")
    # in Chinese, though django-axes ships no zh_Hans catalogue (gongzhi/locale carries one)
    assert page.status_code == 200 and "登录尝试" in page.text and "登录失败次数" in page.text
    response = admin.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert login(Client(), "handler1").status_code == 302
    # a handler (is_staff, no admin rights) cannot reach the page
    staff = Client()
    staff.force_login(users["handler"])
    assert staff.get("/admin/axes/accessattempt/").status_code in (302, 403)

"""The core API: tokens by password and by one-time code, /me/, regions, units, notifications."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from gongzhi.core.choices import NotificationChannel
from gongzhi.core.models import Notification, PhoneCode, User
from gongzhi.core.notifications import notify
from gongzhi.core.testing import PASSWORD

CJK = re.compile(r"[\u4e00-\u9fff]")


def error(response, status, code=None):
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert CJK.search(body["detail"]), body
    if code:
        assert body["code"] == code, body
    return body


def as_user(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


# ---------------------------------------------------------------- tokens


TOKEN = "/api/v1/auth/token/"
CODE = "/api/v1/auth/phone/code/"
PHONE_TOKEN = "/api/v1/auth/phone/token/"


def test_token_by_password_then_me(users, units):
    client = APIClient()
    response = client.post(TOKEN, {"username": "handler1", "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    token = response.json()["token"]
    assert Token.objects.get(key=token).user == users["handler"]
    # the same token on a second log-in
    again = client.post("/api/v1/auth/token/", {"username": "handler1", "password": PASSWORD}, format="json")
    assert again.json()["token"] == token
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "handler1" and me["roles"] == ["handler"] and me["unit"] == units["housing"].pk


def test_me_lists_roles_sorted_and_null_unit(users):
    user = users["leader"]
    user.groups.add(*type(user.groups.first()).objects.filter(name__in=["supervisor", "admin"]))
    me = as_user(User.objects.get(pk=user.pk)).get("/api/v1/me/").json()
    assert me["roles"] == ["admin", "leader", "supervisor"] and me["unit"] is None


@pytest.mark.parametrize(
    "body",
    [
        {"username": "handler1", "password": "wrong-password"},
        {"username": "nobody", "password": PASSWORD},
    ],
)
def test_wrong_credentials_are_400_in_chinese(users, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert error(response, 400, "invalid_credentials")["detail"] == "用户名或密码不正确。"


def test_inactive_user_gets_no_token(users):
    User.objects.filter(pk=users["handler"].pk).update(is_active=False)
    response = APIClient().post(
        "/api/v1/auth/token/", {"username": "handler1", "password": PASSWORD}, format="json"
    )
    error(response, 400, "invalid_credentials")


def test_token_request_needs_both_fields(users):
    body = error(APIClient().post(TOKEN, {"username": "handler1"}, format="json"), 400, "invalid")
    assert "password" in body["fields"]
    error(APIClient().post(TOKEN, "{bad", content_type="application/json"), 400, "parse_error")


def test_bad_token_and_no_token_are_401(db):
    client = APIClient()
    error(client.get("/api/v1/me/"), 401, "not_authenticated")
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/me/").status_code == 401


# ---------------------------------------------------------------- residents' one-time codes


def sent_code(phone: str) -> str:
    message = Notification.objects.filter(phone=phone, channel=NotificationChannel.SMS).latest("id")
    found = re.search(r"\d{6}", message.body)
    assert found, message.body
    return found.group()


def test_phone_code_login_creates_the_resident(db):
    client = APIClient()
    response = client.post(
        "/api/v1/auth/phone/code/", {"phone": "+86 150-0000-1111"}, format="json", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200, response.content
    assert response.json()["expires_in"] == 300
    record = PhoneCode.objects.get(phone="15000001111")
    assert record.client_ip == "10.1.2.3"
    response = client.post(
        PHONE_TOKEN,
        {"phone": "15000001111", "code": sent_code("15000001111"), "agree_privacy": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["roles"] == ["resident"] and me["unit"] is None
    assert User.objects.get(phone="15000001111").username == me["username"]


def test_phone_code_is_rate_limited_429(db):
    client = APIClient()
    assert client.post(CODE, {"phone": "15000002222"}, format="json").status_code == 200
    error(client.post(CODE, {"phone": "15000002222"}, format="json"), 429, "rate_limited")


def test_wrong_code_and_bad_phone_are_400(db):
    client = APIClient()
    client.post("/api/v1/auth/phone/code/", {"phone": "15000003333"}, format="json")
    wrong = "000000" if sent_code("15000003333") != "000000" else "111111"
    body = error(
        client.post(
            "/api/v1/auth/phone/token/",
            {"phone": "15000003333", "code": wrong, "agree_privacy": True},
            format="json",
        ),
        400,
        "code_wrong",
    )
    assert "code" in body["fields"]
    body = error(client.post(CODE, {"phone": "12345"}, format="json"), 400, "invalid_phone")
    assert "phone" in body["fields"]
    body = error(
        client.post(
            "/api/v1/auth/phone/token/",
            {"phone": "15000009999", "code": "123456", "agree_privacy": True},
            format="json",
        ),
        400,
        "code_expired",
    )
    error(client.post("/api/v1/auth/phone/token/", {"phone": "15000003333"}, format="json"), 400, "invalid")


def test_too_many_wrong_codes_are_429(db, settings):
    client = APIClient()
    client.post("/api/v1/auth/phone/code/", {"phone": "15000004444"}, format="json")
    right = sent_code("15000004444")
    wrong = "000000" if right != "000000" else "111111"
    for _n in range(settings.GONGZHI["OTP_MAX_ATTEMPTS"]):
        client.post(
            "/api/v1/auth/phone/token/",
            {"phone": "15000004444", "code": wrong, "agree_privacy": True},
            format="json",
        )
    response = client.post(
        PHONE_TOKEN, {"phone": "15000004444", "code": right, "agree_privacy": True}, format="json"
    )
    error(response, 429, "rate_limited")


# ---------------------------------------------------------------- reference lists


def test_regions_with_filters(users, county):
    client = as_user(users["resident"])
    everything = client.get("/api/v1/regions/").json()
    assert everything["count"] == 6
    first = everything["results"][0]
    assert first == {
        "id": county["county"].pk,
        "code": "430100",
        "name": "示范县",
        "level": "county",
        "parent": None,
    }
    streets = client.get("/api/v1/regions/?level=street").json()["results"]
    assert [r["code"] for r in streets] == ["430101", "430102"]
    children = client.get(f"/api/v1/regions/?parent={county['street'].pk}").json()["results"]
    assert [r["name"] for r in children] == ["幸福社区"]
    assert "level" in error(client.get("/api/v1/regions/?level=planet"), 400, "invalid")["fields"]
    assert "parent" in error(client.get("/api/v1/regions/?parent=abc"), 400, "invalid")["fields"]
    huge = "7089059260923404877824"  # found by make fuzz: beyond a 64-bit key it overflowed the SQLite driver
    assert "parent" in error(client.get(f"/api/v1/regions/?parent={huge}"), 400, "invalid")["fields"]
    assert "region" in error(client.get(f"/api/v1/units/?region={huge}"), 400, "invalid")["fields"]
    error(client.get("/api/v1/regions/?page=99"), 404, "not_found")


def test_units_with_filters(users, units, county):
    client = as_user(users["handler"])
    rows = client.get("/api/v1/units/").json()["results"]
    assert {r["code"] for r in rows} == {"U-ZJ", "U-RS", "U-XF", "U-WY", "U-12345"}
    housing = next(r for r in rows if r["code"] == "U-ZJ")
    assert housing == {
        "id": units["housing"].pk,
        "code": "U-ZJ",
        "name": "县住建局",
        "kind": "department",
        "region": county["county"].pk,
    }
    committees = client.get("/api/v1/units/?kind=community_committee").json()["results"]
    assert [r["name"] for r in committees] == ["幸福社区居委会"]
    assert len(client.get(f"/api/v1/units/?region={county['community'].pk}").json()["results"]) == 2
    error(client.get("/api/v1/units/?kind=bank"), 400, "invalid")


def test_reference_lists_need_a_login(db):
    for path in ("/api/v1/regions/", "/api/v1/units/", "/api/v1/categories/", "/api/v1/notifications/"):
        assert APIClient().get(path).status_code == 401, path


# ---------------------------------------------------------------- notifications


def test_notifications_are_the_users_own_site_messages(users):
    mine = notify(recipient=users["resident"], subject="诉求已受理", body="您的诉求已受理。")
    notify(recipient=users["resident"], subject="短信", body="短信内容", channel=NotificationChannel.SMS)
    notify(recipient=users["resident2"], subject="别人的", body="别人的通知")
    client = as_user(users["resident"])
    rows = client.get("/api/v1/notifications/").json()["results"]
    assert [(r["id"], r["subject"], r["read_at"]) for r in rows] == [(mine.pk, "诉求已受理", None)]
    assert client.get("/api/v1/notifications/?unread=1").json()["count"] == 1
    assert client.get("/api/v1/notifications/?unread=0").json()["count"] == 0


def test_unknown_api_path_and_missing_slash_are_json_404(client, db):
    for url in ("/api/v1/nothing-here/", "/api/v1/appeals/1/actions/sign"):
        response = client.post(url, {}, content_type="application/json")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found" and "以 / 结尾" in response.json()["detail"]

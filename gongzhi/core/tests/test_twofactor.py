"""Staff's second factor and the session's lifetime (issue K item 1): enrolment with a QR code and backup codes,
the code after the password, no page and no API token without it, an admin's audited reset; sessions that end
after inactivity and after an absolute lifetime."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib import admin
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from gongzhi.core import twofactor
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing import PASSWORD


@pytest.fixture
def required(settings):
    settings.GONGZHI = {
        **settings.GONGZHI,
        "TWO_FACTOR_ROLES": ["admin", "supervisor", "leader", "credit_officer"],
    }


def code_for(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def password_login(user) -> Client:
    client = Client()
    assert (
        client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    )
    return client


def enrol(user) -> list[str]:
    device = twofactor.pending_device(user)
    return twofactor.confirm_enrolment(user, code_for(device))


def test_only_the_listed_roles_need_it(users, required):
    assert twofactor.required_for(users["supervisor"]) and twofactor.required_for(users["leader"])
    assert not twofactor.required_for(users["handler"]) and not twofactor.required_for(users["resident"])


def test_without_the_setting_nobody_needs_it(users, settings):
    settings.GONGZHI = {**settings.GONGZHI, "TWO_FACTOR_ROLES": []}
    assert not twofactor.required_for(users["supervisor"])


def test_pages_and_api_wait_for_the_second_factor(users, required):
    client = password_login(users["supervisor"])
    page = client.get("/appeals/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/2fa/setup/?next=")
    api = client.get("/api/v1/me/")
    assert api.status_code == 403 and api.json()["code"] == "second_factor_required"
    setup = client.get("/accounts/2fa/setup/")
    assert (
        setup.status_code == 200
        and "<svg" in setup.content.decode()
        and "totp-secret" in setup.content.decode()
    )
    other = password_login(users["handler"])  # a role without the requirement goes straight in
    assert other.get("/appeals/").status_code == 200


def test_enrolment_needs_a_right_code_and_gives_backup_codes(users, required):
    user = users["supervisor"]
    client = password_login(user)
    client.get("/accounts/2fa/setup/")
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(
        "/accounts/2fa/setup/", {"code": "000000" if code_for(device) != "000000" else "111111"}
    )
    assert "验证码不正确" in wrong.content.decode() and not twofactor.is_enrolled(user)
    throttled = client.post(
        "/accounts/2fa/setup/", {"code": code_for(device)}
    )  # at once: django-otp throttles
    assert "秒后再试" in throttled.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        done = client.post("/accounts/2fa/setup/", {"code": code_for(device), "next": "/appeals/"})
    page = done.content.decode()
    assert done.status_code == 200 and "备用验证码" in page and page.count("<li>") >= 10
    assert twofactor.is_enrolled(user) and twofactor.backup_codes_left(user) == 10
    assert client.get("/appeals/").status_code == 200  # verified in this session
    assert AuditEvent.objects.filter(action="enrol_2fa", target=f"user:{user.pk}").exists()


def test_every_login_asks_for_a_code_and_a_backup_code_works_once(users, required):
    user = users["leader"]
    codes = enrol(user)
    client = password_login(user)
    page = client.get("/insight/")
    assert page["Location"].startswith("/accounts/2fa/verify/")
    bad = client.post("/accounts/2fa/verify/", {"code": "12345678"})
    assert "验证码不正确" in bad.content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        ok = client.post("/accounts/2fa/verify/", {"code": codes[0], "next": "/insight/"})
    assert ok.status_code == 302 and ok["Location"] == "/insight/"
    assert client.get("/insight/").status_code == 200
    assert twofactor.backup_codes_left(user) == 9
    assert AuditEvent.objects.filter(action="backup_code_used_2fa").exists()
    again = password_login(user)
    with time_machine.travel(timezone.now() + timedelta(seconds=10)):  # past the throttle of the tries above
        refused = again.post("/accounts/2fa/verify/", {"code": codes[0]})
    assert "验证码不正确或已使用" in refused.content.decode()


def test_an_authenticator_code_logs_in(users, required):
    user = users["leader"]
    enrol(user)
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    client = password_login(user)
    with time_machine.travel(timezone.now() + timedelta(seconds=40)):  # the next 30-second window
        ok = client.post("/accounts/2fa/verify/", {"code": code_for(device), "next": "/insight/"})
    assert ok.status_code == 302 and ok["Location"] == "/insight/"


def test_api_token_needs_the_code(users, required):
    user = users["supervisor"]
    api = APIClient()
    missing = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "second_factor_not_enrolled"
    codes = enrol(user)
    missing = api.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert missing.status_code == 400 and missing.json()["code"] == "second_factor_required"
    wrong = api.post(
        "/api/v1/auth/token/",
        {"username": user.username, "password": PASSWORD, "otp": "99999999"},
        format="json",
    )
    assert wrong.status_code == 400
    with time_machine.travel(timezone.now() + timedelta(seconds=2)):
        ok = api.post(
            "/api/v1/auth/token/",
            {"username": user.username, "password": PASSWORD, "otp": codes[1]},
            format="json",
        )
    assert ok.status_code == 200 and ok.json()["token"]
    handler = api.post("/api/v1/auth/token/", {"username": "handler1", "password": PASSWORD}, format="json")
    assert handler.status_code == 200


def test_an_admin_resets_a_lost_device(users, required):
    user = users["supervisor"]
    enrol(user)
    admin_client = Client()
    admin_client.force_login(users["admin"])
    session = admin_client.session  # the admin gave their own second factor in this session
    from django_otp import DEVICE_ID_SESSION_KEY

    enrol(users["admin"])
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=users["admin"], confirmed=True).persistent_id
    session.save()
    done = admin_client.post(
        "/admin/core/user/", {"action": "reset_second_factor", "_selected_action": [user.pk]}
    )
    assert done.status_code == 302
    assert (
        not TOTPDevice.objects.filter(user=user).exists()
        and not StaticDevice.objects.filter(user=user).exists()
    )
    assert AuditEvent.objects.filter(
        action="reset_2fa", target=f"user:{user.pk}", actor=users["admin"]
    ).exists()


def test_devices_are_not_made_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice) and not admin.site.is_registered(StaticDevice)


def test_confirm_without_a_pending_device_is_refused(users):
    with pytest.raises(ServiceError):
        twofactor.confirm_enrolment(users["supervisor"], "123456")


# ---------------------------------------------------------------- session lifetime


def test_staff_idle_for_half_an_hour_are_logged_out(users):
    client = password_login(users["handler"])
    start = timezone.now()
    with time_machine.travel(start + timedelta(minutes=20)):
        assert client.get("/appeals/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=45)):  # 25 minutes after the last activity: still in
        assert client.get("/appeals/").status_code == 200
    with time_machine.travel(start + timedelta(minutes=80)):
        page = client.get("/appeals/")
        assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
        assert client.get("/appeals/")["Location"].startswith("/accounts/login/")


def test_staff_sessions_end_after_their_lifetime_however_active(users):
    client = password_login(users["handler"])
    start = timezone.now()
    for minutes in range(20, 12 * 60, 20):
        with time_machine.travel(start + timedelta(minutes=minutes)):
            assert client.get("/appeals/").status_code == 200, minutes
    with time_machine.travel(start + timedelta(hours=12, minutes=20)):
        assert client.get("/appeals/").status_code == 302


def test_residents_stay_logged_in_for_days(users):
    client = Client()
    client.force_login(users["resident"])
    start = timezone.now()
    assert client.get("/appeals/mine/").status_code == 200
    with time_machine.travel(start + timedelta(days=6)):
        assert client.get("/appeals/mine/").status_code == 200
    with time_machine.travel(start + timedelta(days=14)):
        page = client.get("/appeals/mine/")
        assert page.status_code == 302 and page["Location"].startswith(
            ("/accounts/phone/", "/accounts/login/")
        )
    api = APIClient()
    api.force_authenticate(users["resident"])  # tokens are not sessions: their own lifetime (core.tokens)
    assert api.get("/api/v1/me/").status_code == 200

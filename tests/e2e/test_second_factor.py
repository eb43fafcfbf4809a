"""A supervisor's second factor in a real browser (issue K item 1): after the password the platform asks to bind an
authenticator (QR code and key), takes the first code, shows the backup codes once, and from then on asks for a
code at every login. Screenshots illustrate docs/guide/security.md."""

import base64
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django_otp.oath import totp

from gongzhi.core.testing import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def code_from_secret(secret: str) -> str:
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


def test_supervisor_binds_an_authenticator_and_logs_in_with_it(
    new_context, live_server, shot, users, settings
):
    settings.GONGZHI = {**settings.GONGZHI, "TWO_FACTOR_ROLES": ["supervisor"]}
    page = new_context("desktop").new_page()
    page.goto("/appeals/overdue/")
    page.fill("#id_username", "supervisor1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/accounts/2fa/setup/**")
    assert page.locator(".qr svg").count() == 1
    shot(page, "security-2fa-setup")
    secret = page.locator("#totp-secret").inner_text()
    page.fill("#id_code", "000000" if code_from_secret(secret) != "000000" else "111111")
    page.click("button:has-text('完成绑定')")
    assert "验证码不正确" in page.locator("[data-error-summary]").inner_text()
    page.wait_for_timeout(1100)  # django-otp waits a second after a wrong code
    page.fill("#id_code", code_from_secret(secret))
    page.click("button:has-text('完成绑定')")
    codes = page.locator("#backup-codes li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "security-2fa-backup-codes")
    page.click("text=我已保存，继续")
    page.wait_for_url("**/appeals/overdue/")

    page.context.clear_cookies()
    with time_machine.travel(timezone.now() + timedelta(seconds=35), tick=True):  # a new 30-second window
        page.goto("/appeals/overdue/")
        page.fill("#id_username", "supervisor1")
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/accounts/2fa/verify/**")
        shot(page, "security-2fa-verify")
        page.fill("#id_code", code_from_secret(secret))
        page.click("button:has-text('验证')")
        page.wait_for_url("**/appeals/overdue/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

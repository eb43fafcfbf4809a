"""My account (/accounts/me/) in a real browser: a resident turns off an optional notice (诉求已派单), the
choice is still there on the next visit, and the next dispatch of the resident's appeal sends no such notice —
while a mandatory one (诉求已答复) still arrives, in the database and on the resident's 消息 page."""

import pytest

from gongzhi.appeals import services
from gongzhi.core.models import Notification, NotificationPreference

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_resident_opts_out_of_an_optional_notice(new_context, shot, users, units, make_appeal, latest_code):
    resident = users["resident"]
    page = new_context("mobile").new_page()
    page.goto("/accounts/phone/")
    page.fill("#id_phone", resident.phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", latest_code(resident.phone))
    page.click("button:has-text('登录')")
    page.wait_for_selector("text=登录成功")

    page.goto("/accounts/me/")
    dispatched = page.locator("#id_kind_appeal_dispatched")
    assert dispatched.is_checked()
    assert (
        page.locator("#id_kind_appeal_replied").count() == 0
    )  # mandatory: shown checked and disabled, no field
    assert page.get_by_text("诉求已答复").first.is_visible()
    dispatched.uncheck()
    shot(page, "resident-notification-preferences")
    page.click("button:has-text('保存')")
    page.wait_for_selector("text=通知偏好已保存。")

    # The choice persists: stored, and shown unchecked on the next visit (a fresh page load).
    assert NotificationPreference.objects.get(user=resident).disabled_kinds == ["appeal_dispatched"]
    page.goto("/accounts/me/")
    assert not page.locator("#id_kind_appeal_dispatched").is_checked()
    assert page.locator("#id_kind_appeal_callback_due").is_checked()

    # ... and respected: dispatching the resident's appeal tells them nothing; the reply still does.
    appeal = make_appeal(resident)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话联系诉求人")
    services.reply(users["handler"], appeal.pk, text="路灯已于今日修复，请您留意夜间照明情况。")
    kinds = set(Notification.objects.filter(recipient=resident).values_list("kind", flat=True))
    assert "appeal_dispatched" not in kinds and {"appeal_received", "appeal_replied"} <= kinds
    page.goto("/notifications/")
    body = page.locator("main").inner_text()
    assert "诉求已答复" in body and "诉求已派单" not in body

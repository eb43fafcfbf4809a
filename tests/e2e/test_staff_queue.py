"""The staff pages of issue H in a real browser, desktop (1280 px) and phone (390 px): the work queue most urgent
first with the dispatcher's suggestion and 下一件, the overdue board with an appeal waiting for dispatch, the rates
page's on-time dispatch rate, and an enterprise contact's first SMS login to 本企业信用. Screenshots go to
/tmp/h-staff-shots/ (GONGZHI_SHOTS overrides); nothing may scroll sideways on the phone."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.appeals.tests.test_workflow import at
from gongzhi.credit import services as credit
from gongzhi.credit.testing import uscc

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("GONGZHI_SHOTS", "/tmp/h-staff-shots"))


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways ({width}px)"


def test_queue_board_and_rates(new_context, users, units, make_appeal, dispatch_rule, login):
    now = timezone.now()
    with at(now - timedelta(days=10)):
        red = make_appeal(title="燃气泄漏十天没人派单", urgency="emergency")
    with at(now - timedelta(hours=20)):
        yellow = make_appeal(title="楼道灯坏了，晚上看不见路")
        services.dispatch(users["dispatcher"], yellow.pk, lead_unit=units["housing"])
    with at(now - timedelta(hours=2)):
        late = make_appeal(title="小区门口井盖缺失", urgency="timely")
        services.dispatch(users["dispatcher"], late.pk, lead_unit=units["housing"])
    make_appeal(title="绿化带杂草丛生需要修剪")

    for kind in ("desktop", "mobile"):
        page = login(new_context(kind), "dispatcher1")
        page.goto("/appeals/?state=received")
        rows = page.locator("table.cards tbody tr")
        assert red.number in rows.first.inner_text()  # the overdue one first
        assert "县住建局" in page.inner_text("table.cards")
        snap(page, f"queue-dispatcher-{kind}")
        if kind == "mobile":
            no_sideways_scroll(page)
        page.click(f"text={red.number}")
        page.wait_for_selector("#next-in-queue")
        page.fill(".picker-filter", "物业")  # the co-unit picker narrows as one types
        assert page.locator("label:has-text('安居物业公司')").is_visible()
        assert not page.locator("label:has-text('县人社局')").is_visible()
        page.check("label:has-text('安居物业公司') input")
        assert "已选 1 个" in page.inner_text(".picker-count")
        snap(page, f"detail-next-{kind}")
        if kind == "mobile":
            no_sideways_scroll(page)

        supervisor = login(new_context(kind), "supervisor1")
        supervisor.goto("/appeals/overdue/")
        assert "待派单（热线中心）" in supervisor.content()
        snap(supervisor, f"overdue-{kind}")
        supervisor.goto("/appeals/rates/")
        assert "热线中心按时派单率" in supervisor.content()
        snap(supervisor, f"rates-{kind}")
        supervisor.goto("/appeals/")
        snap(supervisor, f"queue-supervisor-{kind}")
        if kind == "mobile":
            for url in ("/appeals/overdue/", "/appeals/rates/", "/appeals/"):
                supervisor.goto(url)
                no_sideways_scroll(supervisor)


def test_operator_phone_callback(new_context, users, units, make_appeal, login):
    appeal = make_appeal(title="楼下餐馆油烟扰民")
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.reply(users["handler"], appeal.pk, text="已责令餐馆加装油烟净化设备，经复查已达标排放。")
    for kind in ("desktop", "mobile"):
        page = login(new_context(kind), "operator1")
        page.goto(f"/appeals/{appeal.pk}/")
        assert "请问承办单位是否联系过您？" in page.inner_text("#act-callback")
        snap(page, f"operator-callback-{kind}")
        if kind == "mobile":
            no_sideways_scroll(page)


def test_contact_first_sms_login_reaches_their_enterprise(new_context, db, latest_code):
    from gongzhi.core.choices import Role
    from gongzhi.core.testing import PASSWORD, make_user

    officer = make_user("officer1", Role.CREDIT_OFFICER, is_staff=True, display_name="王法官")
    enterprise = credit.create_enterprise(
        officer, name="湘江建材有限公司", uscc=uscc("91430100MA4L0XY1Q"), contacts=[]
    )
    phone = "13712345678"
    for kind in ("desktop", "mobile"):
        staff = new_context(kind).new_page()
        staff.goto("/accounts/login/")
        staff.fill("#id_username", "officer1")
        staff.fill("#id_password", PASSWORD)
        staff.click("button[type=submit]")
        staff.wait_for_url("**/")
        assert "本企业信用" not in staff.inner_text("nav")
        staff.goto(f"/credit/enterprises/{enterprise.pk}/")
        if kind == "desktop":
            staff.click("#contact-add summary")
            staff.fill("[name='contact-name']", "周会计")
            staff.fill("[name='contact-phone']", phone)
            snap(staff, "enterprise-add-contact-desktop")
            staff.click("#contact-add button[type=submit]")
            staff.wait_for_selector("text=其首次登录后自动绑定")
        snap(staff, f"enterprise-contacts-{kind}")
        if kind == "mobile":
            no_sideways_scroll(staff)

    page = new_context("mobile").new_page()
    page.goto("/accounts/phone/")
    page.fill("[name='phone']", phone)
    page.click("button:has-text('获取验证码')")
    page.fill("[name='code']", latest_code(phone))
    page.check("[name='agree']")  # a first login consents to the processing rules
    page.click("button:has-text('登录')")
    page.wait_for_url("**/")
    assert "本企业信用" in page.inner_text("nav")
    snap(page, "contact-home-mobile")
    page.click("nav >> text=本企业信用")
    page.wait_for_url("**/credit/mine/")
    assert "湘江建材有限公司" in page.content()
    snap(page, "contact-credit-mine-mobile")
    no_sideways_scroll(page)

"""The whole appeals loop in a real browser (issue 2):

a resident logs in with a one-time code and submits on the mobile form → the dispatcher dispatches the
suggested unit in one click → the handler signs, records the contact and replies → the resident rates it
online → the unit's rates change on the ranking page. Screenshots illustrate docs/guide/*.md.
"""

import pytest
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def act(page, action: str, fields: dict | None = None):
    """Open the action's panel on the detail page, fill its form and submit it."""
    panel = page.locator(f"#act-{action}")
    panel.evaluate("el => el.open = true")
    for name, value in (fields or {}).items():
        page.fill(f"[name='{action}-{name}']", value)
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()


def test_appeal_loop(new_context, shot, users, units, category, dispatch_rule, county, login, latest_code):
    # ---- the resident logs in with a one-time code on a phone
    resident = new_context("mobile").new_page()
    resident.goto("/accounts/phone/")
    resident.fill("#id_phone", users["resident"].phone)
    shot(resident, "resident-phone-login")
    resident.click("button:has-text('获取验证码')")
    resident.wait_for_selector("#id_code")
    resident.fill("#id_code", latest_code(users["resident"].phone))
    resident.click("button:has-text('登录')")
    resident.wait_for_selector("text=登录成功")
    assert "待我评价" in resident.content()

    # ---- and submits on the mobile form
    resident.goto("/appeals/new/")
    resident.select_option("#id_kind", "complaint")
    resident.fill("#id_title", "小区路灯坏了")
    resident.fill("#id_content", "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修理。")
    resident.select_option("#id_region", str(county["community"].pk))
    resident.fill("#id_address", "幸福小区3栋门口")
    resident.select_option("#id_category", str(category.pk))
    resident.set_input_files(
        "#id_attachments", files=[{"name": "streetlight.png", "mimeType": "image/png", "buffer": PNG}]
    )
    shot(resident, "resident-new-appeal")
    resident.click("button:has-text('提交诉求')")
    resident.wait_for_selector("#appeal-number")
    number = resident.inner_text("#appeal-number").strip()
    shot(resident, "resident-submitted")
    appeal = Appeal.objects.get(number=number)
    assert appeal.appellant == users["resident"] and appeal.channel == "mobile"
    assert appeal.attachments.count() == 1

    # ---- nothing on the ranking yet
    leader = login(new_context(), "leader1")
    leader.goto("/appeals/rates/")
    assert "县住建局" not in leader.content()

    # ---- the dispatcher dispatches the suggested unit in one click
    dispatcher = login(new_context(), "dispatcher1")
    dispatcher.goto("/appeals/?state=received")
    dispatcher.click(f"text={number}")
    assert "县住建局" in dispatcher.inner_text("#suggestion")
    shot(dispatcher, "dispatcher-detail")
    dispatcher.click("button:has-text('派单给 县住建局')")
    dispatcher.wait_for_selector("text=已完成「派单」")
    assert dispatcher.inner_text("#appeal-state") == "已派单"
    assert dispatcher.inner_text("#lead-unit") == "县住建局"

    # ---- the handler signs, records the contact and replies
    handler = login(new_context(), "handler1")
    handler.goto("/appeals/?state=dispatched")
    handler.click(f"text={number}")
    shot(handler, "handler-sign")
    act(handler, "sign")
    assert handler.inner_text("#appeal-state") == "已签收"
    handler.click("#appellant-contact button:has-text('显示完整号码')")
    handler.wait_for_selector("#appellant-contact >> text=13800138000")
    act(handler, "record_contact", {"note": "已电话联系诉求人，约定今晚维修。"})
    assert handler.inner_text("#appeal-state") == "办理中"
    handler.locator("#act-reply").evaluate("el => el.open = true")
    handler.fill("[name='reply-text']", "已安排维修人员更换3栋门口路灯，当晚恢复照明，感谢您的反映。")
    shot(handler, "handler-reply")
    act(handler, "reply")
    assert handler.inner_text("#appeal-state") == "已答复"

    # ---- the resident rates it online
    resident.goto("/appeals/mine/")
    shot(resident, "resident-mine")
    resident.click("text=去评价")
    resident.check("input[name='callback-contacted'][value='1']")
    resident.check("input[name='callback-solved'][value='1']")
    resident.check("input[name='callback-satisfaction'][value='satisfied']")
    shot(resident, "resident-rate")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("text=已完成「评价办理结果」")
    assert resident.inner_text("#appeal-state") == "已办结"

    # ---- the unit's rates changed: one valid callback, listed apart as a small sample, satisfaction 100%
    leader.goto("/appeals/rates/")
    apart = leader.locator("table.rates").nth(1)
    row = apart.locator("tr", has_text="县住建局")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert cells[1] == "1"  # valid callbacks
    assert cells[4].startswith("100.0%")  # satisfaction
    assert "县住建局" not in leader.locator("table.rates").nth(0).inner_text()
    shot(leader, "leader-rates")


def test_visitor_without_account_tracks_and_elderly_mode(new_context, shot, county, login):
    context = new_context("mobile")
    page = context.new_page()
    page.goto("/appeals/new/")
    page.fill("#id_title", "楼道灯不亮")
    page.fill("#id_content", "和平小区5栋楼道的灯坏了，老人上下楼很不方便。")
    page.select_option("#id_region", str(county["community"].pk))
    page.click("button:has-text('提交诉求')")
    # a field error in Chinese, the form is kept (wait: the click starts a navigation)
    expect(page.locator("main")).to_contain_text("请留下联系电话")
    assert page.input_value("#id_title") == "楼道灯不亮"
    page.fill("#id_appellant_name", "周奶奶")
    page.fill("#id_appellant_phone", "13655556666")
    page.click("button:has-text('提交诉求')")
    number = page.inner_text("#appeal-number").strip()
    code = page.inner_text("#tracking-code").strip()
    page.click("main a:has-text('查询办理进度')")
    assert page.input_value("#id_number") == number
    page.fill("#id_code", code)
    page.click("button:has-text('查询')")
    page.wait_for_selector("#tracked")
    assert number in page.inner_text("#tracked")
    # the large-type mode is remembered across pages
    before = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    page.click("#elder-toggle")
    page.goto("/")
    after = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
    assert after > before
    assert "elder" in page.evaluate("document.documentElement.className")
    shot(page, "resident-elderly-mode")

"""The resident's story on a 390 px phone (issue H): submit with a rejected attachment, then a good photo (what was
typed survives the rejection, the errors are listed at the top and in view), follow the appeal, read the answer
and evaluate it right under it; tap targets are 44 px or more, in 大字模式 too; a withdrawal needs confirming.

Screenshots of each step, normal and 大字模式, go to $GONGZHI_SHOTS (default /tmp/h-resident-shots/).
"""

import os
from pathlib import Path

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.models import Appeal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
SHOTS = Path(os.environ.get("GONGZHI_SHOTS", "/tmp/h-resident-shots"))
TITLE = "小区门口路灯坏了两周"
CONTENT = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，老人小孩容易摔倒，请尽快修理。"
REPLY = "已安排维修人员于今日更换3栋门口路灯灯泡并检查线路，现已恢复照明。如再有问题请随时反映。"


def snap(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def sign_in(context, phone, latest_code):
    page = context.new_page()
    page.goto("/accounts/phone/")
    page.fill("#id_phone", phone)
    page.click("button:has-text('获取验证码')")
    page.wait_for_selector("#id_code")
    page.fill("#id_code", latest_code(phone))
    page.click("button:has-text('登录')")
    page.wait_for_selector("text=登录成功")
    return page


def no_sideways(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= min(inner, 390), (page.url, width, inner)  # a phone zooms out to fit: innerWidth grows


def small_targets(page, selector):
    """The tap targets matching `selector` lower than 44 px (the clickable box: the label round a radio)."""
    return page.evaluate(
        """sel => [...document.querySelectorAll(sel)].filter(el => el.offsetParent !== null)
             .map(el => [el.outerHTML.slice(0, 80), el.getBoundingClientRect().height])
             .filter(([, h]) => h < 44)""",
        selector,
    )


@pytest.mark.parametrize("elder", [False, True], ids=["normal", "elder"])
def test_resident_phone_story(new_context, login, users, units, county, category, latest_code, elder):
    mode = "elder" if elder else "normal"
    users["resident"].region = county["community"]
    users["resident"].save(update_fields=["region"])
    resident = sign_in(new_context("mobile"), users["resident"].phone, latest_code)
    if elder:
        resident.click("#elder-toggle")
        assert resident.evaluate("document.documentElement.classList.contains('elder')")

    # ---- the form: the community is preselected, in the resident's words
    resident.goto("/appeals/new/")
    assert resident.locator("#id_region").input_value() == str(county["community"].pk)
    assert "所在小区/社区" in resident.inner_text("label[for=id_region]")
    resident.fill("#id_title", TITLE)
    resident.fill("#id_content", CONTENT)
    resident.fill("#id_address", "幸福小区3栋门口")
    assert not small_targets(resident, "#id_attachments, .field.check label, form .btn")
    # a file of the wrong type: refused, the errors at the top and in view, the text kept
    resident.set_input_files(
        "#id_attachments",
        files=[
            {"name": "streetlight.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 64}
        ],
    )
    resident.click("button:has-text('提交诉求')")
    resident.wait_for_selector("[data-error-summary]")
    summary = resident.locator("[data-error-summary]")
    assert summary.get_attribute("role") == "alert"
    assert resident.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    box = summary.bounding_box()
    assert -1 <= box["y"] < 844, box  # in view on the phone's screen, not at the bottom of the form
    assert summary.locator("a[href='#id_attachments']").count() == 1
    assert resident.input_value("#id_title") == TITLE and resident.input_value("#id_content") == CONTENT
    assert not Appeal.objects.exists()
    no_sideways(resident)
    snap(resident, f"01-new-rejected-file-{mode}")
    summary.locator("a[href='#id_attachments']").click()
    # then a photo
    resident.set_input_files(
        "#id_attachments", files=[{"name": "streetlight.png", "mimeType": "image/png", "buffer": PNG}]
    )
    resident.click("button:has-text('提交诉求')")
    resident.wait_for_selector("#appeal-number")
    snap(resident, f"02-submitted-{mode}")
    appeal = Appeal.objects.get()
    assert appeal.title == TITLE and appeal.attachments.count() == 1 and appeal.region == county["community"]

    # ---- a new appeal: the withdrawal is closed, low on the page, and needs confirming
    resident.goto(f"/appeals/{appeal.pk}/")
    withdraw = resident.locator("#act-withdraw")
    assert withdraw.evaluate("el => !el.open")
    assert withdraw.bounding_box()["y"] > resident.locator("text=办理过程").bounding_box()["y"]
    no_sideways(resident)
    snap(resident, f"03-detail-new-{mode}")

    # ---- the unit handles it and answers
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.reply(users["handler"], appeal.pk, text=REPLY)

    # ---- 待我评价 on the home page opens the filtered list, with a filter to clear
    resident.goto("/")
    resident.click("a.tile:has-text('待我评价')")
    resident.wait_for_selector("#mine-filter")
    assert "待我评价" in resident.inner_text("#mine-filter")
    assert not small_targets(resident, ".evaluate-link, .chip")
    no_sideways(resident)
    snap(resident, f"04-mine-to-evaluate-{mode}")
    resident.click("text=去评价")
    resident.wait_for_selector("#act-callback")
    # the answer first, the evaluation right under it
    reply_y = resident.locator("#reply").bounding_box()["y"]
    assert reply_y < resident.locator("#act-callback").bounding_box()["y"]
    assert REPLY in resident.inner_text("#reply")
    assert not small_targets(resident, "#act-callback .radios label, #act-callback .btn")
    resident.click(
        "#act-callback .radios label:has(input[name='callback-contacted'][value='1'])"
    )  # the label taps
    resident.check("input[name='callback-solved'][value='1']")
    resident.check("input[name='callback-satisfaction'][value='satisfied']")
    no_sideways(resident)
    snap(resident, f"05-detail-evaluate-{mode}")
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("text=已完成「评价办理结果」")
    assert resident.inner_text("#appeal-state") == "已办结"
    snap(resident, f"06-detail-closed-{mode}")

    # ---- another appeal, withdrawn: confirmation first, then it reads 已撤回, everywhere
    other, _ = services.submit_appeal(
        users["resident"],
        kind="complaint",
        channel="mobile",
        title="楼道堆放杂物",
        content="幸福小区3栋2单元楼道堆放大量杂物，影响消防通道。",
        region=county["community"],
        category=category,
    )
    resident.goto(f"/appeals/{other.pk}/")
    resident.click("#act-withdraw summary")
    resident.click("#act-withdraw button[type=submit]")
    resident.wait_for_selector("[data-error-summary]")
    assert Appeal.objects.get(pk=other.pk).is_open
    resident.check("#act-withdraw input[name='withdraw-confirm']")
    resident.click("#act-withdraw button[type=submit]")
    resident.wait_for_selector("text=已完成「撤回」")
    assert resident.inner_text("#appeal-state") == "已撤回"
    assert resident.locator("ol.steps li").all_inner_texts() == ["已受理", "已撤回"]
    snap(resident, f"07-detail-withdrawn-{mode}")
    resident.goto("/appeals/mine/")
    assert "已撤回" in resident.inner_text(".list-items")
    no_sideways(resident)
    snap(resident, f"08-mine-{mode}")

    # ---- staff at 390 px: the withdrawn appeal in the list; the intake form's errors at its top
    operator = login(new_context("mobile"), "operator1")
    if elder:
        operator.click("#elder-toggle")
    operator.goto("/appeals/")
    assert "已撤回" in operator.inner_text("main")
    no_sideways(operator)
    snap(operator, f"09-staff-list-{mode}")
    operator.goto("/appeals/staff/new/")
    operator.fill("#id_appellant_phone", "12ab")
    operator.fill("#id_title", TITLE)
    operator.click("main button[type=submit]:has-text('登记')")
    operator.wait_for_selector("[data-error-summary]")
    assert operator.locator("[data-error-summary] a[href='#id_appellant_phone']").count() == 1
    assert operator.input_value("#id_title") == TITLE
    no_sideways(operator)
    snap(operator, f"10-staff-new-errors-{mode}")

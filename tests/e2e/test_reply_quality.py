"""Reply quality in the loop (issue L part 3) in a real browser: a handler types a template-only reply, reads the
nudge (答复质量：较差 — 只有模板语…), sends it anyway; the supervisor reads the score beside the reply and on the rates
page (1280 px). The appellant (390 px) reads the reply without a grade, and the topic their appeal went to on its
timeline (part 5). Screenshots go to /tmp/h-reply-shots/ (GONGZHI_SHOTS overrides)."""

import os
from pathlib import Path

import pytest
from django.utils import timezone

from gongzhi.appeals import services
from gongzhi.deliberation import services as deliberation

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("GONGZHI_SHOTS", "/tmp/h-reply-shots"))
TEMPLATE_ONLY = "您好！您的留言已收悉。感谢您对我们工作的关心和支持！"


def snap(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.evaluate("window.innerWidth"), f"{page.url} scrolls sideways ({width}px)"


def test_template_reply_nudged_sent_anyway_and_scored(new_context, users, units, county, make_appeal, login):
    appeal = make_appeal(
        title="幸福小区3栋路灯坏了", content="幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修复。"
    )
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)

    handler = login(new_context(), "handler1")
    handler.goto(f"/appeals/{appeal.pk}/")
    assert "输入答复后" in handler.inner_text("#quality-reply")
    handler.fill("#id_reply-text", TEMPLATE_ONLY)
    handler.wait_for_selector("#quality-reply [data-level='较差']")
    nudge = handler.inner_text("#quality-reply")
    assert (
        "答复质量：较差" in nudge
        and "只有模板语" in nudge
        and "未说明依据" in nudge
        and "可以照常提交" in nudge
    )
    handler.locator("#quality-reply").scroll_into_view_if_needed()
    snap(handler, "handler-nudge")
    assert handler.input_value("#id_reply-text") == TEMPLATE_ONLY  # the typed text stays
    handler.click("button[name=go][value=reply]")
    handler.wait_for_selector("text=已完成「办结答复」")
    appeal.refresh_from_db()
    assert appeal.state == "replied" and appeal.reply_text == TEMPLATE_ONLY

    supervisor = login(new_context(), "supervisor1")
    supervisor.goto(f"/appeals/{appeal.pk}/")
    score = supervisor.inner_text("#reply-score")
    assert "答复质量：较差" in score and "只有模板语" in score and "相关性" in score
    supervisor.locator("#reply").scroll_into_view_if_needed()
    snap(supervisor, "supervisor-reply-score")
    supervisor.goto(f"/appeals/rates/?period={timezone.localdate():%Y-%m}")
    table = supervisor.inner_text("#reply-quality-table")
    assert "县住建局" in table and "较差" in table
    supervisor.locator("#reply-quality").scroll_into_view_if_needed()
    snap(supervisor, "rates-reply-quality")

    # The appellant's phone: the reply, no grade; the topic their appeal went to, on its timeline.
    deliberation.create_topic(
        users["community_staff"],
        title="幸福小区路灯维护",
        description="路灯反复损坏，议一议维护责任。",
        region=county["community"],
        source="appeals",
        appeal_ids=[appeal.pk],
    )
    resident = login(new_context("mobile"), "resident1")
    resident.goto(f"/appeals/{appeal.pk}/")
    text = resident.inner_text("main")
    assert "答复质量" not in text and "感谢您对我们工作的关心和支持" in text
    assert "转为议事协商议题" in text
    no_sideways_scroll(resident)
    snap(resident, "resident-appeal-topic")
    resident.goto("/appeals/mine/")
    step = resident.inner_text(".topic-step")
    assert "议事协商：转为议事协商议题" in step and "幸福小区路灯维护" in step
    no_sideways_scroll(resident)
    snap(resident, "resident-mine-topic")

"""Issue 20 in a real browser: the admin edits a time limit, reads that the open appeals keep their old deadlines,
and runs the recompute from the list (1280 px); a resident's home page still shows the appeals tiles (390 px), now
registered with core.dashboard instead of imported by core."""

from datetime import timedelta

import pytest

from gongzhi.appeals.models import Appeal

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_admin_edits_a_limit_and_recomputes_the_open_appeals(
    new_context, shot, login, users, category, make_appeal
):
    appeal = make_appeal()
    week = appeal.received_at + timedelta(days=7)
    assert appeal.reply_due == week

    admin = login(new_context(), "admin")
    admin.goto("/admin/appeals/timelimit/add/")
    admin.select_option("#id_profile", "normal")
    admin.select_option("#id_step", "reply")
    admin.fill("#id_amount", "3")
    admin.select_option("#id_unit", "days")
    admin.click("input[name=_save]")
    admin.wait_for_url("**/admin/appeals/timelimit/")
    warning = admin.inner_text(".messagelist .warning")
    assert "未办结的诉求仍按原时限计时" in warning and "gongzhi recompute_dues" in warning
    no_sideways_scroll(admin)
    shot(admin, "admin-time-limit-saved")
    assert Appeal.objects.get(pk=appeal.pk).reply_due == week

    admin.select_option("select[name=action]", "recompute_open_dues")  # no row ticked
    admin.click("button[name=index]")
    admin.wait_for_selector(".messagelist .success")
    assert "已按现行时限重算 1 件未办结诉求，其中 1 件的时限有变化" in admin.inner_text(
        ".messagelist .success"
    )
    shot(admin, "admin-time-limit-recomputed")
    assert Appeal.objects.get(pk=appeal.pk).reply_due == appeal.received_at + timedelta(days=3)

    resident = login(new_context("mobile"), "resident1")
    tiles = resident.inner_text("[aria-label='我的工作']")
    assert "我的诉求" in tiles and "待我评价" in tiles
    no_sideways_scroll(resident)
    shot(resident, "resident-home-tiles")

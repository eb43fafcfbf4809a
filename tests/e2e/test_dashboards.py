"""Insight in a real browser (issue 3): a new appeal shows its predicted categories, the suggested unit and
its near-duplicates to the dispatcher and joins a hot spot; the leader's dashboards draw with ECharts.
Screenshots of each dashboard (docs/guide/img/insight-*.png with GONGZHI_GUIDE_SCREENSHOTS=1)."""

import pytest

from gongzhi.insight import live
from gongzhi.insight.models import AppealPrediction, HotSpot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

LEAK = ("小区违章建筑没人管", "A3区幸福小区一楼住户违章搭建，占用消防通道，城管不管。")


def wait_charts(page, count: int):
    page.wait_for_function(
        f"() => document.querySelectorAll('[data-rendered=\"1\"] canvas').length >= {count}"
    )


def test_dashboards(new_context, shot, settings, users, county, dispatch_rule, make_appeal, login):
    live._INDEXES.clear()  # the per-process hot-spot index must not remember another test's appeals
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    first = make_appeal(users["resident2"], title=LEAK[0], content=LEAK[1])
    make_appeal(title="违章建筑堵住消防通道", content=LEAK[1] + "希望尽快处理。")
    make_appeal(
        title="孩子入学咨询",
        content="请问外地户籍孩子在本区上小学需要准备哪些材料？",
        region=county["other_community"],
        category=None,
    )
    newest = make_appeal(title=LEAK[0], content=LEAK[1], category=None)
    assert AppealPrediction.objects.filter(appeal=newest).exists()
    spot = HotSpot.objects.get()
    assert spot.size == 3

    dispatcher = login(new_context(), "dispatcher1")
    dispatcher.goto(f"/appeals/{newest.pk}/")
    dispatcher.wait_for_selector("#prediction")
    assert "城乡建设" in dispatcher.inner_text("#prediction")
    assert first.number in dispatcher.inner_text("#similar")
    assert dispatcher.locator("[name='dispatch-lead_unit']").input_value() == str(dispatch_rule.unit_id)
    shot(dispatcher, "insight-dispatch-suggestion")

    leader = login(new_context(), "leader1")
    leader.click("text=诉求态势总览")
    leader.wait_for_url("**/insight/")
    wait_charts(leader, 8)  # six charts + the 7-day forecast + the word cloud (echarts-wordcloud plugin)
    assert (
        leader.evaluate(
            "echarts.getInstanceByDom(document.getElementById('chart-wordcloud')).getOption().series[0].type"
        )
        == "wordCloud"
    )
    shot(leader, "insight-overview")
    leader.click(f"a[href='/insight/street/{county['street'].pk}/']")
    wait_charts(leader, 8)
    assert "东风街道 诉求态势" in leader.content()
    shot(leader, "insight-street")
    leader.goto("/insight/hotspots/")
    leader.wait_for_selector(f"#hotspot-{spot.pk}")
    wait_charts(leader, 1)
    leader.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
    shot(leader, "insight-hotspots")
    with leader.expect_download() as download:
        leader.click("#export")
    assert download.value.suggested_filename == "hotspots.xlsx"
    # a surge (three more 城乡建设 appeals in the street today) → one click → a proactive task for the unit
    for title in ("路灯坏了", "井盖缺失", "道路破损"):
        make_appeal(title=title, content=f"幸福小区门口{title}，请尽快处理。")
    leader.goto("/insight/alerts/")
    leader.wait_for_selector("#alerts .task-form")
    shot(leader, "insight-alerts")
    assert leader.locator("#alerts .task-form select[name=unit]").first.input_value() == str(
        dispatch_rule.unit_id
    )
    leader.locator("#alerts .task-form button").first.click()
    leader.wait_for_selector("#task-state")
    assert leader.inner_text("#task-state") == "已交办"
    shot(leader, "insight-task")

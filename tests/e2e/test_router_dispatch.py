"""The dispatcher sees the router's three lead units with their reasons (issue 19, part 2), in a real browser at
1280 px: a street lamp goes to 县城管局 (learnt from the dispatch history) although the first-level rule names
县住建局, the dispatch form has 县城管局 chosen, and dispatching works. Screenshots go to /tmp/h-route-shots/
(GONGZHI_SHOTS overrides)."""

import os
from pathlib import Path

import pytest

from gongzhi.insight import live, router
from gongzhi.insight.tests.test_router import _history_in_db, make_catalogue_units

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = Path(os.environ.get("GONGZHI_SHOTS", "/tmp/h-route-shots"))


@pytest.fixture
def catalogue_units(units, county):
    return make_catalogue_units(units, county)


def test_dispatcher_sees_three_units_with_reasons(
    new_context, users, make_appeal, catalogue_units, login, settings, tmp_path
):
    settings.INSIGHT_ROUTER_MODEL = tmp_path / "router.joblib"
    _history_in_db(users, make_appeal, catalogue_units)
    router.save(router.train(router.history(), router.Catalogue.from_db()))
    appeal = make_appeal(
        title="小区门口路灯坏了两周",
        content="幸福小区东门外的路灯坏了两周，晚上一片漆黑，老人孩子出行不安全。",
        category=None,
    )
    live.record_prediction(appeal.pk)

    page = login(new_context("desktop"), "dispatcher1")
    page.goto(f"/appeals/{appeal.pk}/")
    units = page.locator("#route-units > li.route-unit")
    assert units.count() == 3
    assert units.first.locator("strong").inner_text() == "县城管局"
    first = units.first.inner_text()
    assert "该类诉求近90天由县城管局办理" in first and "本社区同类诉求多由县城管局办理" in first
    assert "目录规定：城乡建设 → 县住建局" in page.inner_text("#route-units")
    suggestion = page.inner_text("#suggestion")
    assert "县城管局" in suggestion and "派单目录所定单位：县住建局" in suggestion
    page.locator("#prediction").scroll_into_view_if_needed()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "dispatch-three-units.png"), full_page=True)
    page.locator("#prediction").screenshot(path=str(SHOTS / "dispatch-three-units-card.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    lead = page.locator("select[name='dispatch-lead_unit']")
    assert lead.input_value() == str(catalogue_units["urban"].pk)
    page.click("button:has-text('派单给 县城管局')")
    page.wait_for_load_state()
    appeal.refresh_from_db()
    assert appeal.lead_unit_id == catalogue_units["urban"].pk

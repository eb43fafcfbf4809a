"""Maps (issue J): no tiles configured, the maps draw the regions' boundaries alone.

A resident taps the map on the appeal form and the region is chosen for them; the appeal keeps WGS-84 coordinates.
Staff see their appeals' pins clustered, as many as their scope holds. The red resources show on a map.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal
from gongzhi.core.testing import give_boundaries

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def tap_at(page, map_selector: str, lon: float, lat: float):
    """Tap the map where the WGS-84 point is (Leaflet's own projection finds the pixel)."""
    page.wait_for_function(f"document.querySelector('{map_selector}').dataset.boundaries > 0")
    x, y = page.evaluate(
        """([sel, lon, lat]) => { const map = document.querySelector(sel).gongzhiMap;
             const p = map.latLngToContainerPoint([lat, lon]); const r = map.getContainer().getBoundingClientRect();
             return [r.left + p.x, r.top + p.y]; }""", [map_selector, lon, lat])
    page.mouse.click(x, y)


@pytest.mark.parametrize("kind", ["mobile", "desktop"])
def test_resident_picks_the_place_and_the_region_follows(new_context, shot, users, county, kind, login):
    give_boundaries(county)
    context = new_context(kind)
    page = login(context, users["resident"].username)
    page.goto("/appeals/new/")
    expect(page.locator("#place-picker")).to_be_visible()
    page.fill("#id_title", "小区路灯坏了")
    page.fill("#id_content", "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修理。")
    page.select_option("#id_region", "")
    changes = page.evaluate_handle("""() => { const seen = [];
        for (const n of ['longitude', 'latitude', 'region'])
          document.querySelector(`[name=${n}]`).addEventListener('change', () => seen.push(n));
        return seen; }""")
    # outside the county: a clear message, nothing kept
    tap_at(page, "#place-map", 112.98, 28.99)  # inside the county square: in 西湖街道, outside 和平社区
    expect(page.locator("#place-status")).to_contain_text("西湖街道")
    tap_at(page, "#place-map", 112.1, 28.2)  # 幸福社区, its grid
    expect(page.locator("#place-status")).to_contain_text("幸福社区")
    assert page.input_value("#id_region") == str(county["community"].pk)
    assert {"longitude", "latitude", "region"} <= set(changes.json_value())
    lon, lat = float(page.input_value("[name=longitude]")), float(page.input_value("[name=latitude]"))
    assert abs(lon - 112.1) < 0.01 and abs(lat - 28.2) < 0.01
    shot(page, f"resident-place-picker-{kind}")
    page.click("button:has-text('提交诉求')")
    page.wait_for_selector("#appeal-number")
    appeal = Appeal.objects.get(number=page.inner_text("#appeal-number").strip())
    assert appeal.region == county["grid"]  # the community chosen, narrowed to the grid the point lies in
    assert abs(appeal.longitude - Decimal("112.1")) < Decimal("0.01")
    assert abs(appeal.latitude - Decimal("28.2")) < Decimal("0.01")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_place_outside_the_county_is_refused_on_the_form(new_context, users, county, login):
    give_boundaries(county)
    page = login(new_context("mobile"), users["resident"].username)
    page.goto("/appeals/new/")
    page.wait_for_function("document.querySelector('#place-map').dataset.boundaries > 0")
    # west of the county: pan there first, the county fills the map
    page.evaluate("document.querySelector('#place-map').gongzhiMap.setView([28.5, 111.7], 9, {animate: false})")
    tap_at(page, "#place-map", 111.8, 28.5)
    expect(page.locator("#place-status")).to_have_text("该位置不在本县范围内，请重新选择")
    assert page.input_value("[name=longitude]") == "" and page.input_value("[name=latitude]") == ""

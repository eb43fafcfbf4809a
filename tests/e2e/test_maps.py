"""Maps (issue J): no tiles configured, the maps draw the regions' boundaries alone.

A resident taps the map on the appeal form and the region is chosen for them; the appeal keeps WGS-84 coordinates.
Staff see their appeals' pins clustered, as many as their scope holds. The red resources show on a map.
"""

from decimal import Decimal

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from gongzhi.appeals.models import Appeal
from gongzhi.core.testing import give_boundaries

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("kind", ["mobile", "desktop"])
def test_resident_picks_the_place_and_the_region_follows(
    new_context, shot, users, county, kind, login, tap_map
):
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
    tap_map(page, "#place-map", 112.95, 28.85)  # in 西湖街道, outside 和平社区's two squares
    expect(page.locator("#place-status")).to_contain_text("西湖街道")
    tap_map(page, "#place-map", 112.1, 28.2)  # 幸福社区, its grid
    expect(page.locator("#place-status")).to_contain_text("幸福社区")
    assert page.input_value("#id_region") == str(county["community"].pk)
    assert {"longitude", "latitude", "region"} <= set(changes.json_value())
    lon, lat = float(page.input_value("[name=longitude]")), float(page.input_value("[name=latitude]"))
    assert abs(lon - 112.1) < 0.02 and abs(lat - 28.2) < 0.02  # a pixel is ≈ 0.004° on this map
    shot(page, f"resident-place-picker-{kind}")
    page.click("button:has-text('提交诉求')")
    page.wait_for_selector("#appeal-number")
    appeal = Appeal.objects.get(number=page.inner_text("#appeal-number").strip())
    assert appeal.region == county["grid"]  # the community chosen, narrowed to the grid the point lies in
    assert (appeal.longitude, appeal.latitude) == (Decimal(str(lon)), Decimal(str(lat)))  # as picked, WGS-84
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_place_outside_the_county_is_refused_on_the_form(new_context, users, county, login, tap_map):
    give_boundaries(county)
    page = login(new_context("mobile"), users["resident"].username)
    page.goto("/appeals/new/")
    page.wait_for_function("() => document.querySelector('#place-map').dataset.boundaries > 0")
    # west of the county: pan there first, the county fills the map
    page.evaluate(
        "() => document.querySelector('#place-map').gongzhiMap.setView([28.5, 111.7], 9, {animate: false})"
    )
    tap_map(page, "#place-map", 111.8, 28.5)
    expect(page.locator("#place-status")).to_have_text("该位置不在本县范围内，请重新选择")
    assert page.input_value("[name=longitude]") == "" and page.input_value("[name=latitude]") == ""


def _placed_appeals(users, units, make_appeal):
    from gongzhi.appeals import services

    made = []
    for lon, unit in ((112.1001, units["housing"]), (112.1003, units["housing"]), (112.4, units["hrss"])):
        appeal = make_appeal(longitude=Decimal(str(lon)), latitude=Decimal("28.2"))
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=unit)
        made.append(appeal)
    return made


PINS_SHOWN = """(selector) => {
    const clusters = [...document.querySelectorAll(selector + ' .gz-cluster')].map(c => +c.dataset.count);
    return clusters.reduce((a, b) => a + b, 0) + document.querySelectorAll(selector + ' .gz-pin').length; }"""


def pins_on(page, selector: str, expected: int) -> int:
    """The appeals a clustered map shows (each cluster's count plus the single pins), once they reach `expected`
    or after 10 s: the cluster plug-in draws after the map settles, later on a loaded machine."""
    page.wait_for_function(f"() => document.querySelector('{selector}').dataset.pins !== undefined")
    try:
        page.wait_for_function(
            f"(selector) => ({PINS_SHOWN})(selector) === {expected}", arg=selector, timeout=10_000
        )
    except PlaywrightTimeout:
        pass  # the caller's assert shows how many there were
    return page.evaluate(PINS_SHOWN, selector)


@pytest.mark.parametrize("kind", ["desktop", "mobile"])
def test_staff_see_their_appeals_clustered(new_context, shot, users, units, county, make_appeal, login, kind):
    give_boundaries(county)
    placed = _placed_appeals(users, units, make_appeal)
    handler = login(new_context(kind), users["handler"].username)
    handler.goto("/appeals/")
    handler.click("a:has-text('地图')")
    handler.wait_for_url("**/appeals/map/**")
    expect(handler.locator("#map-count")).to_contain_text("共 2 件有位置的诉求")
    assert pins_on(handler, "#appeal-map", 2) == 2  # the housing bureau's two, not the HR bureau's
    expect(handler.locator("#appeal-map .gz-cluster[data-count='2']")).to_have_count(
        1
    )  # 20 m apart: one cluster
    shot(handler, f"staff-appeal-map-{kind}")
    assert handler.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    handler.goto(f"/appeals/{placed[0].pk}/")  # the appeal's own page shows its place
    expect(handler.locator("#appeal-place-map .gz-pin")).to_have_count(1)
    assert handler.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    supervisor = login(new_context(kind), users["supervisor"].username)
    supervisor.goto("/appeals/map/")
    assert pins_on(supervisor, "#appeal-map", 3) == 3
    supervisor.goto("/appeals/map/?state=received")
    expect(supervisor.locator("#map-count")).to_contain_text("共 0 件")


def test_red_resources_show_on_the_map(new_context, shot, county, users):
    from gongzhi.community.models import RedResource

    give_boundaries(county)
    for n, (lon, lat) in enumerate(((112.1, 28.2), (112.7, 28.8))):
        RedResource.objects.create(
            name=f"革命纪念馆{n}",
            kind="memorial",
            region=county["community"],
            address="烈士路1号",
            description="纪念",
            longitude=lon,
            latitude=lat,
        )
    for kind in ("mobile", "desktop"):
        page = new_context(kind).new_page()
        page.goto("/community/red-resources/")
        page.wait_for_function("() => document.querySelector('#red-map').dataset.boundaries > 0")
        expect(page.locator("#red-map .gz-pin.red-resource")).to_have_count(2)
        page.locator("#red-map .gz-pin.red-resource").first.click()
        expect(page.locator("#red-map .leaflet-popup-content")).to_contain_text("革命纪念馆")
        shot(page, f"red-resources-map-{kind}")


# the published WGS-84 → GCJ-02 formula (Krasovsky 1940 ellipsoid), the reference the map's conversion must match
def _gcj02(lon, lat):
    import math

    a, ee = 6378245.0, 0.00669342162296594323

    def t_lat(x, y):
        r = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
        r += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
        r += (20 * math.sin(y * math.pi) + 40 * math.sin(y / 3 * math.pi)) * 2 / 3
        return r + (160 * math.sin(y / 12 * math.pi) + 320 * math.sin(y * math.pi / 30)) * 2 / 3

    def t_lon(x, y):
        r = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
        r += (20 * math.sin(6 * x * math.pi) + 20 * math.sin(2 * x * math.pi)) * 2 / 3
        r += (20 * math.sin(x * math.pi) + 40 * math.sin(x / 3 * math.pi)) * 2 / 3
        return r + (150 * math.sin(x / 12 * math.pi) + 300 * math.sin(x / 30 * math.pi)) * 2 / 3

    d_lat, d_lon = t_lat(lon - 105, lat - 35), t_lon(lon - 105, lat - 35)
    rad = lat / 180 * math.pi
    magic = 1 - ee * math.sin(rad) ** 2
    d_lat = d_lat * 180 / ((a * (1 - ee)) / (magic * math.sqrt(magic)) * math.pi)
    d_lon = d_lon * 180 / (a / math.sqrt(magic) * math.cos(rad) * math.pi)
    return lon + d_lon, lat + d_lat


def test_gcj02_tiles_move_points_for_display_and_taps_back(new_context, users, county, login, settings):
    """高德/腾讯 tiles are GCJ-02: a WGS-84 point is drawn where GCJ-02 puts it, a tap is stored as WGS-84."""
    settings.GONGZHI_MAP_CRS = "gcj02"
    give_boundaries(county)
    page = login(new_context("desktop"), users["resident"].username)
    page.goto("/appeals/new/")
    page.wait_for_function("() => document.querySelector('#place-map').dataset.boundaries > 0")
    assert page.evaluate("JSON.parse(document.getElementById('map-config').textContent).crs") == "gcj02"
    for lon, lat in ((116.391305, 39.907658), (112.98, 28.19), (121.4737, 31.2304)):
        shown = page.evaluate(
            "([lon, lat]) => { const p = gcoord.transform([lon, lat], gcoord.WGS84, gcoord.GCJ02);"
            " return p; }",
            [lon, lat],
        )
        expected = _gcj02(lon, lat)
        assert abs(shown[0] - expected[0]) < 1e-6 and abs(shown[1] - expected[1]) < 1e-6
        assert 0.001 < abs(shown[0] - lon) + abs(shown[1] - lat) < 0.02  # GCJ-02 moves a point by 100–700 m
    # a tap where GCJ-02 draws 112.1, 28.2 stores (about) 112.1, 28.2 in WGS-84
    gx, gy = _gcj02(112.1, 28.2)
    # (the map's own click event at that display point: a pixel of a real tap is ≈ 0.004° at this zoom)
    page.evaluate(
        """([lon, lat]) => document.querySelector('#place-map').gongzhiMap.fire('click',
        {latlng: L.latLng(lat, lon)})""",
        [gx, gy],
    )
    expect(page.locator("#place-status")).to_contain_text("幸福社区")
    lon, lat = float(page.input_value("[name=longitude]")), float(page.input_value("[name=latitude]"))
    assert abs(lon - 112.1) < 0.0001 and abs(lat - 28.2) < 0.0001  # unconverted it would be ≈ 0.005° off


@pytest.mark.parametrize("kind", ["mobile", "desktop"])
def test_leaders_map_and_hot_spot_map(
    list_small_hotspots, new_context, shot, users, units, county, make_appeal, login, kind
):
    from gongzhi.insight.models import HotSpot, HotSpotMember

    give_boundaries(county)
    appeals = _placed_appeals(users, units, make_appeal)
    spot = HotSpot.objects.create(label="路灯不亮", heat=3.0, size=2)
    HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal=a) for a in appeals[:2]])
    page = login(new_context(kind), users["leader"].username)
    page.goto("/insight/")
    expect(page.locator("#leaders-map-count")).to_contain_text("3 件有位置的诉求 · 1 个热点")
    assert (
        pins_on(page, "#leaders-map", 4) == 3 + 1
    )  # the appeals, clustered or not, and the hot spot over them
    expect(page.locator("#leaders-map .gz-pin.hot")).to_have_count(1)
    page.locator("#leaders-map-card").scroll_into_view_if_needed()
    shot(page, f"leaders-map-{kind}")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.goto("/insight/hotspots/")
    page.wait_for_function("() => document.querySelector('#hotspot-map').dataset.pins > 0")
    page.locator("#hotspot-map .gz-pin.hot").click()
    expect(page.locator("#hotspot-map .leaflet-popup-content")).to_contain_text("路灯不亮")
    shot(page, f"hotspot-map-{kind}")

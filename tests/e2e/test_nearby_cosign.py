"""Nearby duplicates in a real browser (issue J item 3): a resident types a title like an open appeal in their
community, sees it offered under the form, taps 附议, and the co-sign is recorded; what they typed stays."""

import pytest
from playwright.sync_api import expect

from gongzhi.appeals import services
from gongzhi.insight.models import CoSign

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "小区门口路灯坏了"
CONTENT = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全，请尽快修理。"


def no_sideways(page):
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, (width, inner)


@pytest.mark.parametrize("kind", ["mobile", "desktop"])
def test_resident_sees_the_nearby_appeal_and_cosigns(kind, new_context, shot, users, county, category, login):
    existing, _code = services.submit_appeal(
        users["resident2"],
        kind="complaint",
        channel="mobile",
        title="我叫王建国，小区门口路灯坏了",
        content=CONTENT + "电话13912345678",
        region=county["grid"],
        category=category,
    )
    page = login(new_context(kind), users["resident"].username)
    page.goto("/appeals/new/")
    page.fill("#id_title", TITLE)
    page.fill("#id_content", CONTENT)
    page.select_option("#id_region", str(county["community"].pk))
    item = page.locator(f".nearby-item[data-id='{existing.pk}']")
    expect(item).to_be_visible()
    expect(page.locator(".nearby")).to_contain_text("附近已有人反映过类似问题")
    expect(item).to_contain_text(existing.number)
    expect(item).to_contain_text("同社区")
    assert "王建国" not in item.inner_text() and "13912345678" not in page.content()
    no_sideways(page)
    shot(page, f"resident-nearby-{kind}")
    item.locator("button:has-text('附议')").click()
    expect(item.locator("[role=status]")).to_contain_text("已附议")
    shot(page, f"resident-nearby-cosigned-{kind}")
    sign = CoSign.objects.get()
    assert (sign.appeal_id, sign.resident_id, sign.own_appeal_id) == (existing.pk, users["resident"].pk, None)
    # the typed text is still there, to submit anyway if they want
    assert page.input_value("#id_title") == TITLE and page.input_value("#id_content") == CONTENT
    no_sideways(page)


def test_resident_picks_the_place_on_the_map_then_cosigns_the_nearby_appeal(
    new_context, shot, users, county, category, login, tap_map
):
    """Issue J's whole story on a phone, no tiles: tap the map, the region is chosen, the open appeal of the same
    community with the same problem is offered with its distance from the tapped point, and 附议 records the
    co-sign (a pixel of this map is ≈ 400 m, so the tap lands near, not on, the other appeal)."""
    from decimal import Decimal

    from gongzhi.core.testing import give_boundaries

    give_boundaries(county)
    existing, _code = services.submit_appeal(
        users["resident2"],
        kind="complaint",
        channel="mobile",
        title=TITLE,
        content=CONTENT,
        region=county["grid"],
        category=category,
        longitude=Decimal("112.1002"),
        latitude=Decimal("28.2001"),
    )
    page = login(new_context("mobile"), users["resident"].username)
    page.goto("/appeals/new/")
    page.fill("#id_title", TITLE)
    page.fill("#id_content", CONTENT)
    page.select_option("#id_region", "")
    tap_map(page, "#place-map", 112.1, 28.2)
    expect(page.locator("#place-status")).to_contain_text("幸福社区")
    assert page.input_value("#id_region") == str(county["community"].pk)
    item = page.locator(f".nearby-item[data-id='{existing.pk}']")
    expect(item).to_be_visible()
    expect(item).to_contain_text("米")
    shot(page, "resident-map-then-nearby")
    item.locator("button:has-text('附议')").click()
    expect(item.locator("[role=status]")).to_contain_text("已附议")
    assert CoSign.objects.filter(appeal=existing, resident=users["resident"]).exists()
    no_sideways(page)

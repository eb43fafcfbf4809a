"""附近提醒 in a real browser (issue J item 5): a resident subscribes to their community on a phone, sees the
subscription listed and cancels it; nothing scrolls sideways."""

import pytest
from playwright.sync_api import expect

from gongzhi.insight.models import AlertSubscription

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.mark.parametrize("kind", ["mobile", "desktop"])
def test_resident_subscribes_and_cancels(kind, new_context, shot, users, county, login):
    page = login(new_context(kind), users["resident"].username)
    page.click("a:has-text('附近提醒')")  # linked from the home page
    expect(page.locator("h1")).to_have_text("附近提醒")
    page.check("input[name=scope][value=radius]")
    page.fill("#id_radius_m", "500")
    page.click("button:has-text('订阅')")
    expect(page.locator(".field.has-error").first).to_contain_text("经纬度")  # where the eye is, input kept
    assert page.input_value("#id_radius_m") == "500"
    page.check("input[name=scope][value=community]")
    page.select_option("#id_region", str(county["community"].pk))
    page.check("input[name=frequency][value=daily]")
    page.click("button:has-text('订阅')")
    expect(page.locator("#subscriptions")).to_contain_text("幸福社区")
    expect(page.locator("#subscriptions")).to_contain_text("每日汇总")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner
    shot(page, f"resident-nearby-alerts-{kind}")
    sub = AlertSubscription.objects.get()
    assert (sub.user_id, sub.region_id, sub.frequency) == (
        users["resident"].pk,
        county["community"].pk,
        "daily",
    )
    page.click("#subscriptions button:has-text('取消')")
    expect(page.locator("#subscriptions")).to_contain_text("还没有订阅")
    assert not AlertSubscription.objects.exists()

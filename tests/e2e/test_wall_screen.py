"""The wall screen (大屏, issue L) in a real browser at 1920×1080 and on a smaller projector: dark, filled, no
scrolling, every panel drawn, Chinese throughout, refreshed by itself. Screenshot docs/guide/img/insight-screen.png
with GONGZHI_GUIDE_SCREENSHOTS=1."""

from decimal import Decimal

import pytest

from gongzhi.core.testing import give_boundaries
from gongzhi.insight import live
from gongzhi.insight.models import HotSpot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

STORY = ("丽发新城小区附近搅拌站噪音扰民", "丽发新城小区旁边建搅拌站，日夜施工，噪音和粉尘严重影响居民休息。")


def test_the_wall_screen(
    new_context, shot, settings, users, county, make_appeal, login, browser, live_server
):
    live._INDEXES.clear()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.GONGZHI = {**settings.GONGZHI, "SCREEN_REFRESH_SECONDS": 2}
    give_boundaries(county)
    for i in range(4):
        make_appeal(
            users["resident" if i % 2 else "resident2"],
            title=STORY[0],
            content=f"{STORY[1]}第{i}次反映。",
            longitude=Decimal("112.1") + Decimal(i) / 100,
            latitude=Decimal("28.2"),
        )
    make_appeal(
        title="孩子入学咨询",
        content="请问外地户籍孩子在本区上小学需要准备哪些材料？",
        region=county["other_community"],
        longitude=Decimal("112.65"),
        latitude=Decimal("28.15"),
    )
    spot = HotSpot.objects.get()
    assert spot.title.startswith("丽发新城小区")

    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1920, "height": 1080}, locale="zh-CN"
    )
    page = login(context, "leader1")
    page.goto("/insight/screen/")
    page.wait_for_function("() => document.getElementById('stage').dataset.rendered")
    page.wait_for_function("() => document.querySelectorAll('#stage canvas').length >= 3")
    page.wait_for_selector("#screen-map .gz-pin, #screen-map .gz-cluster")
    page.wait_for_timeout(800)  # the word cloud lays itself out
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert page.inner_text("#kpi-today") == "5"
    assert "丽发新城小区" in page.inner_text("#hotspots")
    assert "位居民反映" in page.inner_text("#hotspots")
    body = page.inner_text("body")
    for word in ("log2", "泊松", "undefined", "NaN", "null"):
        assert word not in body
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(6, 16, 31)"
    shot(page, "insight-screen", full_page=False)

    # It refreshes itself: a new appeal shows on the next fetch without a reload.
    make_appeal(title="路灯不亮", content="幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。")
    page.wait_for_function("() => document.getElementById('kpi-today').textContent === '6'", timeout=10_000)

    # A projector of 1366×768: the same stage, scaled, still without scrolling.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(300)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(page, "insight-screen-1366", full_page=False)
    context.close()

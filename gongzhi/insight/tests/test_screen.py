"""The wall screen (大屏): its data as JSON, its chart options as JSON, the page and who may open it."""

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

from django.urls import reverse

from gongzhi.core.testing import client_for, text
from gongzhi.insight import charts, screen


def test_volume_and_overdue_options_read_from_afar():
    volume = charts.screen_volume({date(2026, 12, 1): 3}, date(2026, 11, 8), date(2026, 12, 7))
    assert volume["yAxis"]["minInterval"] == 1  # whole-number ticks
    assert volume["xAxis"]["data"][0] == "11月8日" and len(volume["series"][0]["data"]) == 30
    assert volume["series"][0]["data"][23] == 3
    overdue = charts.overdue_units(
        [{"unit": "县城市管理和综合执法局", "count": 7}, {"unit": "县住建局", "count": 2}]
    )
    assert overdue["xAxis"]["minInterval"] == 1
    assert overdue["yAxis"]["data"] == ["县住建局", "县城市管理和综合执法局"]  # whole names, most at the top
    assert overdue["yAxis"]["axisLabel"]["overflow"] == "break" and overdue["grid"]["containLabel"]
    assert charts.overdue_units([])["graphic"][0]["style"]["text"] == "目前没有超期诉求"
    json.dumps([volume, overdue, charts.screen_cloud([("搅拌站", 5)])], ensure_ascii=False)
    for option in (volume, overdue):  # Chinese throughout, no formula
        assert "log" not in json.dumps(option, ensure_ascii=False)


def test_the_word_cloud_shows_what_is_new_not_what_is_everywhere():
    baseline = (Counter({"公司": 400, "单位": 300, "搅拌站": 1, "噪音": 30}), 1000)
    texts = [("丽发新城搅拌站噪音扰民", "小区旁边建搅拌站，公司单位都不管。")] * 6 + [
        ("公司拖欠工资", "单位不发工资。")
    ] * 2
    words = dict(charts.emerging_terms(texts, baseline))
    assert "搅拌站" in words and words["搅拌站"] == 6
    assert "公司" not in words and "单位" not in words  # frequent everywhere
    assert all(not any(c.isdigit() for c in w) for w in words)
    # two appeals of forty using a word is chance, not news
    chance = [("路灯不亮", "那么多天了")] * 2 + [("其他问题", "无关内容描述一下")] * 38
    assert "那么" not in dict(charts.emerging_terms(chance, (Counter({"那么": 10}), 1000)))


def test_the_old_dashboard_scale_is_whole_and_labels_whole():
    gauge = charts.overdue_gauge(3, 89)
    series = gauge["series"][0]
    assert series["max"] == 90 and series["splitNumber"] == 5  # ticks 0, 18, 36 … not 17.9, 35.8
    bar = charts.hotspot_bar([{"label": "丽发新城小区 附近的搅拌站噪音严重扰民", "heat": 9.1, "size": 54}])
    assert bar["yAxis"]["data"] == ["丽发新城小区 附近的搅拌站噪音严重扰民"]
    assert bar["xAxis"]["minInterval"] == 1 and bar["series"][0]["data"] == [54]


def test_screen_data_and_page(users, make_appeal, county):
    make_appeal()
    data = screen.screen_data(users["leader"])
    assert data["totals"]["today"] == 1 and data["totals"]["open"] == 1
    assert set(data["charts"]) == {"volume", "overdue", "cloud"}
    assert set(data["rates"]) >= {"response", "resolution", "satisfaction", "callbacks"}
    assert data["heading"].endswith("接诉即办态势")
    for point in data["map"]["appeals"]:
        assert set(point) == {"longitude", "latitude", "light"}  # no titles on a wall
    client = client_for(users["leader"])
    page = client.get(reverse("insight:screen"))
    assert page.status_code == 200 and "接诉即办态势" in text(page)
    body = client.get(reverse("insight:screen_data")).json()
    assert body["totals"]["today"] == 1
    assert client_for(users["handler"]).get(reverse("insight:screen")).status_code == 403
    assert client_for(users["resident"]).get(reverse("insight:screen_data")).status_code in (302, 403)


def test_surges_in_words(users, make_appeal):
    from django.utils import timezone

    from gongzhi.appeals.models import Appeal

    for i in range(6):
        make_appeal(users["resident" if i % 2 else "resident2"], title=f"路灯不亮{i}")
    today = timezone.localdate()
    lines = screen.surge_lines(Appeal.objects.all(), today)
    assert lines and "今日 6 件" in lines[0] and "平时每天约 1 件" in lines[0]
    assert screen.surge_lines(Appeal.objects.all(), today + timedelta(days=5)) == []


def test_the_cloud_is_computed_once_per_ten_minutes(users, make_appeal):
    from unittest import mock

    from django.utils import timezone

    from gongzhi.appeals.models import Appeal

    for i in range(3):
        make_appeal(title=f"搅拌站噪音扰民{i}", content="丽发新城小区旁边建搅拌站，日夜施工，噪音粉尘严重。")
    # the start of a ten-minute period, so that thirty seconds later is still inside it
    start = int(timezone.now().timestamp()) // screen.CLOUD_CACHE_SECONDS * screen.CLOUD_CACHE_SECONDS
    now = datetime.fromtimestamp(start, tz=UTC)
    since = now - timedelta(days=7)
    with mock.patch.object(charts, "emerging_terms", wraps=charts.emerging_terms) as computed:
        first = screen.cloud_terms(Appeal.objects.all(), since, now)
        assert screen.cloud_terms(Appeal.objects.all(), since, now + timedelta(seconds=30)) == first
        assert computed.call_count == 1  # the wall screen's minute: from the cache
        screen.cloud_terms(Appeal.objects.all(), since, now + timedelta(seconds=screen.CLOUD_CACHE_SECONDS))
        assert computed.call_count == 2  # ten minutes on: counted again
    assert "搅拌站" in dict(first)

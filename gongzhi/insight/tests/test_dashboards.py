"""Surges, ECharts options (as JSON) and the leader's dashboard pages."""

import json
from collections import Counter
from datetime import date, timedelta

from django.test import Client
from django.utils import timezone

from gongzhi.appeals.models import Appeal
from gongzhi.insight import charts, surges


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# ---------------------------------------------------------------- surges


def test_poisson_threshold_grows_with_the_baseline():
    assert surges.threshold(0.0) == surges.threshold(surges.MIN_LAMBDA)
    assert surges.threshold(1.0) < surges.threshold(5.0) < surges.threshold(20.0)


def test_detect_flags_a_jump_and_not_a_steady_series():
    day = date(2026, 3, 31)
    steady = {day - timedelta(days=k): 2 for k in range(0, 40)}
    assert surges.detect(steady, day) is None
    jump = dict(steady)
    jump[day] = 12
    alert = surges.detect(jump, day)
    assert alert == {"day": day, "count": 12, "baseline": 2.0, "threshold": surges.threshold(2.0)}
    # a couple of appeals on a quiet series is not a surge (MIN_COUNT)
    assert surges.detect({day: 2}, day) is None
    assert surges.detect({day: 3}, day)["count"] == 3


def test_scan_and_false_alarm_rate():
    start = date(2026, 1, 1)
    events = [("a", start + timedelta(days=k)) for k in range(60)]  # one a day
    events += [("b", start + timedelta(days=50))] * 6
    found = surges.scan(events, [start + timedelta(days=50)])
    assert [a["key"] for a in found] == ["b"]
    rate = surges.false_alarm_rate(events)
    assert rate["series"] == 2 and rate["alerts"] == 0 and rate["series_days"] == 60 - surges.BASELINE_DAYS


def test_appeal_alerts_on_the_database(make_appeal, users):
    for _ in range(4):
        make_appeal()
    found = surges.appeal_alerts(Appeal.objects.all())
    assert found and found[0]["key"] == ("城乡建设", "东风街道") and found[0]["count"] == 4
    html = login(users["leader"]).get("/insight/alerts/").content.decode()
    assert "东风街道" in html and "城乡建设" in html
    assert login(users["resident"]).get("/insight/alerts/").status_code == 403
    assert login(users["handler"]).get("/insight/alerts/").status_code == 403


# ---------------------------------------------------------------- chart options


def test_chart_options_are_json():
    start = date(2026, 3, 1)
    vol = charts.volume_trend({start + timedelta(days=2): 5}, start, start + timedelta(days=6))
    assert vol["series"][0]["data"] == [0, 0, 5, 0, 0, 0, 0] and len(vol["xAxis"]["data"]) == 7
    mix = charts.category_mix({"城乡建设": 3, "环境保护": 5})
    assert [d["name"] for d in mix["series"][0]["data"]] == ["环境保护", "城乡建设"]
    tree = charts.region_treemap({"东风街道": {"幸福社区": 2, "街道本级": 1}})
    assert tree["series"][0]["data"][0]["value"] == 3 and len(tree["series"][0]["data"][0]["children"]) == 2
    bar = charts.hotspot_bar(
        [{"label": "甲", "heat": 5.0, "size": 3}, {"label": "乙", "heat": 3.0, "size": 2}]
    )
    assert bar["yAxis"]["data"] == ["乙", "甲"] and bar["series"][0]["data"] == [
        2,
        3,
    ]  # appeals, not the index
    rates = charts.rates_ranking(
        [{"name": "县住建局", "response": 0.5, "resolution": None, "satisfaction": 1}]
    )
    assert [s["data"] for s in rates["series"]] == [[50.0], [None], [100.0]]
    gauge = charts.overdue_gauge(2, 10)
    assert gauge["series"][0]["data"][0]["value"] == 2 and gauge["series"][0]["max"] == 10
    for option in (vol, mix, tree, bar, rates, gauge, charts.sparkline([1, 2])):
        assert json.loads(json.dumps(option)) == option


def test_an_empty_hot_spot_chart_says_so():
    assert charts.hotspot_bar([])["graphic"][0]["style"]["text"] == "暂无热点问题"
    assert charts.hotspot_bar([{"label": "甲", "heat": 5.0, "size": 3}])["graphic"] == []


def test_the_word_cloud_leaves_out_salutations_and_pronouns():
    texts = [
        ("尊敬的领导，路灯坏了", "他们说今年修，至今没修。"),
        ("尊敬的局长，路灯坏了", "自己去问过，还是没修。"),
        ("尊敬的主任，路灯坏了", "大家都说没人管。"),
    ]
    words = dict(charts.emerging_terms(texts, (Counter(), 0)))
    assert words.get("路灯") == 3
    assert not {"尊敬", "他们", "今年", "自己", "局长"} & set(words)


def test_dashboard_data_counts(make_appeal, users, county):
    make_appeal()
    make_appeal(region=county["other_community"])
    data = charts.dashboard_data(Appeal.objects.all())
    assert data["totals"]["recent"] == 2 and data["totals"]["open"] == 2
    assert sum(data["charts"]["volume"]["series"][0]["data"]) == 2
    today = timezone.localdate().strftime("%m-%d")
    assert data["charts"]["volume"]["xAxis"]["data"][-1] == today
    streets = {d["name"]: d["value"] for d in data["charts"]["regions"]["series"][0]["data"]}
    assert streets == {"东风街道": 1, "西湖街道": 1}
    one = charts.dashboard_data(Appeal.objects.all(), street=county["street"])
    assert one["totals"]["recent"] == 1
    json.dumps(data["charts"])


def test_overview_and_street_pages(make_appeal, users, county):
    make_appeal()
    leader = login(users["leader"])
    html = leader.get("/insight/").content.decode()
    for name in ("volume", "categories", "regions", "hotspots", "rates", "overdue", "forecast", "wordcloud"):
        assert f'id="chart-{name}"' in html and f'id="opt-{name}"' in html
    assert "echarts-5.6.0.min.js" in html and "echarts-wordcloud-2.1.0.min.js" in html
    html = leader.get(f"/insight/street/{county['street'].pk}/").content.decode()
    assert "东风街道 诉求态势" in html
    assert leader.get(f"/insight/street/{county['community'].pk}/").status_code == 404
    assert leader.get("/insight/street/999999/").status_code == 404
    assert login(users["resident"]).get("/insight/").status_code == 403
    assert "/insight/" in leader.get("/").content.decode()
    assert 'href="/insight/"' not in login(users["resident"]).get("/").content.decode()

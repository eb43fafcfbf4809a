"""The 7-day forecast per category (insight/forecast.py), its back-test, its chart option and its API; the word
cloud option from the appeals' key terms."""

import json
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.appeals.models import Appeal
from gongzhi.insight import charts, forecast

MONDAY = date(2026, 3, 2)


def weekly(weeks: int, weekday_counts=(6, 6, 6, 6, 6, 1, 1)) -> list[int]:
    """A series starting on a Monday with the office week's shape."""
    return [weekday_counts[k % 7] for k in range(7 * weeks)]


def test_methods_on_a_weekly_series():
    history = weekly(8)
    start = MONDAY + timedelta(days=len(history))  # a Monday
    assert list(forecast.naive(history, start)) == [1.0] * 7
    assert forecast.mean7(history, start)[0] == pytest.approx(32 / 7)
    assert list(forecast.seasonal_naive(history, start)) == [6, 6, 6, 6, 6, 1, 1]
    profile = forecast.weekday_profile(history, start)
    # level × weekday factor shrunk half way to 1: weekdays above the mean, weekends below it
    level = 32 / 7
    assert profile[0] == pytest.approx(level * (1 + 0.5 * (6 / level - 1)))
    assert profile[5] == pytest.approx(level * (1 + 0.5 * (1 / level - 1)))
    assert profile[0] > level > profile[6]
    assert list(forecast.weekday_profile([], start)) == [0.0] * 7
    assert len(forecast.weekday_profile([3, 4], start, horizon=3)) == 3


def test_backtest_prefers_the_weekday_profile_on_a_noisy_weekly_series():
    rng = np.random.default_rng(7)
    series = rng.poisson(weekly(30, (8, 8, 8, 8, 8, 2, 2)))
    result = forecast.backtest(series, MONDAY)
    assert set(result) == set(forecast.METHODS)
    assert result["naive"]["origins"] == 30 * 7 - forecast.PROFILE_WEEKS * 7 - 7 + 1
    assert result["weekday_profile"]["mae"] < result["seasonal_naive"]["mae"]
    assert result["weekday_profile"]["mae"] < result["mean7"]["mae"] < result["naive"]["mae"]


def test_forecast_by_category():
    today = MONDAY + timedelta(days=56)
    events = [("城乡建设", MONDAY + timedelta(days=k)) for k in range(56) for _ in range(2)]
    events += [("环境保护", today - timedelta(days=1))]
    events += [("城乡建设", today)]  # today is partial: not in the history
    fc = forecast.forecast_by_category(events, today)
    assert fc["method"] == "weekday_profile" and fc["start"] == today.isoformat()
    assert fc["days"] == [(today + timedelta(days=k)).isoformat() for k in range(7)]
    assert [c["name"] for c in fc["categories"]] == ["城乡建设", "环境保护"]
    build = fc["categories"][0]
    assert build["last_7_days"] == 14 and build["forecast"] == [2.0] * 7 and build["total"] == 14.0
    assert all(v >= 0 for c in fc["categories"] for v in c["forecast"])


def test_forecast_and_word_cloud_options_are_json():
    fc = forecast.forecast_by_category([("教育文体", MONDAY)], MONDAY + timedelta(days=1))
    option = charts.forecast_bars(fc)
    assert option["xAxis"]["data"] == ["教育文体"]
    assert option["series"][0]["data"] == [1] and option["series"][1]["name"].startswith("未来7天预测")
    assert option["graphic"] == []
    assert (
        charts.forecast_bars({"categories": [], "days": []})["graphic"][0]["style"]["text"]
        == "数据不足，暂无预测"
    )
    terms = charts.emerging_terms(
        [
            ("小区违章建筑没人管", "幸福小区一楼住户违章搭建，占用消防通道。"),
            ("违章搭建占用消防通道", "3栋违章搭建"),
            ("又见违章搭建", "楼顶违章搭建没人拆。"),
        ],
        (Counter(), 0),
    )
    words = dict(terms)
    assert words["违章"] == 3 and "的" not in words
    cloud = charts.word_cloud(terms)
    series = cloud["series"][0]
    assert series["type"] == "wordCloud" and series["data"][0]["name"] == terms[0][0]
    assert series["data"][0]["value"] == terms[0][1] and "color" in series["data"][0]["textStyle"]
    assert charts.word_cloud([])["graphic"][0]["style"]["text"] == "近期没有明显突出的词"
    for o in (option, cloud):
        assert json.loads(json.dumps(o, ensure_ascii=False)) == o


def test_dashboard_has_forecast_and_word_cloud(make_appeal, users, county):
    yesterday = timezone.now() - timedelta(days=1)
    for _ in range(3):
        a = make_appeal()
        Appeal.objects.filter(pk=a.pk).update(received_at=yesterday)
    data = charts.dashboard_data(Appeal.objects.all())
    fc = data["charts"]["forecast"]
    assert fc["xAxis"]["data"] == ["城乡建设"] and fc["series"][0]["data"] == [3]
    cloud = {d["name"]: d["value"] for d in data["charts"]["wordcloud"]["series"][0]["data"]}
    assert cloud["路灯"] == 3


def test_forecast_api(make_appeal, users, county):
    make_appeal()
    leader = APIClient()
    leader.force_authenticate(users["leader"])
    body = leader.get("/api/v1/insight/forecast/").json()
    assert body["method"] == "weekday_profile" and len(body["days"]) == 7
    assert leader.get(f"/api/v1/insight/forecast/?street={county['street'].pk}").status_code == 200
    bad = leader.get(f"/api/v1/insight/forecast/?street={county['community'].pk}")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"
    assert leader.get("/api/v1/insight/forecast/?street=abc").status_code == 400
    handler = APIClient()
    handler.force_authenticate(users["handler"])
    assert handler.get("/api/v1/insight/forecast/").status_code == 403
    assert Client().get("/api/v1/insight/forecast/").status_code in (401, 403)

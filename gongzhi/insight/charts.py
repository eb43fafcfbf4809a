"""ECharts options built in Python (plain dicts, JSON-serialisable; the templates only call echarts.setOption).

Every function takes already-computed data (querysets are read in `dashboard_data`), so the options are
tested as JSON without a browser.
"""

from collections import Counter
from datetime import date, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from gongzhi.core.choices import RegionLevel

PALETTE = ["#c0392b", "#2e86de", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#d35400", "#7f8c8d"]


def volume_trend(daily: dict[date, int], start: date, end: date) -> dict:
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    return {
        "color": PALETTE, "title": {"text": "诉求量趋势", "left": "center"},
        "tooltip": {"trigger": "axis"}, "grid": {"left": 40, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [{"name": "诉求量", "type": "line", "smooth": True, "areaStyle": {},
                    "data": [daily.get(d, 0) for d in days]}],
    }


def category_mix(counts: dict[str, int]) -> dict:
    data = [{"name": k, "value": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {
        "color": PALETTE, "title": {"text": "诉求分类构成", "left": "center"},
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "series": [{"name": "分类", "type": "pie", "radius": ["35%", "65%"], "top": 30, "data": data}],
    }


def region_treemap(tree: dict[str, dict[str, int]]) -> dict:
    """tree: street name → {community name → count}."""
    data = [{"name": street, "value": sum(children.values()),
             "children": [{"name": c, "value": v} for c, v in sorted(children.items())]}
            for street, children in sorted(tree.items())]
    return {
        "color": PALETTE, "title": {"text": "各街道、社区诉求分布", "left": "center"}, "tooltip": {},
        "series": [{"name": "全县", "type": "treemap", "top": 35, "roam": False, "leafDepth": 2,
                    "label": {"show": True, "formatter": "{b}\n{c}"}, "data": data}],
    }


def hotspot_bar(spots: list[dict]) -> dict:
    """spots: [{"label", "heat", "size"}] best first."""
    spots = list(reversed(spots[:10]))
    return {
        "color": PALETTE, "title": {"text": "热点问题热度", "left": "center"}, "tooltip": {"trigger": "axis"},
        "grid": {"left": 150, "right": 30, "top": 40, "bottom": 20},
        "graphic": [] if spots else _empty("暂无热点问题"),
        "xAxis": {"type": "value"},
        "yAxis": {"type": "category", "data": [s["label"][:14] or "—" for s in spots]},
        "series": [{"name": "热度", "type": "bar", "data": [round(s["heat"], 2) for s in spots]}],
    }


def sparkline(values: list[int]) -> dict:
    return {"grid": {"left": 0, "right": 0, "top": 2, "bottom": 2}, "xAxis": {"type": "category", "show": False},
            "yAxis": {"type": "value", "show": False, "minInterval": 1},
            "series": [{"type": "bar", "data": values, "barCategoryGap": "10%"}]}


def rates_ranking(rows: list[dict]) -> dict:
    """rows: [{"name", "response", "resolution", "satisfaction"}] with rates in [0, 1] or None."""
    names = [r["name"] for r in rows][:15]

    def pct(v):
        return None if v is None else round(float(v) * 100, 1)

    series = [{"name": label, "type": "bar", "data": [pct(r[key]) for r in rows[:15]]}
              for key, label in (("response", "响应率"), ("resolution", "解决率"), ("satisfaction", "满意率"))]
    empty = [] if names else [{"type": "text", "left": "center", "top": "middle",
                               "style": {"text": "本月暂无回访数据", "fill": "#94a3b8", "fontSize": 16}}]
    return {"color": PALETTE, "title": {"text": "三率排名", "left": "center"}, "tooltip": {"trigger": "axis"},
            "graphic": empty,
            "legend": {"top": 25}, "grid": {"left": 40, "right": 20, "top": 60, "bottom": 60},
            "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
            "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}}, "series": series}


def overdue_gauge(red: int, open_count: int) -> dict:
    return {"title": {"text": "超期督办", "left": "center"},
            "series": [{"type": "gauge", "min": 0, "max": max(open_count, 1), "progress": {"show": True},
                        "detail": {"formatter": f"{red} 件超期", "fontSize": 16, "offsetCenter": [0, "70%"]},
                        "title": {"offsetCenter": [0, "95%"]},
                        "data": [{"value": red, "name": f"办理中 {open_count} 件"}]}]}


def _empty(text: str) -> list[dict]:
    return [{"type": "text", "left": "center", "top": "middle",
             "style": {"text": text, "fill": "#94a3b8", "fontSize": 16}}]


def forecast_bars(fc: dict) -> dict:
    """fc: forecast.forecast_by_category(...): last 7 days against the next 7 days' forecast, per category."""
    cats = fc["categories"]
    days = fc["days"]
    span = f"{days[0][5:]}～{days[-1][5:]}" if days else ""
    return {"color": ["#7f8c8d", "#2e86de"], "title": {"text": "未来7天诉求量预测", "left": "center"},
            "tooltip": {"trigger": "axis"}, "legend": {"top": 25},
            "graphic": [] if cats else _empty("数据不足，暂无预测"),
            "grid": {"left": 40, "right": 20, "top": 60, "bottom": 60},
            "xAxis": {"type": "category", "data": [c["name"] for c in cats], "axisLabel": {"rotate": 30}},
            "yAxis": {"type": "value", "minInterval": 1},
            "series": [{"name": "近7天实际", "type": "bar", "data": [c["last_7_days"] for c in cats]},
                       {"name": f"未来7天预测 {span}", "type": "bar", "data": [c["total"] for c in cats]}]}


# Words frequent in every kind of appeal that say nothing about what is asked (salutations, pronouns, times,
# connectives, titles of the addressee): the hot-spot key words need not drop them (they are weighted by how
# rare they are), but in a word cloud by plain frequency they crowd out the subjects ("尊敬" came first).
CLOUD_STOP = frozenset("""尊敬 你们 他们 她们 自己 大家 工作 人员 作为 就是 不是 不能 无法 只有 还有 可是 由于 导致 造成 通过 根据
经过 直接 所有 任何 很多 很大 这么 这种 几个 两个 一名 一家 一事 一年 多年 几年 今年 去年 今天 每天 以来 以前 最近 当时 时候
时间 月份 左右 开始 发现 发生 看到 知道 存在 影响 原因 事情 地方 位于 部分 普通 正常 经常 重视 请求 回复 告知 不到 厅长 局长
主任""".split())


def key_terms(texts, top: int = 80) -> list[tuple[str, int]]:
    """texts: (title, content) pairs. The content words (jieba, stop-words and place prefixes dropped, as the
    hot-spot labels use, and CLOUD_STOP) in the most appeals, with that number of appeals, most frequent first."""
    from .hotspots import content_terms

    counts: Counter = Counter()
    for title, content in texts:
        counts.update(content_terms(title or "", content or "") - CLOUD_STOP)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:top]


def word_cloud(terms: list[tuple[str, int]]) -> dict:
    """Drawn by the vendored echarts-wordcloud 2.1.0 (series type "wordCloud")."""
    data = [{"name": w, "value": n, "textStyle": {"color": PALETTE[i % len(PALETTE)]}}
            for i, (w, n) in enumerate(terms)]
    return {"title": {"text": "诉求关键词", "left": "center"}, "tooltip": {"show": True},
            "graphic": [] if data else _empty("暂无诉求"),
            "series": [{"type": "wordCloud", "shape": "circle", "left": "center", "top": 35, "width": "95%",
                        "height": "85%", "sizeRange": [12, 44], "rotationRange": [0, 0], "gridSize": 6,
                        "drawOutOfBound": False, "layoutAnimation": False,
                        "emphasis": {"focus": "self"}, "data": data}]}


# ------------------------------------------------------------------ data from the database


def dashboard_data(queryset, *, days: int = 30, street=None) -> dict:
    """Every dashboard's options over the appeals of `queryset` (already limited to what the user may see)."""
    from gongzhi.appeals import rates
    from gongzhi.appeals.choices import OPEN_STATES, Light
    from gongzhi.appeals.selectors import light_q

    from .models import HotSpot

    now = timezone.now()
    today = timezone.localdate()
    start = today - timedelta(days=days - 1)
    if street is not None:
        queryset = queryset.filter(region__path__startswith=street.path)
    recent = queryset.filter(received_at__date__gte=start)
    daily = {row["day"]: row["n"] for row in recent.annotate(day=TruncDate("received_at"))
             .values("day").annotate(n=Count("pk"))}
    mix: Counter = Counter()
    tree: dict[str, Counter] = {}
    for a in recent.select_related("category__parent__parent", "region__parent__parent__parent"):
        mix[a.category.top.name if a.category_id else "未分类"] += 1
        street_r = a.region.ancestor_at(RegionLevel.STREET)
        community = a.region.ancestor_at(RegionLevel.COMMUNITY)
        tree.setdefault(street_r.name if street_r else a.region.name, Counter())[
            community.name if community else "街道本级"] += 1
    visible_ids = queryset.values("pk")
    spots = [{"label": h.title, "heat": h.heat, "size": h.size}
             for h in HotSpot.objects.filter(members__appeal__in=visible_ids).distinct()[:10]]
    # This month so far: the whole month's bounds (nothing is dated after now), so the monthly counters answer.
    result = rates.ranking(*rates.month_bounds(f"{today:%Y-%m}"), by="street")
    rate_rows = [{"name": m.name, "response": m.response.value, "resolution": m.resolution.value,
                  "satisfaction": m.satisfaction.value} for m in [*result["ranked"], *result["small_sample"]]]
    from . import forecast

    fc = forecast.appeal_forecast(queryset, today)
    terms = key_terms(recent.order_by("-received_at").values_list("title", "content")[:2000])
    open_count = queryset.filter(state__in=OPEN_STATES).count()
    red = queryset.filter(light_q(Light.RED, now)).count()
    return {
        "totals": {"recent": recent.count(), "open": open_count, "red": red, "hotspots": len(spots)},
        "charts": {
            "volume": volume_trend(daily, start, today),
            "categories": category_mix(dict(mix)),
            "regions": region_treemap({k: dict(v) for k, v in tree.items()}),
            "hotspots": hotspot_bar(spots),
            "rates": rates_ranking(rate_rows),
            "overdue": overdue_gauge(red, open_count),
            "forecast": forecast_bars(fc),
            "wordcloud": word_cloud(terms),
        },
    }

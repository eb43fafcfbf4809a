"""ECharts options built in Python (plain dicts, JSON-serialisable; the templates only call echarts.setOption).

Every function takes already-computed data (querysets are read in `dashboard_data`), so the options are
tested as JSON without a browser.
"""

import math
import re
from collections import Counter
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from gongzhi.core.choices import RegionLevel

PALETTE = ["#c0392b", "#2e86de", "#27ae60", "#f39c12", "#8e44ad", "#16a085", "#d35400", "#7f8c8d"]


def volume_trend(daily: dict[date, int], start: date, end: date) -> dict:
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    return {
        "color": PALETTE,
        "title": {"text": "诉求量趋势", "left": "center"},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 40, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": [d.strftime("%m-%d") for d in days]},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {
                "name": "诉求量",
                "type": "line",
                "smooth": True,
                "areaStyle": {},
                "data": [daily.get(d, 0) for d in days],
            }
        ],
    }


def category_mix(counts: dict[str, int]) -> dict:
    data = [{"name": k, "value": v} for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return {
        "color": PALETTE,
        "title": {"text": "诉求分类构成", "left": "center"},
        "tooltip": {"trigger": "item", "formatter": "{b}: {c} ({d}%)"},
        "series": [{"name": "分类", "type": "pie", "radius": ["35%", "65%"], "top": 30, "data": data}],
    }


def region_treemap(tree: dict[str, dict[str, int]]) -> dict:
    """tree: street name → {community name → count}."""
    data = [
        {
            "name": street,
            "value": sum(children.values()),
            "children": [{"name": c, "value": v} for c, v in sorted(children.items())],
        }
        for street, children in sorted(tree.items())
    ]
    return {
        "color": PALETTE,
        "title": {"text": "各街道、社区诉求分布", "left": "center"},
        "tooltip": {},
        "series": [
            {
                "name": "全县",
                "type": "treemap",
                "top": 35,
                "roam": False,
                "leafDepth": 2,
                "label": {"show": True, "formatter": "{b}\n{c}"},
                "data": data,
            }
        ],
    }


def hotspot_bar(spots: list[dict]) -> dict:
    """spots: [{"label", "heat", "size"}] best first. The bars are the number of appeals (a count people read, on
    whole-number ticks), the labels whole: wrapped onto a second line, never cut."""
    spots = list(reversed(spots[:10]))
    return {
        "color": PALETTE,
        "title": {"text": "热点问题（诉求件数）", "left": "center"},
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 10, "right": 30, "top": 40, "bottom": 20, "containLabel": True},
        "graphic": [] if spots else _empty("暂无热点问题"),
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {
            "type": "category",
            "data": [s["label"] or "—" for s in spots],
            "axisLabel": {"width": 170, "overflow": "break", "lineHeight": 14},
        },
        "series": [{"name": "诉求件数", "type": "bar", "data": [s["size"] for s in spots]}],
    }


def sparkline(values: list[int]) -> dict:
    return {
        "grid": {"left": 0, "right": 0, "top": 2, "bottom": 2},
        "xAxis": {"type": "category", "show": False},
        "yAxis": {"type": "value", "show": False, "minInterval": 1},
        "series": [{"type": "bar", "data": values, "barCategoryGap": "10%"}],
    }


def rates_ranking(rows: list[dict]) -> dict:
    """rows: [{"name", "response", "resolution", "satisfaction"}] with rates in [0, 1] or None."""
    names = [r["name"] for r in rows][:15]

    def pct(v):
        return None if v is None else round(float(v) * 100, 1)

    series = [
        {"name": label, "type": "bar", "data": [pct(r[key]) for r in rows[:15]]}
        for key, label in (("response", "响应率"), ("resolution", "解决率"), ("satisfaction", "满意率"))
    ]
    empty = (
        []
        if names
        else [
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {"text": "本月暂无回访数据", "fill": "#94a3b8", "fontSize": 16},
            }
        ]
    )
    return {
        "color": PALETTE,
        "title": {"text": "三率排名", "left": "center"},
        "tooltip": {"trigger": "axis"},
        "graphic": empty,
        "legend": {"top": 25},
        "grid": {"left": 40, "right": 20, "top": 60, "bottom": 60},
        "xAxis": {"type": "category", "data": names, "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
        "series": series,
    }


def overdue_gauge(red: int, open_count: int) -> dict:
    """Overdue among the open appeals; the scale is five whole steps (ticks 0, 4, 8… not 17.9, 35.8)."""
    step = max(1, -(-open_count // 5))
    return {
        "title": {"text": "超期督办", "left": "center"},
        "series": [
            {
                "type": "gauge",
                "min": 0,
                "max": step * 5,
                "splitNumber": 5,
                "progress": {"show": True},
                "axisLabel": {"formatter": "{value}"},
                "detail": {"formatter": f"{red} 件超期", "fontSize": 16, "offsetCenter": [0, "70%"]},
                "title": {"offsetCenter": [0, "95%"]},
                "data": [{"value": red, "name": f"办理中 {open_count} 件"}],
            }
        ],
    }


def _empty(text: str) -> list[dict]:
    return [
        {
            "type": "text",
            "left": "center",
            "top": "middle",
            "style": {"text": text, "fill": "#94a3b8", "fontSize": 16},
        }
    ]


def forecast_bars(fc: dict) -> dict:
    """fc: forecast.forecast_by_category(...): last 7 days against the next 7 days' forecast, per category."""
    cats = fc["categories"]
    days = fc["days"]
    span = f"{days[0][5:]}～{days[-1][5:]}" if days else ""
    return {
        "color": ["#7f8c8d", "#2e86de"],
        "title": {"text": "未来7天诉求量预测", "left": "center"},
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 25},
        "graphic": [] if cats else _empty("数据不足，暂无预测"),
        "grid": {"left": 40, "right": 20, "top": 60, "bottom": 60},
        "xAxis": {"type": "category", "data": [c["name"] for c in cats], "axisLabel": {"rotate": 30}},
        "yAxis": {"type": "value", "minInterval": 1},
        "series": [
            {"name": "近7天实际", "type": "bar", "data": [c["last_7_days"] for c in cats]},
            {"name": f"未来7天预测 {span}", "type": "bar", "data": [c["total"] for c in cats]},
        ],
    }


# Words frequent in every kind of appeal that say nothing about what is asked (salutations, pronouns, times,
# connectives, titles of the addressee): the hot-spot key words need not drop them (they are weighted by how
# rare they are), but in a word cloud by plain frequency they crowd out the subjects ("尊敬" came first).
CLOUD_STOP = frozenset(
    """尊敬 你们 他们 她们 自己 大家 工作 人员 作为 就是 不是 不能 无法 只有 还有 可是 由于 导致 造成 通过 根据
经过 直接 所有 任何 很多 很大 这么 这种 几个 两个 一名 一家 一事 一年 多年 几年 今年 去年 今天 每天 以来 以前 最近 当时 时候
时间 月份 左右 开始 发现 发生 看到 知道 存在 影响 原因 事情 地方 位于 部分 普通 正常 经常 重视 请求 回复 告知 不到 厅长 局长
主任 附近 旁边 周边 对面 门口 楼下 第一 第二 日夜 每次 一次 再次 反复 不要 那么 整个 只要 是不是 收到 尽快 管管 到位 落实
一个月 一下 帮忙 谢谢 麻烦 怎么办 为什么 什么 这样 那样 大人 小孩""".split()
)


def emerging_terms(
    texts,
    baseline: tuple[Counter, int],
    top: int = 40,
    min_ratio: float = 2.0,
    max_share: float = 0.1,
    min_g2: float = 10.83,
) -> list[tuple[str, int]]:
    """The words of the period's appeals ((title, content) pairs) that are over-represented against the long-run
    `baseline` (document frequencies, number of documents): in at least max(3, 0.5 %) of the period's appeals, at
    least `min_ratio` times as often as in the baseline, more often than chance allows (Dunning's log-likelihood
    G² ≥ 10.83, p < 0.001: two appeals of forty using "那么" is chance, not news), and not in more than `max_share`
    of the baseline's appeals (a word frequent everywhere says nothing about now: 国家, 公司, 单位). Ranked by G²;
    returns (word, appeals in the period). Without a baseline: the period's most frequent words."""
    counts: Counter = Counter()
    n = 0
    for title, content in texts:
        n += 1
        counts.update(_cloud_terms(title, content))
    doc_freq, m = baseline
    floor = max(3, n // 200)
    scored: list[tuple[float, str, int]] = []
    for term, a in counts.items():
        if a < floor:
            continue
        if not m:
            scored.append((-a, term, a))
            continue
        b = doc_freq.get(term, 0)
        if b / m > max_share or ((a + 0.5) / (n + 1)) / ((b + 0.5) / (m + 1)) < min_ratio:
            continue
        g2 = _log_likelihood(a, n, b, m)
        if g2 >= min_g2:
            scored.append((-g2, term, a))
    return [(term, a) for _, term, a in sorted(scored)[:top]]


def _log_likelihood(a: int, n: int, b: int, m: int) -> float:
    """Dunning's G² of a word in a of n documents against b of m (the 2×2 table of with/without the word)."""
    total, k = n + m, a + b
    cells = (
        (a, n * k / total),
        (n - a, n * (total - k) / total),
        (b, m * k / total),
        (m - b, m * (total - k) / total),
    )
    return 2 * sum(o * math.log(o / e) for o, e in cells if o > 0 and e > 0)


def _cloud_terms(title, content) -> frozenset:
    from .hotspots import content_terms

    return frozenset(
        t for t in content_terms(title or "", content or "") - CLOUD_STOP if not re.search(r"\d|[A-Za-z]", t)
    )  # numbers, house numbers and codes are not subjects


def word_cloud(terms: list[tuple[str, int]], title: str = "近期突出问题词") -> dict:
    """Drawn by the vendored echarts-wordcloud 2.1.0 (series type "wordCloud")."""
    data = [
        {"name": w, "value": n, "textStyle": {"color": PALETTE[i % len(PALETTE)]}}
        for i, (w, n) in enumerate(terms)
    ]
    return {
        "title": {"text": title, "left": "center"},
        "tooltip": {"show": True},
        "graphic": [] if data else _empty("近期没有明显突出的词"),
        "series": [
            {
                "type": "wordCloud",
                "shape": "circle",
                "left": "center",
                "top": 35,
                "width": "95%",
                "height": "85%",
                "sizeRange": [12, 44],
                "rotationRange": [0, 0],
                "gridSize": 6,
                "drawOutOfBound": False,
                "layoutAnimation": False,
                "emphasis": {"focus": "self"},
                "data": data,
            }
        ],
    }


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
    daily = {
        row["day"]: row["n"]
        for row in recent.annotate(day=TruncDate("received_at")).values("day").annotate(n=Count("pk"))
    }
    mix: Counter = Counter()
    tree: dict[str, Counter] = {}
    for a in recent.select_related("category__parent__parent", "region__parent__parent__parent"):
        mix[a.category.top.name if a.category_id else "未分类"] += 1
        street_r = a.region.ancestor_at(RegionLevel.STREET)
        community = a.region.ancestor_at(RegionLevel.COMMUNITY)
        tree.setdefault(street_r.name if street_r else a.region.name, Counter())[
            community.name if community else "街道本级"
        ] += 1
    visible_ids = queryset.values("pk")
    spots = [
        {"label": h.title, "heat": h.heat, "size": h.size}
        for h in HotSpot.objects.filter(members__appeal__in=visible_ids).distinct()[:10]
    ]
    # This month so far: the whole month's bounds (nothing is dated after now), so the monthly counters answer.
    result = rates.ranking(*rates.month_bounds(f"{today:%Y-%m}"), by="street")
    rate_rows = [
        {
            "name": m.name,
            "response": m.response.value,
            "resolution": m.resolution.value,
            "satisfaction": m.satisfaction.value,
        }
        for m in [*result["ranked"], *result["small_sample"]]
    ]
    from . import forecast

    fc = forecast.appeal_forecast(queryset, today)
    from . import screen

    since = timezone.make_aware(datetime.combine(start, time.min))  # the period's first local midnight
    terms = screen.cloud_terms(queryset, since, now)
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


# ------------------------------------------------------------------ the wall screen (大屏): dark, read from afar

SCREEN_TEXT = "#dbe7f5"
SCREEN_AXIS = {
    "axisLabel": {"color": SCREEN_TEXT, "fontSize": 18},
    "axisLine": {"lineStyle": {"color": "#5b7391"}},
    "splitLine": {"lineStyle": {"color": "#1f3a5a"}},
}


def _screen_title(text: str) -> dict:
    return {
        "text": text,
        "left": 8,
        "top": 4,
        "textStyle": {"color": SCREEN_TEXT, "fontSize": 24, "fontWeight": 600},
    }


def screen_volume(daily: dict[date, int], start: date, end: date) -> dict:
    """The last 30 days' appeals per day: whole-number ticks, a date every week."""
    days = [start + timedelta(days=k) for k in range((end - start).days + 1)]
    return {
        "backgroundColor": "transparent",
        "color": ["#4cc3ff"],
        "title": _screen_title("近30天诉求量"),
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 16, "right": 24, "top": 56, "bottom": 12, "containLabel": True},
        "xAxis": {
            "type": "category",
            "data": [f"{d.month}月{d.day}日" for d in days],
            "boundaryGap": False,
            **SCREEN_AXIS,
            "axisLabel": {"color": SCREEN_TEXT, "fontSize": 18, "interval": 6},
        },
        "yAxis": {"type": "value", "minInterval": 1, **SCREEN_AXIS},
        "series": [
            {
                "name": "诉求量",
                "type": "line",
                "smooth": True,
                "symbol": "none",
                "lineStyle": {"width": 4},
                "areaStyle": {"opacity": 0.25},
                "data": [daily.get(d, 0) for d in days],
            }
        ],
    }


def overdue_units(rows: list[dict]) -> dict:
    """rows: [{"unit", "count"}] most first: overdue open appeals by lead unit; names whole (wrapped), ticks whole."""
    rows = list(reversed(rows))
    return {
        "backgroundColor": "transparent",
        "color": ["#ff6b5b"],
        "title": _screen_title("各单位超期诉求"),
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 16, "right": 48, "top": 56, "bottom": 8, "containLabel": True},
        "graphic": []
        if rows
        else [
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {"text": "目前没有超期诉求", "fill": "#8fb3d9", "fontSize": 26},
            }
        ],
        "xAxis": {"type": "value", "minInterval": 1, **SCREEN_AXIS},
        "yAxis": {
            "type": "category",
            "data": [r["unit"] for r in rows],
            **SCREEN_AXIS,
            "axisLabel": {
                "color": SCREEN_TEXT,
                "fontSize": 17,
                "width": 280,
                "overflow": "break",
                "interval": 0,
            },
        },
        "series": [
            {
                "name": "超期件数",
                "type": "bar",
                "barMaxWidth": 26,
                "data": [r["count"] for r in rows],
                "label": {"show": True, "position": "right", "color": SCREEN_TEXT, "fontSize": 18},
            }
        ],
    }


def screen_cloud(terms: list[tuple[str, int]]) -> dict:
    colors = ["#4cc3ff", "#ffd166", "#ff8a5b", "#7ee08a", "#c59cff", "#5ee6d0"]
    data = [
        {"name": w, "value": n, "textStyle": {"color": colors[i % len(colors)]}}
        for i, (w, n) in enumerate(terms)
    ]
    return {
        "backgroundColor": "transparent",
        "title": _screen_title("近7天突出问题词（与往常相比）"),
        "graphic": []
        if data
        else [
            {
                "type": "text",
                "left": "center",
                "top": "middle",
                "style": {"text": "近7天没有明显突出的词", "fill": "#8fb3d9", "fontSize": 26},
            }
        ],
        "series": [
            {
                "type": "wordCloud",
                "shape": "circle",
                "left": "center",
                "top": 56,
                "width": "96%",
                "height": "80%",
                "sizeRange": [20, 56],
                "rotationRange": [0, 0],
                "gridSize": 10,
                "drawOutOfBound": False,
                "shrinkToFit": True,
                "layoutAnimation": False,
                "data": data,
            }
        ],
    }

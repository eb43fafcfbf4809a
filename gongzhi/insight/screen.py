"""The wall screen (大屏, /insight/screen/): what a county's leaders read from across the room, as one JSON the
page draws and fetches again every minute.

`screen_data(user)` holds: today's and this month's totals, the three rates of the month (county-wide), the
volume of the last 30 days, overdue appeals by lead unit, the top hot spots with their heat in words, the surges
of the last two days in words, the emerging words against the long-run baseline, and the map (today's appeals by
light, the hot spots). Everything is scoped by `visible_appeals(user)`; the map carries no titles (a wall is read
by whoever passes) and hot-spot names go through core.redaction.
"""

import hashlib
from collections import Counter
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.choices import OPEN_STATES, Light
from gongzhi.appeals.selectors import light_q, map_points, visible_appeals
from gongzhi.core.choices import RegionLevel
from gongzhi.core.conf import setting
from gongzhi.core.models import Region
from gongzhi.core.redaction import redact

from . import charts, hotspots, spots, surges

TREND_DAYS = 30
CLOUD_DAYS = 7
BASELINE_DAYS = 365
BASELINE_SAMPLE = 3000
TOP_HOTSPOTS = 5
CLOUD_CACHE_SECONDS = 600
REFRESH_SECONDS = 60  # settings GONGZHI["SCREEN_REFRESH_SECONDS"] may change it


def _scope(queryset) -> str:
    return hashlib.sha256(str(queryset.query).encode()).hexdigest()[:16]


def cloud_terms(queryset, since, now=None) -> list[tuple[str, int]]:
    """The emerging words (charts.emerging_terms) of the appeals of `queryset` received since `since` (the newest
    2,000) against the baseline before it. Cached CLOUD_CACHE_SECONDS per scope and period: jieba over 2,000 texts
    takes seconds, and a wall screen asks every minute."""
    now = now or timezone.now()
    bucket = int(now.timestamp()) // CLOUD_CACHE_SECONDS
    key = f"insight:cloud:{_scope(queryset)}:{since.isoformat()[:13]}:{bucket}"
    cached = cache.get(key)
    if cached is not None:
        return [tuple(t) for t in cached]
    recent = queryset.filter(received_at__gte=since).order_by("-received_at").values_list("title", "content")
    terms = charts.emerging_terms(recent[:2000], baseline_terms(queryset, before=since))
    cache.set(key, terms, CLOUD_CACHE_SECONDS)
    return terms


def baseline_terms(
    queryset, before, days: int = BASELINE_DAYS, sample: int = BASELINE_SAMPLE
) -> tuple[Counter, int]:
    """The long-run baseline the word cloud is weighed against: the key words of up to `sample` appeals of the
    `days` before `before` (this county's own long run), added to the shipped labelled appeals (so that a young
    installation still has one). Cached for a day per scope: jieba over 3,000 appeals takes seconds."""
    key = f"insight:baseline:{_scope(queryset)}:{timezone.localdate(before)}:{days}:{sample}"
    cached = cache.get(key)
    if cached is not None:
        return Counter(cached[0]), cached[1]
    doc_freq, documents = hotspots.background_doc_freq()
    doc_freq = Counter(doc_freq)
    texts = (
        queryset.filter(received_at__lt=before, received_at__gte=before - timedelta(days=days))
        .order_by("-received_at")
        .values_list("title", "content")[:sample]
    )
    for title, content in texts:
        doc_freq.update(charts._cloud_terms(title, content))
        documents += 1
    cache.set(key, (dict(doc_freq), documents), 24 * 3600)
    return doc_freq, documents


def _percent(value) -> float | None:
    return None if value is None else round(float(value) * 100, 1)


def county_rates(now) -> dict:
    """The month's response, resolution and satisfaction rates over every unit (appeals.rates), with the number
    of valid callbacks they rest on."""
    from gongzhi.appeals import rates

    today = timezone.localdate(now)
    metrics = rates.compute_metrics(*rates.month_bounds(f"{today:%Y-%m}"), by="unit")
    total = rates.GroupMetrics(key=0, name=_("全县"))
    for m in metrics:
        for field in ("valid_callbacks", "contacted_on_time", "solved", "satisfied", "basically"):
            setattr(total, field, getattr(total, field) + getattr(m, field))
    return {
        "callbacks": total.valid_callbacks,
        "response": _percent(total.response.value),
        "resolution": _percent(total.resolution.value),
        "satisfaction": _percent(total.satisfaction.value),
        "weight": float(Decimal(settings.GONGZHI["BASICALLY_SATISFIED_WEIGHT"])),
    }


def overdue_by_unit(queryset, now, top: int = 6) -> list[dict]:
    rows = (
        queryset.filter(light_q(Light.RED, now), state__in=OPEN_STATES)
        .values("lead_unit__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_unit__name")[:top]
    )
    return [{"unit": r["lead_unit__name"] or _("待派单"), "count": r["n"]} for r in rows]


def surge_lines(queryset, today) -> list[str]:
    """The surges of today and yesterday, in words: "东风街道 · 城乡建设：今日 12 件，平时每天约 3 件"."""
    lines = []
    for alert in surges.appeal_alerts(queryset, today=today, days=2)[:6]:
        category, street = alert["key"]
        when = _("今日") if alert["day"] == today else _("昨日")
        lines.append(
            _("%(street)s · %(category)s：%(when)s %(n)s 件，平时每天约 %(base)s 件")
            % {
                "street": street,
                "category": category,
                "when": when,
                "n": alert["count"],
                "base": max(1, round(alert["baseline"])),
            }
        )
    return lines


def screen_data(user, now=None) -> dict:
    now = now or timezone.now()
    today = timezone.localdate(now)
    qs = visible_appeals(user)
    start = today - timedelta(days=TREND_DAYS - 1)
    daily = {
        r["day"]: r["n"]
        for r in qs.filter(received_at__date__gte=start)
        .annotate(day=TruncDate("received_at"))
        .values("day")
        .annotate(n=Count("pk"))
    }
    month_start = today.replace(day=1)
    overdue = overdue_by_unit(qs, now)
    cloud_since = now - timedelta(days=CLOUD_DAYS)
    terms = cloud_terms(qs, cloud_since, now)
    rows = spots.hotspot_rows(user, limit=TOP_HOTSPOTS)
    today_points = map_points(qs.filter(received_at__date=today), now)
    area = user.region or Region.objects.filter(level=RegionLevel.COUNTY).order_by("pk").first()
    return {
        "heading": _("%(area)s 接诉即办态势") % {"area": area.name if area else ""},
        "generated_at": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
        "refresh_seconds": int(setting("SCREEN_REFRESH_SECONDS")),
        "totals": {
            "today": daily.get(today, 0),
            "month": sum(n for d, n in daily.items() if d >= month_start)
            if month_start >= start
            else qs.filter(received_at__date__gte=month_start).count(),
            "open": qs.filter(state__in=OPEN_STATES).count(),
            "overdue": qs.filter(light_q(Light.RED, now), state__in=OPEN_STATES).count(),
        },
        "rates": county_rates(now),
        "hotspots": [
            {
                "rank": r["rank"],
                "title": redact(r["spot"].title) or "—",
                "words": spots.heat_words(r["spot"], now, short=True),
                "size": r["spot"].size,
            }
            for r in rows
        ],
        "surges": surge_lines(qs, today),
        "charts": {
            "volume": charts.screen_volume(daily, start, today),
            "overdue": charts.overdue_units(overdue),
            "cloud": charts.screen_cloud(terms),
        },
        "map": {
            "appeals": [
                {"longitude": p["longitude"], "latitude": p["latitude"], "light": p["light"]}
                for p in today_points["points"]
            ],
            "hotspots": [{**p, "name": redact(p["name"]), "url": ""} for p in spots.hotspot_points(rows)],
        },
    }

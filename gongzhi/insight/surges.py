"""Surges (未诉先办): per category × region, a day whose count exceeds its baseline.

Method: for each (top-level category, street) series of daily counts, the baseline λ is the mean of the
trailing `BASELINE_DAYS` (28) days before the day tested (at least `MIN_LAMBDA`, so a quiet series is
not alarmed by a single appeal); the day is a surge when its count is ≥ `MIN_COUNT` and exceeds the
Poisson upper quantile q(1 − `ALPHA`; λ). Under a stable Poisson series the false-alarm rate per
series-day is at most ALPHA; the rate measured on the real data is in docs/insight.md.
"""

from collections import Counter, defaultdict
from datetime import date, timedelta

from scipy.stats import poisson

BASELINE_DAYS = 28
ALPHA = 0.001
MIN_LAMBDA = 0.1
MIN_COUNT = 3
LIST_DAYS = 7  # the leader's list shows the alerts of the last week


def threshold(lam: float, alpha: float = ALPHA) -> int:
    return int(poisson.ppf(1 - alpha, max(lam, MIN_LAMBDA)))


def detect(counts: dict[date, int], day: date, *, alpha: float = ALPHA) -> dict | None:
    """counts: day → count of one series. Returns the alert of `day`, or None."""
    history = [counts.get(day - timedelta(days=k), 0) for k in range(1, BASELINE_DAYS + 1)]
    lam = sum(history) / BASELINE_DAYS
    count = counts.get(day, 0)
    limit = threshold(lam, alpha)
    if count >= MIN_COUNT and count > limit:
        return {"day": day, "count": count, "baseline": round(lam, 2), "threshold": limit}
    return None


def scan(events, days: list[date], *, alpha: float = ALPHA) -> list[dict]:
    """events: iterable of (key, day). Every alert of every key on the given days, highest excess first."""
    series: dict = defaultdict(Counter)
    for key, day in events:
        series[key][day] += 1
    alerts = []
    for key, counts in series.items():
        for day in days:
            alert = detect(counts, day, alpha=alpha)
            if alert:
                alerts.append({"key": key, **alert})
    alerts.sort(key=lambda a: (-(a["count"] - a["baseline"]), str(a["key"])))
    return alerts


def false_alarm_rate(events, *, alpha: float = ALPHA) -> dict:
    """Share of series-days (after each series' first BASELINE_DAYS) that alert: on data with no known
    incidents, every alert counts as a false alarm — an upper bound on the rate."""
    series: dict = defaultdict(Counter)
    for key, day in events:
        series[key][day] += 1
    tested = flagged = 0
    for counts in series.values():
        first, last = min(counts), max(counts)
        day = first + timedelta(days=BASELINE_DAYS)
        while day <= last:
            tested += 1
            flagged += detect(counts, day, alpha=alpha) is not None
            day += timedelta(days=1)
    return {
        "series": len(series),
        "series_days": tested,
        "alerts": flagged,
        "rate": round(flagged / tested, 5) if tested else 0.0,
    }


def appeal_alerts(queryset, today: date | None = None, days: int = LIST_DAYS) -> list[dict]:
    """Alerts of the last `days` days over appeals (key = (top category name, street name); each alert also
    carries `category_id` (None: 未分类) and `street_id`)."""
    from django.utils import timezone

    from gongzhi.core.choices import RegionLevel

    today = today or timezone.localdate()
    start = today - timedelta(days=BASELINE_DAYS + days)
    rows = queryset.filter(received_at__date__gte=start).select_related(
        "category__parent__parent", "region__parent__parent__parent"
    )
    events, ids = [], {}
    for a in rows:
        top = a.category.top if a.category_id else None
        street = a.region.ancestor_at(RegionLevel.STREET) or a.region
        key = (top.name if top else "未分类", street.name)
        ids[key] = {"category_id": top.pk if top else None, "street_id": street.pk}
        events.append((key, timezone.localtime(a.received_at).date()))
    return [
        {**alert, **ids[alert["key"]]}
        for alert in scan(events, [today - timedelta(days=k) for k in range(days)])
    ]

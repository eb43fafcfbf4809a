"""7-day forecast of the daily appeal count per top-level category (未诉先办: what is coming next week).

Methods (each takes the history of one series, oldest first, and returns the next `horizon` days):

* `naive` — the last day's count, repeated (the textbook baseline);
* `mean7` — the mean of the last 7 days, flat;
* `seasonal_naive` — the same weekday one week earlier;
* `weekday_profile` (default) — level × weekday factor: the level is the mean of the last 28 days; the
  factor of a weekday is its mean over the last 8 weeks divided by the mean of those 8 weeks, shrunk half
  way to 1 (a weekday seen 8 times is noisy). Appeals follow the office week (fewer at weekends), which the
  flat methods miss and the seasonal naive copies with all of last week's noise.

Chosen by a rolling-origin back-test on the real data (`backtest`; figures and command in docs/insight.md).
No library earns its place here: scikit-learn has no seasonal smoother and statsmodels' Holt-Winters is
not installed; these are a few lines of numpy whose behaviour is fully tested.
"""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta

import numpy as np

HORIZON = 7
LEVEL_DAYS = 28
PROFILE_WEEKS = 8
SHRINK = 0.5


def naive(history: Sequence[float], start: date, horizon: int = HORIZON) -> np.ndarray:
    return np.full(horizon, float(history[-1]) if len(history) else 0.0)


def mean7(history: Sequence[float], start: date, horizon: int = HORIZON) -> np.ndarray:
    tail = np.asarray(history[-7:], dtype=float)
    return np.full(horizon, tail.mean() if len(tail) else 0.0)


def seasonal_naive(history: Sequence[float], start: date, horizon: int = HORIZON) -> np.ndarray:
    h = np.asarray(history, dtype=float)
    if len(h) < 7:
        return mean7(history, start, horizon)
    week = h[-7:]
    return np.array([week[k % 7] for k in range(horizon)])


def weekday_profile(history: Sequence[float], start: date, horizon: int = HORIZON) -> np.ndarray:
    """`start` is the first forecast day (the day after the last history value)."""
    h = np.asarray(history, dtype=float)
    if len(h) == 0:
        return np.zeros(horizon)
    level = h[-LEVEL_DAYS:].mean()
    window = h[-7 * PROFILE_WEEKS :]
    overall = window.mean()
    factors = np.ones(7)
    if overall > 0 and len(window) >= 14:
        first = start - timedelta(days=len(window))  # the date of window[0]
        weekdays = np.array([(first + timedelta(days=k)).weekday() for k in range(len(window))])
        for wd in range(7):
            seen = window[weekdays == wd]
            if len(seen):
                factors[wd] = 1 + SHRINK * (seen.mean() / overall - 1)
    return np.array([level * factors[(start + timedelta(days=k)).weekday()] for k in range(horizon)])


METHODS: dict[str, Callable] = {
    "naive": naive,
    "mean7": mean7,
    "seasonal_naive": seasonal_naive,
    "weekday_profile": weekday_profile,
}
DEFAULT_METHOD = "weekday_profile"


def daily_series(days: Sequence[date], start: date, end: date) -> list[int]:
    """Counts per day from `start` to `end` inclusive, zeros where nothing came in."""
    counts = Counter(days)
    return [counts.get(start + timedelta(days=k), 0) for k in range((end - start).days + 1)]


def backtest(
    series: Sequence[float],
    first_day: date,
    *,
    warmup: int = 7 * PROFILE_WEEKS,
    horizon: int = HORIZON,
    methods: Sequence[str] = tuple(METHODS),
) -> dict[str, dict]:
    """Rolling origin: at every day after `warmup`, forecast the next `horizon` days from the history up to it.
    Returns {method: {"mae", "rmse", "origins"}} over every (origin, horizon day) pair."""
    s = np.asarray(series, dtype=float)
    errors: dict[str, list[float]] = {m: [] for m in methods}
    origins = 0
    for t in range(warmup, len(s) - horizon + 1):
        origins += 1
        actual = s[t : t + horizon]
        start = first_day + timedelta(days=t)
        for m in methods:
            errors[m].extend(METHODS[m](s[:t], start, horizon) - actual)
    out = {}
    for m, errs in errors.items():
        e = np.asarray(errs)
        out[m] = {
            "mae": round(float(np.abs(e).mean()), 4) if len(e) else None,
            "rmse": round(float(np.sqrt((e**2).mean())), 4) if len(e) else None,
            "origins": origins,
        }
    return out


def forecast_by_category(
    events: Sequence[tuple[str, date]], today: date, *, method: str = DEFAULT_METHOD, horizon: int = HORIZON
) -> dict:
    """events: (category name, day) of each appeal. The forecast starts tomorrow; today counts as history
    (it is partial, so the history ends yesterday when today has nothing yet)."""
    history_days = 7 * PROFILE_WEEKS
    end = today - timedelta(days=1)
    start = end - timedelta(days=history_days - 1)
    by_cat: dict[str, list[date]] = {}
    for name, day in events:
        if start <= day <= end:
            by_cat.setdefault(name, []).append(day)
    first = end + timedelta(days=1)
    categories = []
    for name in sorted(by_cat, key=lambda n: (-len(by_cat[n]), n)):
        series = daily_series(by_cat[name], start, end)
        values = np.clip(METHODS[method](series, first, horizon), 0, None)
        categories.append(
            {
                "name": name,
                "last_7_days": int(sum(series[-7:])),
                "forecast": [round(float(v), 2) for v in values],
                "total": round(float(values.sum()), 1),
            }
        )
    return {
        "method": method,
        "start": first.isoformat(),
        "horizon": horizon,
        "days": [(first + timedelta(days=k)).isoformat() for k in range(horizon)],
        "categories": categories,
    }


def appeal_forecast(queryset, today: date | None = None) -> dict:
    """The forecast over appeals (top-level category; 未分类 for appeals without one)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    since = today - timedelta(days=7 * PROFILE_WEEKS + 1)
    rows = queryset.filter(received_at__date__gte=since).select_related("category__parent__parent")
    events = [
        (a.category.top.name if a.category_id else "未分类", timezone.localtime(a.received_at).date())
        for a in rows
    ]
    return forecast_by_category(events, today)

"""The PRC working-day calendar: holidays and adjusted working days (调休).

`chinese-calendar` knows the years it ships data for; the admin table `CalendarOverride` covers what it
does not know yet (next year's calendar is published each November) and corrects it where needed.
Past both, the calendar falls back to Monday–Friday, and `is_known(d)` says so (the admin warns).
"""

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# The library's answers are cached; the overrides are cached per process until an admin edits them (load_overrides).


@lru_cache(maxsize=4096)
def _library_is_working_day(d: date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(d))
    except NotImplementedError:  # the library has no data for this year
        return None


def load_overrides() -> dict[date, bool]:
    """The admin's overrides (cached per process, core.refcache). Callers that compute many dates load them once
    and pass them on.

    Outside a configured Django (the pure rules called on their own) there is no table: the library decides.
    """
    from django.apps import apps
    from django.db import DatabaseError

    if not apps.ready:
        return {}
    from . import refcache
    from .models import CalendarOverride

    def load() -> dict[date, bool]:
        return dict(CalendarOverride.objects.using(refcache.DB).values_list("date", "is_working_day"))

    try:
        return dict(
            refcache.cached(refcache.REFERENCE, "calendar_overrides", load)
        )  # a copy: callers may add
    except DatabaseError:
        return {}


def is_known(d: date) -> bool:
    """True when the library or an override knows this date; else the Monday–Friday fallback is in use."""
    from .models import CalendarOverride

    return _library_is_working_day(d) is not None or CalendarOverride.objects.filter(date=d).exists()


def library_last_year() -> int:
    return int(max(chinese_calendar.holidays).year)


def _is_working_day(d: date, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    known = _library_is_working_day(d)
    if known is not None:
        return known
    return d.weekday() < 5


def is_working_day(d: date, *, overrides: dict[date, bool] | None = None) -> bool:
    return _is_working_day(d, load_overrides() if overrides is None else overrides)


def add_working_days(start: date, n: int, *, overrides: dict[date, bool] | None = None) -> date:
    """The n-th working day after `start` (`start` itself not counted). n = 0 returns `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    overrides = load_overrides() if overrides is None else overrides
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        if _is_working_day(d, overrides):
            counted += 1
    return d


def next_working_day(d: date, *, overrides: dict[date, bool] | None = None) -> date:
    """`d` itself when it is a working day, else the next one."""
    overrides = load_overrides() if overrides is None else overrides
    while not _is_working_day(d, overrides):
        d += timedelta(days=1)
    return d

"""The PRC working-day calendar: holidays and adjusted working days (调休).

`chinese-calendar` knows the years it ships data for; the admin table `CalendarOverride` covers what it
does not know yet (next year's calendar is published each November) and corrects it where needed.
Past both, the calendar falls back to Monday–Friday, and `is_known(d)` says so (the admin warns).
"""

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

# A cache keyed on the override table's state would be wrong across processes; overrides are few,
# so they are read once per call chain through `_overrides()` and the library's answers are cached.


@lru_cache(maxsize=4096)
def _library_is_working_day(d: date) -> bool | None:
    try:
        return chinese_calendar.is_workday(d)
    except NotImplementedError:  # the library has no data for this year
        return None


def _overrides() -> dict[date, bool]:
    from .models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("date", "is_working_day"))


def is_known(d: date) -> bool:
    """True when the library or an override knows this date; else the Monday–Friday fallback is in use."""
    from .models import CalendarOverride

    return _library_is_working_day(d) is not None or CalendarOverride.objects.filter(date=d).exists()


def library_last_year() -> int:
    return max(chinese_calendar.holidays).year


def _is_working_day(d: date, overrides: dict[date, bool]) -> bool:
    if d in overrides:
        return overrides[d]
    known = _library_is_working_day(d)
    if known is not None:
        return known
    return d.weekday() < 5


def is_working_day(d: date) -> bool:
    return _is_working_day(d, _overrides())


def add_working_days(start: date, n: int) -> date:
    """The n-th working day after `start` (`start` itself not counted). n = 0 returns `start`."""
    if n < 0:
        raise ValueError("n must not be negative")
    overrides = _overrides()
    d, counted = start, 0
    while counted < n:
        d += timedelta(days=1)
        if _is_working_day(d, overrides):
            counted += 1
    return d


def next_working_day(d: date) -> date:
    """`d` itself when it is a working day, else the next one."""
    overrides = _overrides()
    while not _is_working_day(d, overrides):
        d += timedelta(days=1)
    return d

"""The PRC working-day calendar (issue 2 item 5) on the 2026 dates published by the State Council.

2026 National Day + Mid-Autumn: 10-01..10-07 off, Sunday 09-20 and Saturday 10-10 are working days (调休);
Mid-Autumn Friday 09-25 off. Spring Festival: 02-15..02-23 off, Saturdays 02-14 and 02-28 are working days.
"""

from datetime import date

import pytest

from gongzhi.core.calendar import (
    add_working_days,
    is_known,
    is_working_day,
    library_last_year,
    next_working_day,
)
from gongzhi.core.models import CalendarOverride


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 10, 1), False),
        (date(2026, 10, 7), False),
        (date(2026, 10, 8), True),
        (date(2026, 10, 10), True),  # Saturday, 调休
        (date(2026, 9, 20), True),  # Sunday, 调休
        (date(2026, 9, 25), False),  # Friday, Mid-Autumn
        (date(2026, 2, 14), True),
        (date(2026, 2, 16), False),
        (date(2026, 2, 23), False),
        (date(2026, 2, 28), True),
        (date(2026, 11, 26), True),
        (date(2026, 11, 28), False),
    ],
)
def test_is_working_day_follows_the_2026_calendar(db, day, working):
    assert is_working_day(day) is working
    assert is_known(day)


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # across National Day
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # the 调休 Saturday counts
        (date(2026, 9, 30), 4, date(2026, 10, 12)),
        (date(2026, 9, 18), 1, date(2026, 9, 20)),  # Friday → the 调休 Sunday
        (date(2026, 9, 24), 1, date(2026, 9, 28)),  # Mid-Autumn Friday skipped
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Spring Festival: the 调休 Saturday
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # then the whole holiday is skipped
        (date(2026, 2, 24), 4, date(2026, 2, 28)),  # Wed..Fri, then the 调休 Saturday
        (date(2026, 10, 3), 0, date(2026, 10, 3)),  # n = 0 is the start itself
    ],
)
def test_add_working_days_across_holidays(db, start, n, expected):
    assert add_working_days(start, n) == expected


def test_negative_days_are_refused(db):
    with pytest.raises(ValueError):
        add_working_days(date(2026, 3, 2), -1)


def test_next_working_day(db):
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_working_day(date(2026, 10, 8)) == date(2026, 10, 8)


def test_override_beats_the_library(db):
    CalendarOverride.objects.create(date=date(2026, 10, 8), is_working_day=False, note="测试：假期延长一天")
    CalendarOverride.objects.create(date=date(2026, 10, 11), is_working_day=True, note="测试：周日上班")
    assert not is_working_day(date(2026, 10, 8))
    assert is_working_day(date(2026, 10, 11))
    assert add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 9)
    assert add_working_days(date(2026, 10, 9), 2) == date(2026, 10, 11)


def test_past_the_library_falls_back_to_monday_to_friday(db):
    assert library_last_year() == 2026
    new_year = date(2027, 1, 1)  # a Friday; a holiday in fact, but nobody has told the calendar yet
    assert not is_known(new_year)
    assert is_working_day(new_year)
    assert not is_working_day(date(2027, 1, 2))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)
    assert add_working_days(date(2027, 1, 1), 1) == date(2027, 1, 4)


def test_override_fills_the_next_year(db):
    CalendarOverride.objects.create(date=date(2027, 1, 1), is_working_day=False, note="元旦")
    CalendarOverride.objects.create(date=date(2027, 1, 2), is_working_day=False, note="元旦")
    assert is_known(date(2027, 1, 1))
    assert not is_known(date(2027, 1, 5))
    assert not is_working_day(date(2027, 1, 1))
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)

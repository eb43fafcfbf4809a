"""Next year's working-day calendar from the State Council's annual notice, as published.

The General Office of the State Council publishes each November "国务院办公厅关于YYYY年部分节假日安排的通知", one
item per festival:

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。

`parse_notice` reads that plain text into the days off (every day of each 放假 range, weekends within included) and the
weekend days worked instead (调休上班); `import_notice` writes them into the calendar's override table
(`CalendarOverride`) with an audit event. The command `gongzhi import_holidays` and the admin's paste form are thin
callers of these two.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from .errors import ServiceError

if TYPE_CHECKING:
    from .models import User

_DIGITS = "0-9０-９"
TITLE_RE = re.compile(rf"([{_DIGITS}]{{4}})\s*年\s*部分节假日安排")
ITEM_RE = re.compile(r"^\s*[一二三四五六七八九十]+\s*[、.．]\s*([^：:]{1,30})[：:]\s*(.+)$")
DATE_RE = re.compile(
    rf"(?:([{_DIGITS}]{{4}})\s*年\s*)?(?:([{_DIGITS}]{{1,2}})\s*月\s*)?([{_DIGITS}]{{1,2}})\s*日"
)
RANGE_RE = re.compile(rf"({DATE_RE.pattern})\s*(?:至|到|—|-|－|~|～)\s*({DATE_RE.pattern})")
TOTAL_RE = re.compile(rf"共\s*([{_DIGITS}]+)\s*天")
PAREN_RE = re.compile(r"[（(][^（）()]*[)）]")
WEEKDAY_NAMES = "一二三四五六日"


class NoticeError(ServiceError):
    """The text cannot be read as a holiday notice; the message says where, in Chinese."""

    default_code = "holiday_notice"


@dataclass
class Festival:
    name: str
    holidays: list[date] = field(default_factory=list)
    workdays: list[date] = field(default_factory=list)


@dataclass
class HolidayNotice:
    year: int
    festivals: list[Festival]

    @property
    def holidays(self) -> list[date]:
        return sorted({d for f in self.festivals for d in f.holidays})

    @property
    def workdays(self) -> list[date]:
        return sorted({d for f in self.festivals for d in f.workdays})

    def as_json(self) -> dict[str, object]:
        return {
            "year": self.year,
            "holidays": [d.isoformat() for d in self.holidays],
            "workdays": [d.isoformat() for d in self.workdays],
        }


def _int(text: str) -> int:
    return int(text.translate(str.maketrans("０１２３４５６７８９", "0123456789")))


def notice_year(text: str) -> int | None:
    match = TITLE_RE.search(text or "")
    return _int(match.group(1)) if match else None


def parse_notice(text: str, year: int | None = None) -> HolidayNotice:
    """The notice's festivals, days off and 调休 working days. `year`: when the text has no title (or to check it)."""
    text = (text or "").replace("\r", "")
    titled = notice_year(text)
    if year is not None and titled is not None and titled != year:
        raise NoticeError(
            _("通知标题写的是%(titled)s年，与指定的%(year)s年不一致。") % {"titled": titled, "year": year}
        )
    year = year or titled
    if year is None:
        raise NoticeError(
            _("无法确定年份：请粘贴含标题“国务院办公厅关于××××年部分节假日安排的通知”的全文，或指定年份。")
        )
    if not 2000 <= year <= 2100:
        raise NoticeError(_("年份%(year)s不在可导入的范围内。") % {"year": year})
    festivals = []
    for number, line in enumerate(text.split("\n"), start=1):
        match = ITEM_RE.match(line)
        if match is None or "放假" not in match.group(2):
            continue
        festivals.append(_festival(match.group(1).strip(), match.group(2), year, number))
    if not festivals:
        raise NoticeError(
            _("没有读到任何放假安排：每项应形如“一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。”")
        )
    seen: dict[date, str] = {}
    for festival in festivals:
        for day in festival.holidays + festival.workdays:
            if day in seen:
                raise NoticeError(
                    _("%(day)s在“%(a)s”和“%(b)s”中重复出现。")
                    % {"day": _label(day), "a": seen[day], "b": festival.name}
                )
            seen[day] = festival.name
    return HolidayNotice(year, festivals)


def _festival(name: str, body: str, year: int, line: int) -> Festival:
    festival = Festival(name)
    new_year = "元旦" in name
    where = _("第%(line)s行“%(name)s”") % {"line": line, "name": name}
    for sentence in (s for s in re.split(r"[。；;]", body) if s.strip()):
        bare = PAREN_RE.sub("", sentence)  # （周四）（农历除夕、周二）: weekdays and lunar dates are not read
        if "放假" in bare:
            festival.holidays += _days_off(bare, year, new_year, where)
            total = TOTAL_RE.search(bare)
            if total and _int(total.group(1)) != len(festival.holidays):
                raise NoticeError(
                    _("%(where)s写明共%(n)s天，但日期范围是%(m)s天。")
                    % {"where": where, "n": _int(total.group(1)), "m": len(festival.holidays)}
                )
        elif "上班" in bare:
            for match in DATE_RE.finditer(bare):
                day = _date(match.groups(), None, year, new_year, where)
                if day.weekday() < 5:
                    raise NoticeError(
                        _("%(where)s的上班日%(day)s是周%(w)s，调休上班日应是周末。")
                        % {"where": where, "day": _label(day), "w": WEEKDAY_NAMES[day.weekday()]}
                    )
                festival.workdays.append(day)
    if not festival.holidays:
        raise NoticeError(_("%(where)s没有读到放假日期。") % {"where": where})
    return festival


def _days_off(sentence: str, year: int, new_year: bool, where: str) -> list[date]:
    days: list[date] = []
    rest = sentence
    for match in RANGE_RE.finditer(sentence):
        groups = match.groups()
        start = _date(groups[1:4], None, year, new_year, where)
        end = _date(groups[5:8], start, year, new_year, where)
        if end < start:
            raise NoticeError(
                _("%(where)s的日期范围%(a)s至%(b)s前后颠倒。")
                % {"where": where, "a": _label(start), "b": _label(end)}
            )
        if (end - start).days > 31:
            raise NoticeError(_("%(where)s的放假范围超过一个月，请检查日期。") % {"where": where})
        days += [start + timedelta(days=i) for i in range((end - start).days + 1)]
        rest = rest.replace(match.group(0), "")
    for match in DATE_RE.finditer(rest.split("放假")[0]):  # a single day: "1月1日放假"
        days.append(_date(match.groups(), None, year, new_year, where))
    return days


def _date(groups: Sequence[str | None], start: date | None, year: int, new_year: bool, where: str) -> date:
    """One date of the notice. A range's end without a month ("至3日") takes the start's month; an end month before
    the start's ("12月31日至1月2日") is in the next year; December in the 元旦 item is the previous year's."""
    y, m, d = groups
    assert d is not None  # DATE_RE's day is no optional group
    day = _int(d)
    if m is not None:
        month = _int(m)
    elif start is not None:
        month = start.month
    else:
        raise NoticeError(_("%(where)s的日期“%(d)s日”缺少月份。") % {"where": where, "d": day})
    if y is not None:
        the_year = _int(y)
    elif start is not None:
        the_year = start.year + (month < start.month)
    else:
        the_year = year - 1 if new_year and month == 12 else year
    try:
        return date(the_year, month, day)
    except ValueError:
        raise NoticeError(
            _("%(where)s的日期%(m)s月%(d)s日不存在。") % {"where": where, "m": month, "d": day}
        ) from None


def _label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def import_notice(actor: "User | None", notice: HolidayNotice, *, dry_run: bool = False) -> dict[str, int]:
    """Write the notice's days into the override table (a day off: not a working day; 调休上班: a working day).
    Returns {"created", "updated", "unchanged"} counts; with `dry_run` nothing is written."""
    from .models import CalendarOverride, append_audit_event

    wanted: dict[date, tuple[bool, str]] = {}
    for festival in notice.festivals:
        for day in festival.holidays:
            wanted[day] = (False, (_("%(name)s放假") % {"name": festival.name})[:100])
        for day in festival.workdays:
            wanted[day] = (True, (_("%(name)s调休上班") % {"name": festival.name})[:100])
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {
            row.date: row for row in CalendarOverride.objects.select_for_update().filter(date__in=wanted)
        }
        for day, (working, note) in sorted(wanted.items()):
            row = existing.get(day)
            if row is None:
                counts["created"] += 1
                if not dry_run:
                    CalendarOverride.objects.create(date=day, is_working_day=working, note=note)
            elif (row.is_working_day, row.note) == (working, note):
                counts["unchanged"] += 1
            else:
                counts["updated"] += 1
                if not dry_run:
                    row.is_working_day, row.note = working, note
                    row.save(update_fields=["is_working_day", "note"])
        if not dry_run:
            append_audit_event(
                actor,
                "import_holidays",
                target=f"calendar:{notice.year}",
                note=_("导入%(year)s年节假日安排") % {"year": notice.year},
                after={**notice.as_json(), **counts},
            )
    return counts

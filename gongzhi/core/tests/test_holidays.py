"""Next year's calendar from the State Council's notice (core.holidays), checked on the real notices of 2024–2026
against the data of `chinese-calendar` for those years."""

import json
from datetime import date
from io import StringIO
from pathlib import Path

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from gongzhi.core import calendar, holidays
from gongzhi.core.models import AuditEvent, CalendarOverride

FIXTURES = Path(__file__).parent / "fixtures"
YEARS = [2024, 2025, 2026]


def notice_text(year: int) -> str:
    return (FIXTURES / f"holidays_{year}.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("year", YEARS)
def test_real_notices_agree_with_chinese_calendar(year):
    notice = holidays.parse_notice(notice_text(year))
    assert notice.year == year
    for day in notice.holidays:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
        assert on_holiday and name is not None, day  # a festival day, not merely a weekend
    for day in notice.workdays:
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day), day  # 调休上班 on a weekend
    library_holidays = {d for d, name in chinese_calendar.holidays.items() if d.year == year and name}
    library_workdays = {d for d in chinese_calendar.workdays if d.year == year and d.weekday() >= 5}
    assert set(notice.holidays) == library_holidays
    assert set(notice.workdays) == library_workdays


def test_the_2025_spring_festival_and_the_shared_national_day_item():
    notice = holidays.parse_notice(notice_text(2025))
    spring = next(f for f in notice.festivals if f.name == "春节")
    assert (spring.holidays[0], spring.holidays[-1], len(spring.holidays)) == (
        date(2025, 1, 28),
        date(2025, 2, 4),
        8,
    )
    assert spring.workdays == [date(2025, 1, 26), date(2025, 2, 8)]
    assert next(f for f in notice.festivals if f.name == "国庆节、中秋节").holidays[-1] == date(2025, 10, 8)


def test_the_2024_eve_sentence_is_not_a_holiday():
    notice = holidays.parse_notice(notice_text(2024))
    assert date(2024, 2, 9) not in notice.holidays  # 除夕 only "encouraged" as a day off


def test_cross_year_new_year_range_and_explicit_years():
    text = "国务院办公厅关于2011年部分节假日安排的通知\n一、元旦：12月31日至1月2日放假调休，共3天。1月8日（星期六）上班。\n"
    notice = holidays.parse_notice(text)
    assert notice.holidays == [date(2010, 12, 31), date(2011, 1, 1), date(2011, 1, 2)]
    assert notice.workdays == [date(2011, 1, 8)]
    text = "一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。"
    notice = holidays.parse_notice(text, 2019)
    assert notice.holidays == [date(2018, 12, 30), date(2018, 12, 31), date(2019, 1, 1)]
    assert notice.workdays == [date(2018, 12, 29)]
    # "至X月Y日" across a month, full-width digits
    notice = holidays.parse_notice("五、端午节：５月３１日（周六）至６月２日（周一）放假，共３天。", 2025)
    assert notice.holidays == [date(2025, 5, 31), date(2025, 6, 1), date(2025, 6, 2)]


@pytest.mark.parametrize(
    ("text", "year", "message"),
    [
        ("一、元旦：1月1日放假。", None, "无法确定年份"),
        ("随便一段文字，没有任何安排。", 2027, "没有读到任何放假安排"),
        (
            "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日至3日放假，共4天。",
            None,
            "写明共4天，但日期范围是3天",
        ),
        (
            "国务院办公厅关于2027年部分节假日安排的通知\n二、春节：2月30日至3月2日放假。",
            None,
            "2月30日不存在",
        ),
        (
            "国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。1月5日（周二）上班。",
            None,
            "调休上班日应是周末",
        ),
        ("国务院办公厅关于2027年部分节假日安排的通知\n一、元旦：1月1日放假。", 2028, "与指定的2028年不一致"),
        ("国务院办公厅关于2027年部分节假日安排的通知\n三、清明节：5日至6日放假。", None, "缺少月份"),
        ("国务院办公厅关于2027年部分节假日安排的通知\n三、清明节：4月6日至4月4日放假。", None, "前后颠倒"),
    ],
)
def test_text_it_cannot_read_gets_a_clear_chinese_error(text, year, message):
    with pytest.raises(holidays.NoticeError) as refused:
        holidays.parse_notice(text, year)
    assert message in str(refused.value.message)


@pytest.mark.django_db
def test_command_writes_the_override_table_and_prints_json_last(tmp_path, users):
    path = tmp_path / "2026.txt"
    path.write_text(notice_text(2026), encoding="utf-8")
    out = StringIO()
    call_command("import_holidays", str(path), "--dry-run", stdout=out)
    assert not CalendarOverride.objects.exists()
    result = json.loads(out.getvalue().strip().splitlines()[-1])
    assert (
        result["year"] == 2026 and "2026-02-23" in result["holidays"] and "2026-02-28" in result["workdays"]
    )
    out = StringIO()
    call_command("import_holidays", str(path), stdout=out)
    assert json.loads(out.getvalue().strip().splitlines()[-1]) == result
    assert CalendarOverride.objects.count() == len(result["holidays"]) + len(result["workdays"])
    assert CalendarOverride.objects.get(date=date(2026, 2, 28)).is_working_day is True
    assert CalendarOverride.objects.get(date=date(2026, 2, 16)).note == "春节放假"
    assert AuditEvent.objects.filter(action="import_holidays", target="calendar:2026").count() == 1
    assert not calendar.is_working_day(date(2026, 2, 16)) and calendar.is_working_day(date(2026, 2, 28))
    # Again: nothing changes.
    out = StringIO()
    call_command("import_holidays", str(path), stdout=out)
    assert "新增 0 天，更新 0 天" in out.getvalue()


@pytest.mark.django_db
def test_command_refuses_bad_text_in_chinese(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("一、元旦：1月1日放假。", encoding="utf-8")
    with pytest.raises(CommandError, match="无法确定年份"):
        call_command("import_holidays", str(path), stdout=StringIO())
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_holidays", str(tmp_path / "missing.txt"), stdout=StringIO())


@pytest.mark.django_db
def test_admin_takes_the_pasted_notice(users):
    client = Client()
    client.force_login(users["admin"])
    url = "/admin/core/calendaroverride/import/"
    assert "粘贴放假通知导入" in client.get("/admin/core/calendaroverride/").content.decode()
    preview = client.post(url, {"text": notice_text(2025), "preview": "1"})
    assert preview.status_code == 200 and "将新增 33 天" in preview.content.decode()
    assert not CalendarOverride.objects.exists()
    bad = client.post(url, {"text": "没有标题的文字", "preview": "1"})
    assert bad.status_code == 200 and "无法确定年份" in bad.content.decode()
    saved = client.post(url, {"text": notice_text(2025), "save": "1"}, follow=True)
    assert "已导入2025年节假日安排" in saved.content.decode()
    assert CalendarOverride.objects.count() == 33

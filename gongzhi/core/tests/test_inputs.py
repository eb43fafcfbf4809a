from datetime import date

import pytest

from gongzhi.core import inputs
from gongzhi.core.choices import Role
from gongzhi.core.errors import NotFoundError, ServiceError
from gongzhi.core.models import Unit


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


def test_text_is_stripped_and_none_is_empty():
    assert inputs.text("  路灯坏了 ", "title", "标题") == "路灯坏了"
    assert inputs.text(None, "note", "说明") == ""


@pytest.mark.parametrize(
    ("value", "kwargs", "message"),
    [
        ("", {"required": True}, "请填写标题。"),
        ("  ", {"required": True}, "请填写标题。"),
        ("好", {"min_length": 2}, "请填写标题（至少2个字）。"),
        ("长" * 11, {"limit": 10}, "标题不能超过10字。"),
        (12, {}, "标题应为文字。"),
        (["a"], {}, "标题应为文字。"),
    ],
)
def test_text_refuses_in_the_users_words_naming_the_field(value, kwargs, message):
    exc = refusal(lambda: inputs.text(value, "title", "标题", **kwargs))
    assert (str(exc.message), exc.field, exc.code) == (message, "title", "invalid")


def test_choice_takes_a_value_and_refuses_anything_else():
    assert inputs.choice(Role.RESIDENT.value, Role, "role", "角色") == "resident"
    exc = refusal(lambda: inputs.choice("mayor", Role, "role", "角色"))
    assert (str(exc.message), exc.field) == ("请选择有效的角色。", "role")


def test_day_reads_iso_text_and_dates_and_falls_back_to_its_default():
    assert inputs.day("2026-12-07", "filed_on", "立案日期") == date(2026, 12, 7)
    assert inputs.day(date(2026, 1, 2), "filed_on", "立案日期") == date(2026, 1, 2)
    assert inputs.day("", "filed_on", "立案日期", default=date(2026, 5, 1)) == date(2026, 5, 1)
    assert str(refusal(lambda: inputs.day("", "filed_on", "立案日期")).message) == "请填写立案日期。"
    assert (
        str(refusal(lambda: inputs.day("2026-02-30", "filed_on", "立案日期")).message)
        == "立案日期不是有效日期。"
    )


def test_locked_finds_the_row_or_says_it_is_not_there(units):
    unit = units["housing"]
    assert inputs.locked(Unit, unit.pk, "单位不存在。") == unit
    assert inputs.locked(Unit.objects.filter(kind=unit.kind), str(unit.pk), "单位不存在。") == unit
    for missing in (unit.pk + 1000, "abc", None):
        with pytest.raises(NotFoundError) as caught:
            inputs.locked(Unit, missing, "单位不存在。")
        assert (caught.value.status, caught.value.code, str(caught.value.message)) == (
            404,
            "not_found",
            "单位不存在。",
        )

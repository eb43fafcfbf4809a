from decimal import Decimal

import pytest

from gongzhi.deliberation.rules import owners_joint_decision, residents_meeting_decision


def decide(part_area, part_heads, yes_area, yes_heads, major=False, total_area=900, total_heads=90):
    return owners_joint_decision(total_area, total_heads, part_area, part_heads, yes_area, yes_heads, major)


def test_quorum_exactly_two_thirds_is_met():
    result = decide(600, 60, 301, 31)
    assert result.quorum_met and result.passed


@pytest.mark.parametrize(("area", "heads"), [("599.99", 60), (600, 59)])
def test_quorum_just_under_two_thirds_fails(area, heads):
    result = decide(area, heads, area, heads)
    assert not result.quorum_met and not result.passed
    assert any("2/3" in r and "✗" in r for r in result.reasons)


def test_ordinary_majority_is_strictly_more_than_half():
    assert not decide(600, 60, 300, 31).passed  # exactly half the area is not 过半数
    assert not decide(600, 60, 301, 30).passed  # exactly half the heads
    assert decide(600, 60, "300.01", 31).passed


def test_major_matter_needs_three_quarters_inclusive():
    assert decide(800, 80, 600, 60, major=True).passed  # exactly 3/4 of both
    assert not decide(800, 80, "599.99", 60, major=True).passed
    assert not decide(800, 80, 600, 59, major=True).passed
    # More than half but less than 3/4 passes an ordinary matter, not a major one.
    assert decide(800, 80, 500, 50).passed and not decide(800, 80, 500, 50, major=True).passed


def test_inputs_may_be_ints_decimals_or_strings():
    a = owners_joint_decision(Decimal("1000.5"), 100, "700.25", 70, Decimal("400"), "40", False)
    assert a.quorum_met and a.passed
    assert "参与表决专有部分面积" in a.reasons[0]


@pytest.mark.parametrize(
    "args",
    [
        (-1, 10, 5, 5, 3, 3),  # negative
        (100, 10, 101, 8, 50, 5),  # participating area over total
        (100, 10, 80, 11, 50, 5),  # participating owners over total
        (100, 10, 80, 8, 81, 5),  # more yes area than participating
        (100, 10, 80, 8, 50, 9),  # more yes owners than participating
        (100, "10.5", 80, 8, 50, 5),  # heads are whole people
        (100, 10, "abc", 8, 50, 5),
        (0, 10, 0, 8, 0, 5),
    ],
)
def test_invalid_input_raises_value_error(args):
    with pytest.raises(ValueError):
        owners_joint_decision(*args, major=False)


def test_residents_meeting_thresholds():
    assert residents_meeting_decision(100, 51, 26).passed
    assert not residents_meeting_decision(100, 50, 50).quorum_met  # half is not more than half
    result = residents_meeting_decision(100, 51, 25)
    assert result.quorum_met and not result.passed
    assert not residents_meeting_decision(102, 51, 51).quorum_met  # 51 of 102 is exactly half
    assert residents_meeting_decision("101", Decimal(51), 26).passed is True


@pytest.mark.parametrize("args", [(0, 0, 0), (10, 11, 5), (10, 8, 9), (-10, 5, 3), (10, "5.5", 3)])
def test_residents_meeting_invalid(args):
    with pytest.raises(ValueError):
        residents_meeting_decision(*args)

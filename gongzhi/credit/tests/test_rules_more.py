"""The rules added for the workflow: calendar-day periods, warning dates, publicity periods, repair eligibility."""

from datetime import date

import pytest

from gongzhi.credit import rules

D = date.fromisoformat


def test_month_ends():
    assert rules.add_months(D("2026-01-31"), 1) == D("2026-02-28")
    assert rules.add_months(D("2028-01-31"), 1) == D("2028-02-29")
    assert rules.add_months(D("2026-03-31"), -1) == D("2026-02-28")
    assert rules.add_months(D("2026-11-30"), 3) == D("2027-02-28")


def test_grace_end_on_a_holiday_rolls_forward(db):
    assert rules.grace_period_end(D("2026-07-01"), 3) == D("2026-10-08")  # National Day
    assert rules.grace_period_end(D("2026-03-02"), 2) == D("2026-05-06")  # May Day
    assert rules.grace_period_end(D("2026-04-30"), 1) == D("2026-06-01")  # 05-30 is a Saturday
    assert rules.grace_period_end(D("2026-01-31"), 1) == D("2026-02-28")  # a Saturday, but a 调休 working day


def test_days_after_rolls_over_rest_days(db):
    assert rules.days_after(D("2026-09-16"), 15) == D("2026-10-08")
    assert rules.days_after(D("2026-07-01"), 15) == D("2026-07-16")
    with pytest.raises(ValueError):
        rules.days_after(D("2026-07-01"), -1)


def test_warning_dates():
    assert rules.grace_warning_dates(D("2026-03-02"), D("2026-05-06")) == {
        "notice": D("2026-03-02"),
        "halfway": D("2026-04-03"),
        "before_end": D("2026-04-29"),
    }
    assert rules.grace_warning_dates(D("2026-03-02"), D("2026-03-05")) == {
        "notice": D("2026-03-02"),
        "halfway": D("2026-03-03"),
    }
    assert rules.grace_warning_dates(
        D("2026-03-01"), D("2026-03-15")
    ) == {  # half-way is a week before the end
        "notice": D("2026-03-01"),
        "before_end": D("2026-03-08"),
    }


@pytest.mark.parametrize(
    ("severity", "on", "expected"),
    [
        ("minor", "2026-03-31", (0, 0)),
        ("general", "2026-03-31", (3, 36)),
        ("serious", "2026-03-31", (3, 36)),
        ("minor", "2026-04-01", (0, 3)),
        ("general", "2026-04-01", (3, 12)),
        ("serious", "2026-04-01", (12, 36)),
    ],
)
def test_publicity_period_by_regime(severity, on, expected):
    assert rules.publicity_period(severity, D(on)) == expected


def test_publicity_period_rejects_unknown_severity():
    with pytest.raises(ValueError):
        rules.publicity_period("huge", D("2026-05-01"))


def test_repair_eligibility():
    ok, earliest, reasons = rules.repair_eligibility(
        severity="general", decided_on=D("2026-05-31"), today=D("2026-09-01"), performed=True, commitment=True
    )
    assert ok and earliest == D("2026-08-31")
    ok, _e, reasons = rules.repair_eligibility(
        severity="general",
        decided_on=D("2026-05-31"),
        today=D("2026-08-30"),
        performed=False,
        commitment=False,
    )
    assert not ok and len(reasons) == 3
    ok, ends, reasons = rules.repair_eligibility(
        severity="serious",
        decided_on=D("2026-05-31"),
        today=D("2029-05-31"),
        performed=False,
        commitment=False,
    )
    assert ok and ends == D("2029-05-31") and "自动停止公示" in reasons[0]
    ok, _e, reasons = rules.repair_eligibility(
        severity="minor", decided_on=D("2025-05-31"), today=D("2025-06-01"), performed=False, commitment=False
    )
    assert ok and "不予公示" in reasons[0]

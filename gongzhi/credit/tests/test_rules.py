from datetime import date

import pytest

from gongzhi.credit import rules


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 1, 15), 3, date(2025, 4, 15)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 12, 31), 2, date(2026, 2, 28)),
        (date(2025, 5, 31), -3, date(2025, 2, 28)),
    ],
)
def test_add_months(start, months, expected):
    assert rules.add_months(start, months) == expected


def test_grace_period_end_moves_to_next_working_day(db):
    # 2026-09-01 + 1 month = 2026-10-01 (National Day): the period ends on the first working day after the holiday.
    assert rules.grace_period_end(date(2026, 9, 1), 1) == date(2026, 10, 8)
    # A plain working day stays.
    assert rules.grace_period_end(date(2026, 6, 10), 1) == date(2026, 7, 10)
    # A plain Saturday moves to Monday: 2026-07-11 → 2026-07-13.
    assert rules.grace_period_end(date(2026, 6, 11), 1) == date(2026, 7, 13)
    # 2026-02-28 is a Saturday but a 调休 working day: month end clamps to it and it stays.
    assert rules.grace_period_end(date(2026, 1, 31), 1) == date(2026, 2, 28)


@pytest.mark.parametrize("months", [0, 4, -1, 1.5, "2", True])
def test_grace_period_months_are_one_to_three(months, db):
    with pytest.raises(ValueError):
        rules.grace_period_end(date(2026, 1, 5), months)


def test_deletion_due_three_working_days(db):
    assert rules.deletion_due(date(2026, 11, 26)) == date(2026, 12, 1)  # Thu → Tue (weekend skipped)
    assert rules.deletion_due(date(2026, 9, 30)) == date(
        2026, 10, 10
    )  # 10-08, 10-09 and the 调休 Saturday 10-10


def test_listing_bars():
    kw = dict(
        debtor_is_minor=False,
        full_security=False,
        seized_assets_sufficient=False,
        later_in_order=False,
        is_unit_officer=False,
    )
    assert rules.listing_bars("G1", **kw) == []
    assert rules.listing_bars(
        "G1", **{**kw, "full_security": True, "seized_assets_sufficient": True, "later_in_order": True}
    ) == ["security", "seized_assets", "performance_order"]
    # A-3 bars only G1.
    assert (
        rules.listing_bars(
            "G2", **{**kw, "full_security": True, "seized_assets_sufficient": True, "later_in_order": True}
        )
        == []
    )
    assert rules.listing_bars("G4", **{**kw, "debtor_is_minor": True}) == ["minor"]
    assert rules.listing_bars("G6", **{**kw, "is_unit_officer": True}) == ["unit_officer"]
    with pytest.raises(ValueError):
        rules.listing_bars("G7", **kw)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        (
            dict(
                first_violation=False, minor=True, corrected_promptly=True, harm="none", no_fault_proven=False
            ),
            "mandatory",
        ),
        (
            dict(
                first_violation=False,
                minor=False,
                corrected_promptly=False,
                harm="other",
                no_fault_proven=True,
            ),
            "mandatory",
        ),
        (
            dict(
                first_violation=True,
                minor=False,
                corrected_promptly=True,
                harm="minor",
                no_fault_proven=False,
            ),
            "discretionary",
        ),
        (
            dict(
                first_violation=True, minor=True, corrected_promptly=True, harm="minor", no_fault_proven=False
            ),
            "discretionary",
        ),
        (
            dict(
                first_violation=True,
                minor=False,
                corrected_promptly=False,
                harm="minor",
                no_fault_proven=False,
            ),
            "none",
        ),
        (
            dict(
                first_violation=True,
                minor=False,
                corrected_promptly=True,
                harm="other",
                no_fault_proven=False,
            ),
            "none",
        ),
        (
            dict(
                first_violation=False,
                minor=True,
                corrected_promptly=True,
                harm="minor",
                no_fault_proven=False,
            ),
            "none",
        ),
    ],
)
def test_penalty_exemption(kw, expected):
    assert rules.penalty_exemption(**kw) == expected


def test_penalty_exemption_rejects_unknown_harm():
    with pytest.raises(ValueError):
        rules.penalty_exemption(
            first_violation=True, minor=True, corrected_promptly=True, harm="big", no_fault_proven=False
        )


@pytest.mark.parametrize(
    ("code", "valid"),
    [
        ("91110000600037341L", True),  # a published code
        ("91350100M000100Y43", True),
        ("91110000600037341A", False),  # wrong check character
        ("9111000060003734", False),  # too short
        ("91110000600037341LL", False),
        ("91110000600O37341L", False),  # O is not in the alphabet
        ("9111AB00600037341L", False),  # division code must be digits
        ("", False),
        (None, False),
    ],
)
def test_uscc(code, valid):
    assert rules.uscc_is_valid(code) is valid

"""Pure rules of the enterprise-credit workflow (../shared/spec/credit-and-voting-rules.md, parts A, B, D, G).

Month arithmetic follows 民法典 第200–203条 (R-0.2); working days use the PRC calendar of gongzhi.core.calendar.
"""

import calendar as _calendar
from datetime import date

from gongzhi.core.calendar import add_working_days, next_working_day

GROUNDS = ("G1", "G2", "G3", "G4", "G5", "G6")
HARMS = ("none", "minor", "other")
# GB 32100-2015: the 31 characters of the code (no I, O, Z, S, V) and the weights of positions 1–17.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def add_months(d: date, months: int) -> date:
    """The same day of the month `months` later, or that month's last day when it has no such day (R-0.2)."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValueError("months must be an integer")
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise ValueError("date out of range")
    return date(year, month, min(d.day, _calendar.monthrange(year, month)[1]))


def grace_period_end(decision_date: date, months: int) -> date:
    """The last day of a 1–3 month grace period (B-1), moved to the next working day when it falls on a rest day."""
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 3:
        raise ValueError("宽限期为1至3个月")
    return next_working_day(add_months(decision_date, months))


def deletion_due(event_date: date) -> date:
    """Deletion, revocation or correction is due within 3 working days of the event (A-9, A-10)."""
    return add_working_days(event_date, 3)


def listing_bars(
    ground: str,
    *,
    debtor_is_minor: bool,
    full_security: bool,
    seized_assets_sufficient: bool,
    later_in_order: bool,
    is_unit_officer: bool,
) -> list[str]:
    """The bars that forbid listing (A-3 for ground G1 only; A-4 for every ground), as codes."""
    if ground not in GROUNDS:
        raise ValueError(f"未知的纳入失信名单情形：{ground!r}（应为 G1–G6）")
    bars = []
    if debtor_is_minor:
        bars.append("minor")
    if is_unit_officer:
        bars.append("unit_officer")
    if ground == "G1":
        if full_security:
            bars.append("security")
        if seized_assets_sufficient:
            bars.append("seized_assets")
        if later_in_order:
            bars.append("performance_order")
    return bars


def penalty_exemption(
    *, first_violation: bool, minor: bool, corrected_promptly: bool, harm: str, no_fault_proven: bool
) -> str:
    """行政处罚法 第33条: "mandatory" (minor, corrected, no harm; or no fault proven), "discretionary" (first
    violation with at most minor harm, corrected promptly: 首违不罚), else "none"."""
    if harm not in HARMS:
        raise ValueError(f"harm 应为 {', '.join(HARMS)} 之一")
    if no_fault_proven:
        return "mandatory"
    if minor and corrected_promptly and harm == "none":
        return "mandatory"
    if first_violation and corrected_promptly and harm in ("none", "minor"):
        return "discretionary"
    return "none"


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_is_valid(code) -> bool:
    """统一社会信用代码 (GB 32100-2015): 18 characters of the code's alphabet, the administrative-division
    code (positions 3–8) in digits, and the right check character."""
    if not isinstance(code, str):
        return False
    code = code.strip().upper()
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    if not code[2:8].isdigit():
        return False
    return code[17] == uscc_check_character(code[:17])


# ---------------------------------------------------------------- added for the workflow (issue 6)

REGIME_2026_FROM = date(2026, 4, 1)
SEVERITIES = ("minor", "general", "serious")


def days_after(start: date, days: int) -> date:
    """A period of `days` calendar days (R-0.2, R-0.3): the start day is not counted, and a period ending on a
    rest day rolls to the next working day (民事诉讼法 第85条)."""
    from datetime import timedelta

    if days < 0:
        raise ValueError("days must not be negative")
    return next_working_day(start + timedelta(days=days))


def grace_warning_dates(notice_on: date, grace_end: date, before_days: int = 7) -> dict[str, date]:
    """When the credit warnings go out: at the notice, half-way through the grace period, and `before_days`
    before it ends; a warning falling on or before the notice, or on the day of another, is dropped."""
    from datetime import timedelta

    halfway = notice_on + timedelta(days=(grace_end - notice_on).days // 2)
    before_end = grace_end - timedelta(days=before_days)
    dates = {"notice": notice_on}
    if notice_on < halfway and halfway != before_end:
        dates["halfway"] = halfway
    if before_end > notice_on:
        dates["before_end"] = before_end
    return dates


def regime_for(decided_on: date) -> str:
    """The credit-repair rules in force on the decision date: NDRC 令第58号 (2023) or 令第36号 (2026-04-01)."""
    return "2026" if decided_on >= REGIME_2026_FROM else "2023"


def publicity_period(severity: str, decided_on: date) -> tuple[int, int]:
    """(minimum, maximum) publicity in months of penalty information.

    2026 regime (C-2.2, C-3.3): minor ≤ 3 months (may be unpublished: minimum 0), general 3–12, serious 12–36.
    2023 regime (C-1.3, C-1.4): minor penalties (warning, 通报批评, small fine) are not published (0, 0);
    others 3–36 months.
    """
    if severity not in SEVERITIES:
        raise ValueError(f"severity 应为 {', '.join(SEVERITIES)} 之一")
    if regime_for(decided_on) == "2026":
        return {"minor": (0, 3), "general": (3, 12), "serious": (12, 36)}[severity]
    return (0, 0) if severity == "minor" else (3, 36)


def repair_eligibility(
    *, severity: str, decided_on: date, today: date, performed: bool, commitment: bool
) -> tuple[bool, date, list[str]]:
    """Whether a penalty record may be repaired now (C-1.5, C-3.4), the earliest date, and the reasons in Chinese."""
    minimum, maximum = publicity_period(severity, decided_on)
    earliest = add_months(decided_on, minimum)
    ends = add_months(decided_on, maximum)
    reasons = []
    if maximum == 0:
        return True, decided_on, ["该处罚信息依规不予公示，无需修复。"]
    if today >= ends:
        return True, ends, [f"最长公示期已于{ends:%Y年%m月%d日}届满，自动停止公示。"]
    if today < earliest:
        reasons.append(f"最短公示期未满，{earliest:%Y年%m月%d日}起可申请。")
    if not performed:
        reasons.append("尚未全面履行行政处罚决定、纠正失信行为。")
    if not commitment:
        reasons.append("需作出公开信用承诺。")
    if not reasons:
        reasons.append("已满足最短公示期、已履行义务并作出信用承诺，可以申请信用修复。")
        return True, earliest, reasons
    return False, earliest, reasons

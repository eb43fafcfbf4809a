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


def listing_bars(ground: str, *, debtor_is_minor: bool, full_security: bool, seized_assets_sufficient: bool,
                 later_in_order: bool, is_unit_officer: bool) -> list[str]:
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


def penalty_exemption(*, first_violation: bool, minor: bool, corrected_promptly: bool, harm: str,
                      no_fault_proven: bool) -> str:
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

"""Voting rules of owners' joint decisions and residents' meetings, counted exactly.

Sources (../shared/spec/credit-and-voting-rules.md): 民法典 第278条 (E-2 quorum, E-3 thresholds, counted as in
E-3.4 with rational arithmetic), the building-ownership judicial interpretation (E-4: one head per owner),
城市居民委员会组织法 第9条 (F-1.2 quorum, F-1.3 decision). "以上" includes the bound, "过半数" is strictly more
than one half (R-0.1). Every comparison is made on integers or Decimals cross-multiplied, never on floats.
"""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction

Number = int | Decimal | str


@dataclass(frozen=True)
class Decision:
    quorum_met: bool
    passed: bool
    reasons: list[str] = field(default_factory=list)


def _to_fraction(value: Number, name: str, *, integer: bool) -> Fraction:
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}必须是数字")
    if isinstance(value, float):
        value = repr(value)
    try:
        number = Fraction(Decimal(str(value).strip()))
    except (InvalidOperation, ValueError):
        raise ValueError(f"{name}不是有效的数字：{value!r}") from None
    if number < 0:
        raise ValueError(f"{name}不能为负数")
    if integer and number.denominator != 1:
        raise ValueError(f"{name}必须是整数（人数按人头计）")
    return number


def _fmt(number: Fraction) -> str:
    if number.denominator == 1:
        return str(number.numerator)
    return f"{Decimal(number.numerator) / Decimal(number.denominator):.2f}".rstrip("0").rstrip(".")


def _pct(part: Fraction, whole: Fraction) -> str:
    if whole == 0:
        return "—"
    return f"{Decimal(part.numerator * whole.denominator * 100) / Decimal(part.denominator * whole.numerator):.2f}%"


def _check(ok: bool) -> str:
    return "✓" if ok else "✗"


def owners_joint_decision(
    total_area: Number,
    total_owners: Number,
    participating_area: Number,
    participating_owners: Number,
    yes_area: Number,
    yes_owners: Number,
    major: bool,
) -> Decision:
    """民法典 第278条: both ≥ 2/3 of total area and of all owners take part; then more than half (or, for the
    major matters of items 6–8, at least 3/4) of the participating area and of the participating owners agree."""
    area_total = _to_fraction(total_area, "总面积", integer=False)
    heads_total = _to_fraction(total_owners, "业主总人数", integer=True)
    area_part = _to_fraction(participating_area, "参与表决面积", integer=False)
    heads_part = _to_fraction(participating_owners, "参与表决人数", integer=True)
    area_yes = _to_fraction(yes_area, "同意面积", integer=False)
    heads_yes = _to_fraction(yes_owners, "同意人数", integer=True)
    if area_total == 0 or heads_total == 0:
        raise ValueError("总面积和业主总人数必须大于零")
    if area_part > area_total:
        raise ValueError("参与表决面积不能大于专有部分总面积")
    if heads_part > heads_total:
        raise ValueError("参与表决人数不能大于业主总人数")
    if area_yes > area_part:
        raise ValueError("同意面积不能大于参与表决面积")
    if heads_yes > heads_part:
        raise ValueError("同意人数不能大于参与表决人数")

    area_quorum = 3 * area_part >= 2 * area_total
    heads_quorum = 3 * heads_part >= 2 * heads_total
    reasons = [
        f"参与表决专有部分面积 {_fmt(area_part)}/{_fmt(area_total)} = {_pct(area_part, area_total)}，"
        f"{'≥' if area_quorum else '<'} 2/3 {_check(area_quorum)}",
        f"参与表决业主人数 {_fmt(heads_part)}/{_fmt(heads_total)} = {_pct(heads_part, heads_total)}，"
        f"{'≥' if heads_quorum else '<'} 2/3 {_check(heads_quorum)}",
    ]
    quorum_met = area_quorum and heads_quorum
    if major:
        area_ok = 4 * area_yes >= 3 * area_part
        heads_ok = 4 * heads_yes >= 3 * heads_part
        bound, relation = "3/4", ("≥", "<")
        kind = "重大事项（筹集维修资金、改建重建、改变共有部分用途或利用共有部分经营），须经参与表决面积和人数各四分之三以上同意"
    else:
        area_ok = 2 * area_yes > area_part
        heads_ok = 2 * heads_yes > heads_part
        bound, relation = "1/2", (">", "≤")
        kind = "一般事项，须经参与表决面积和人数各过半数同意"
    reasons.append(kind)
    reasons.append(
        f"同意面积 {_fmt(area_yes)}/{_fmt(area_part)} = {_pct(area_yes, area_part)}，"
        f"{relation[0] if area_ok else relation[1]} {bound} {_check(area_ok)}"
    )
    reasons.append(
        f"同意人数 {_fmt(heads_yes)}/{_fmt(heads_part)} = {_pct(heads_yes, heads_part)}，"
        f"{relation[0] if heads_ok else relation[1]} {bound} {_check(heads_ok)}"
    )
    passed = quorum_met and area_ok and heads_ok
    if not quorum_met:
        reasons.append("参与表决未达到法定比例（民法典第278条第2款），表决无效，决定未通过")
    else:
        reasons.append("决定通过" if passed else "同意票未达到法定比例，决定未通过")
    return Decision(quorum_met=quorum_met, passed=passed, reasons=reasons)


def residents_meeting_decision(base: Number, present: Number, yes: Number) -> Decision:
    """城市居民委员会组织法 第9条: more than half of the base present, more than half of those present in favour."""
    base_n = _to_fraction(base, "应到人数", integer=True)
    present_n = _to_fraction(present, "实到人数", integer=True)
    yes_n = _to_fraction(yes, "赞成人数", integer=True)
    if base_n == 0:
        raise ValueError("应到人数必须大于零")
    if present_n > base_n:
        raise ValueError("实到人数不能大于应到人数")
    if yes_n > present_n:
        raise ValueError("赞成人数不能大于实到人数")
    quorum_met = 2 * present_n > base_n
    majority = 2 * yes_n > present_n
    reasons = [
        f"实到 {_fmt(present_n)}/{_fmt(base_n)} = {_pct(present_n, base_n)}，"
        f"{'>' if quorum_met else '≤'} 1/2 {_check(quorum_met)}",
        f"赞成 {_fmt(yes_n)}/{_fmt(present_n)} = {_pct(yes_n, present_n)}，"
        f"{'>' if majority else '≤'} 1/2 {_check(majority)}",
    ]
    passed = quorum_met and majority
    if not quorum_met:
        reasons.append("出席人数未过半数（居民委员会组织法第9条），会议不能作出决定")
    else:
        reasons.append("决定通过" if passed else "赞成票未过出席人数半数，决定未通过")
    return Decision(quorum_met=quorum_met, passed=passed, reasons=reasons)


def body_rules_decision(present: Number, yes: Number) -> Decision:
    """A body's own rules of procedure where no law sets a threshold (F-4.4 c): a simple majority of those
    present. There is no statutory quorum; the result is labelled as the body's own rule."""
    present_n = _to_fraction(present, "实到人数", integer=True)
    yes_n = _to_fraction(yes, "赞成人数", integer=True)
    if yes_n > present_n:
        raise ValueError("赞成人数不能大于实到人数")
    quorum_met = present_n > 0
    majority = 2 * yes_n > present_n
    reasons = [
        "按本议事机构议事规则表决（无法定比例要求）：出席人数过半数赞成即通过",
        f"赞成 {_fmt(yes_n)}/{_fmt(present_n)} = {_pct(yes_n, present_n)}，"
        f"{'>' if majority else '≤'} 1/2 {_check(majority)}",
    ]
    passed = quorum_met and majority
    if not quorum_met:
        reasons.append("无人出席表决，不能作出决定")
    else:
        reasons.append("决定通过" if passed else "赞成票未过出席人数半数，决定未通过")
    return Decision(quorum_met=quorum_met, passed=passed, reasons=reasons)


@dataclass(frozen=True)
class ConveningCheck:
    must_convene: bool
    reasons: list[str] = field(default_factory=list)


def residents_meeting_convening(
    adult_residents: Number,
    households: Number,
    resident_groups: Number,
    signers: Number,
    signer_households: Number,
    signer_groups: Number,
) -> ConveningCheck:
    """城市居民委员会组织法 第10条 (F-1.4): the residents' committee must convene the residents' meeting when
    ≥ 1/5 of adult residents, or ≥ 1/5 of households, or ≥ 1/3 of resident groups propose it. A base of 0
    (not known) never triggers its route."""
    adults = _to_fraction(adult_residents, "18周岁以上居民人数", integer=True)
    hh = _to_fraction(households, "户数", integer=True)
    groups = _to_fraction(resident_groups, "居民小组数", integer=True)
    s = _to_fraction(signers, "提议人数", integer=True)
    sh = _to_fraction(signer_households, "提议户数", integer=True)
    sg = _to_fraction(signer_groups, "提议居民小组数", integer=True)
    for part, whole, label in ((s, adults, "提议人数"), (sh, hh, "提议户数"), (sg, groups, "提议居民小组数")):
        if whole and part > whole:
            raise ValueError(f"{label}不能大于总数")
    checks = []
    for part, whole, bound, label in (
        (s, adults, 5, "18周岁以上居民"),
        (sh, hh, 5, "户"),
        (sg, groups, 3, "居民小组"),
    ):
        if whole == 0:
            checks.append((False, f"{label}总数未登记，无法按此项计算"))
            continue
        ok = bound * part >= whole
        checks.append(
            (
                ok,
                f"提议{label} {_fmt(part)}/{_fmt(whole)} = {_pct(part, whole)}，"
                f"{'≥' if ok else '<'} 1/{bound} {_check(ok)}",
            )
        )
    must = any(ok for ok, _text in checks)
    reasons = [text for _ok, text in checks]
    reasons.append(
        "已达到法定提议人数，居民委员会应当召集居民会议（居民委员会组织法第10条）"
        if must
        else "尚未达到法定提议人数（1/5居民、1/5户或1/3居民小组）"
    )
    return ConveningCheck(must_convene=must, reasons=reasons)

"""Administrative penalties (C, D): the Art. 33 exemption check, the penalty record with its classification and
publicity period, the 不予行政处罚决定 instead of a penalty, performance, and repair eligibility."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, ServiceError
from gongzhi.core.models import append_audit_event

from .. import rules
from ..choices import PenaltyType, Severity
from ..models import AdministrativePenalty, Enterprise, PenaltyExemptionDecision
from ._base import _money, _require_officer, _today

EXEMPTION_TEXT = {
    "mandatory": _(
        "依行政处罚法第33条，不予行政处罚（违法行为轻微并及时改正、没有造成危害后果，或有证据足以证明没有主观过错）。"
        "应当对当事人进行教育，不产生行政处罚信息。"
    ),
    "discretionary": _(
        "初次违法且危害后果轻微并及时改正，可以不予行政处罚（首违不罚）。如仍作出处罚，须写明理由。"
    ),
    "none": _("不符合第33条不予处罚的情形，可以依法作出处罚。"),
}


def check_penalty_exemption(
    *, first_violation: bool, minor: bool, corrected_promptly: bool, harm: str, no_fault_proven: bool
) -> dict:
    try:
        result = rules.penalty_exemption(
            first_violation=bool(first_violation),
            minor=bool(minor),
            corrected_promptly=bool(corrected_promptly),
            harm=harm,
            no_fault_proven=bool(no_fault_proven),
        )
    except ValueError:
        raise ServiceError(_("请选择危害后果。"), field="harm") from None
    return {"result": result, "explanation": str(EXEMPTION_TEXT[result])}


def _exemption_factors(first_violation, minor_violation, corrected_promptly, harm, no_fault_proven) -> dict:
    return {
        "first_violation": bool(first_violation),
        "minor_violation": bool(minor_violation),
        "corrected_promptly": bool(corrected_promptly),
        "harm": harm,
        "no_fault_proven": bool(no_fault_proven),
    }


def record_penalty(
    actor,
    *,
    enterprise: Enterprise,
    authority: str,
    decision_number: str,
    decided_on,
    facts: str,
    penalty_types: list[str],
    severity: str,
    fine_amount=0,
    first_violation: bool,
    minor_violation: bool,
    corrected_promptly: bool,
    harm: str,
    no_fault_proven: bool,
    exemption_declined_reason: str = "",
    performed: bool = False,
    band_id: int | None = None,
    outside_reason: str = "",
) -> AdministrativePenalty:
    """Record a penalty only after the Art. 33 check; classify it and its publicity period by the regime in force.
    With a discretion benchmark's grade (band_id), a decision outside its band needs a written reason and waits for
    a second officer's approval (credit.discretion)."""
    _require_officer(actor)
    check = check_penalty_exemption(
        first_violation=first_violation,
        minor=minor_violation,
        corrected_promptly=corrected_promptly,
        harm=harm,
        no_fault_proven=no_fault_proven,
    )
    if check["result"] == "mandatory":
        raise ServiceError(check["explanation"], code="penalty_exempt")
    if check["result"] == "discretionary":
        exemption_declined_reason = inputs.text(
            exemption_declined_reason, "exemption_declined_reason", _("不适用首违不罚的理由"), min_length=2
        )
    else:
        exemption_declined_reason = ""
    severity = inputs.choice(severity, Severity, "severity", _("失信程度"))
    penalty_types = list(penalty_types or [])
    types = [t for t in penalty_types if t in PenaltyType.values]
    if not types or len(types) != len(penalty_types):
        raise ServiceError(_("请选择有效的处罚种类。"), field="penalty_types")
    decided_on = inputs.day(decided_on, "decided_on", _("处罚决定日期"))
    if decided_on > _today():
        raise ServiceError(_("处罚决定日期不能晚于今天。"), field="decided_on")
    minimum, maximum = rules.publicity_period(severity, decided_on)
    fields = {
        "authority": inputs.text(authority, "authority", _("处罚机关"), min_length=2),
        "decision_number": inputs.text(decision_number, "decision_number", _("处罚决定书文号"), min_length=2),
        "facts": inputs.text(facts, "facts", _("违法事实"), min_length=2),
        "fine_amount": _money(fine_amount, "fine_amount", _("罚款金额")),
    }
    if PenaltyType.FINE in types and not fields["fine_amount"]:
        raise ServiceError(_("处罚种类含罚款时，请填写罚款金额。"), field="fine_amount")
    banding = {}
    if band_id:
        from ..discretion import check_band

        banding = check_band(band_id, types, fields["fine_amount"], outside_reason)
    try:
        with transaction.atomic():
            penalty = AdministrativePenalty.objects.create(
                enterprise=enterprise,
                decided_on=decided_on,
                penalty_types=types,
                severity=severity,
                regime=rules.regime_for(decided_on),
                publicity_min_months=minimum,
                publicity_max_months=maximum,
                **_exemption_factors(
                    first_violation, minor_violation, corrected_promptly, harm, no_fault_proven
                ),
                exemption=check["result"],
                exemption_declined_reason=exemption_declined_reason,
                performed=bool(performed),
                recorded_by=actor,
                **fields,
                **banding,
            )
            append_audit_event(
                actor,
                "record_penalty",
                target=f"credit.penalty:{penalty.pk}",
                note=exemption_declined_reason or penalty.outside_reason,
                after={
                    "enterprise": enterprise.uscc,
                    "decision_number": penalty.decision_number,
                    "severity": severity,
                    "regime": penalty.regime,
                    "exemption": check["result"],
                    "publicity_months": [minimum, maximum],
                    "band": penalty.band_id,
                    "outside_band": penalty.outside_band,
                },
            )
    except IntegrityError:
        raise ServiceError(_("该处罚决定书文号已存在。"), code="duplicate", field="decision_number") from None
    return penalty


def record_exemption_decision(
    actor,
    *,
    enterprise: Enterprise,
    authority: str,
    decision_number: str,
    decided_on,
    facts: str,
    first_violation: bool,
    minor_violation: bool,
    corrected_promptly: bool,
    harm: str,
    no_fault_proven: bool,
    education: str,
    reason: str = "",
) -> PenaltyExemptionDecision:
    """Record a 不予行政处罚决定 instead of a penalty: required when Art. 33 forbids the penalty, and the officer's
    choice (with reasons) when it allows one (首违不罚). It creates no penalty information (D-11); the education
    the law requires (D-4) is recorded."""
    _require_officer(actor)
    check = check_penalty_exemption(
        first_violation=first_violation,
        minor=minor_violation,
        corrected_promptly=corrected_promptly,
        harm=harm,
        no_fault_proven=no_fault_proven,
    )
    if check["result"] == "none":
        raise ServiceError(
            _("不符合行政处罚法第33条不予处罚的情形，不能作出不予处罚决定。"), code="not_exempt"
        )
    if check["result"] == "discretionary":
        reason = inputs.text(reason, "reason", _("不予处罚的理由"), min_length=2)
    else:
        reason = inputs.text(reason, "reason", _("不予处罚的理由")) or check["explanation"]
    decided_on = inputs.day(decided_on, "decided_on", _("决定日期"))
    if decided_on > _today():
        raise ServiceError(_("决定日期不能晚于今天。"), field="decided_on")
    fields = {
        "authority": inputs.text(authority, "authority", _("行政机关"), min_length=2),
        "decision_number": inputs.text(
            decision_number, "decision_number", _("不予处罚决定书文号"), min_length=2
        ),
        "facts": inputs.text(facts, "facts", _("违法事实"), min_length=2),
        "education": inputs.text(education, "education", _("对当事人进行的教育"), min_length=2),
    }
    try:
        with transaction.atomic():
            decision = PenaltyExemptionDecision.objects.create(
                enterprise=enterprise,
                decided_on=decided_on,
                exemption=check["result"],
                reason=reason,
                recorded_by=actor,
                **_exemption_factors(
                    first_violation, minor_violation, corrected_promptly, harm, no_fault_proven
                ),
                **fields,
            )
            append_audit_event(
                actor,
                "record_penalty_exemption",
                target=f"credit.exemption:{decision.pk}",
                note=reason,
                after={
                    "enterprise": enterprise.uscc,
                    "exemption": check["result"],
                    "decision_number": decision.decision_number,
                },
            )
    except IntegrityError:
        raise ServiceError(_("该决定书文号已存在。"), code="duplicate", field="decision_number") from None
    return decision


def mark_penalty_performed(actor, penalty_id: int, *, note: str = "") -> AdministrativePenalty:
    """The enterprise has fully performed the penalty decision and corrected the conduct (C-3.4 item 2)."""
    _require_officer(actor)
    note = inputs.text(note, "note", _("履行情况说明"), min_length=2)
    with transaction.atomic():
        penalty = AdministrativePenalty.objects.select_for_update().filter(pk=penalty_id).first()
        if penalty is None:
            raise ServiceError(_("行政处罚记录不存在。"), code="not_found")
        if penalty.performed:
            raise IllegalTransition(_("该处罚已记录为履行完毕。"))
        penalty.performed = True
        penalty.save(update_fields=["performed"])
        append_audit_event(
            actor,
            "penalty_performed",
            target=f"credit.penalty:{penalty.pk}",
            note=note,
            before={"performed": False},
            after={"performed": True},
        )
    return penalty


def penalty_repair_eligibility(
    penalty: AdministrativePenalty, *, commitment: bool = True, today=None
) -> dict:
    eligible, earliest, reasons = rules.repair_eligibility(
        severity=penalty.severity,
        decided_on=penalty.decided_on,
        today=today or _today(),
        performed=penalty.performed,
        commitment=commitment,
    )
    return {"eligible": eligible, "earliest": earliest, "reasons": reasons}


REGIME_LABELS = {
    "2023": _("《失信行为纠正后的信用信息修复管理办法（试行）》（国家发展改革委令第58号）"),
    "2026": _("《信用修复管理办法》（国家发展改革委令第36号，2026年4月1日起施行）"),
}


def penalty_publicity(penalty: AdministrativePenalty, today=None) -> dict:
    """The publicity period of a penalty record in dates and in Chinese: it runs from the decision date (C-3.3)."""
    today = today or _today()
    minimum, maximum = penalty.publicity_min_months, penalty.publicity_max_months
    start = penalty.decided_on
    if maximum == 0:
        summary = _("依%(regime)s，轻微失信的行政处罚信息（仅警告、通报批评或较低数额罚款）不予公示。") % {
            "regime": REGIME_LABELS[penalty.regime]
        }
        return {"published": False, "summary": summary, "min_end": start, "max_end": start, "active": False}
    min_end, max_end = rules.add_months(start, minimum), rules.add_months(start, maximum)
    if minimum:
        summary = _(
            "依%(regime)s，%(severity)s失信：自%(start)s起公示，最短%(min)s个月（%(min_end)s届满后可申请修复），"
            "最长%(max)s个月（%(max_end)s自动停止公示）。"
        )
    else:
        summary = _(
            "依%(regime)s，%(severity)s失信：可以不予公示；确需公示的，自%(start)s起最长%(max)s个月"
            "（%(max_end)s自动停止公示），履行义务后即可申请修复。"
        )
    summary = summary % {
        "regime": REGIME_LABELS[penalty.regime],
        "severity": penalty.get_severity_display(),
        "start": f"{start:%Y年%m月%d日}",
        "min": minimum,
        "max": maximum,
        "min_end": f"{min_end:%Y年%m月%d日}",
        "max_end": f"{max_end:%Y年%m月%d日}",
    }
    return {
        "published": True,
        "summary": summary,
        "min_end": min_end,
        "max_end": max_end,
        "active": start <= today < max_end,
    }

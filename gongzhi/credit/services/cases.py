"""The enforcement case's way to the list and off it: the risk warning (A-5.1), the pre-penalty notice and its grace
period with the credit warnings (B), settlement, the listing decision (A-3 to A-5), publication (A-7), extension,
correction, revocation (A-9) and deletion (A-10)."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.conf import setting
from gongzhi.core.errors import IllegalTransition, ServiceError
from gongzhi.core.notices import get_kind
from gongzhi.core.notices import render as render_notice

from .. import notices, rules
from ..choices import (
    ITEM_GROUNDS,
    CaseState,
    DeadlineKind,
    DeletionGround,
    Ground,
    Settlement,
    SyncEvent,
    WarningKind,
)
from ..models import CaseDeadline, CreditWarning, EnforcementCase, Enterprise
from ._base import (
    _acting,
    _meet_deadlines,
    _money,
    _notify_contacts,
    _open_deadline,
    _require_officer,
    _today,
    record_event,
)
from .platforms import _sync_platforms

BAR_LABELS = {
    "minor": _("被执行人为未成年人，不得纳入失信名单（第4条）"),
    "unit_officer": _(
        "单位的法定代表人、主要负责人、实际控制人等不是被执行人，不得纳入（法发〔2019〕35号第16条）"
    ),
    "security": _("已提供充分有效担保，不得以有履行能力而拒不履行为由纳入（第3条）"),
    "seized_assets": _("已查封、扣押、冻结的财产足以清偿债务，不得以G1纳入（第3条）"),
    "performance_order": _("履行顺序在后，依法不应强制执行，不得以G1纳入（第3条）"),
}


def open_case(
    actor,
    *,
    enterprise: Enterprise,
    court: str,
    case_number: str,
    basis_document: str,
    creditor: str,
    obligation: str,
    amount,
    filed_on,
    warned_on=None,
    creditor_applied_on=None,
    performed_amount=0,
) -> EnforcementCase:
    """Record an enforcement case whose 执行通知 carried the risk warning about listing (A-5.1)."""
    _require_officer(actor)
    fields = {
        "enterprise": enterprise,
        "court": inputs.text(court, "court", _("执行法院"), min_length=2),
        "case_number": inputs.text(case_number, "case_number", _("执行案号"), min_length=2),
        "basis_document": inputs.text(basis_document, "basis_document", _("执行依据"), min_length=2),
        "creditor": inputs.text(creditor, "creditor", _("申请执行人"), min_length=2),
        "obligation": inputs.text(obligation, "obligation", _("履行义务"), min_length=2),
        "amount": _money(amount, "amount", _("标的金额")),
        "performed_amount": _money(performed_amount, "performed_amount", _("已履行金额")),
        "filed_on": inputs.day(filed_on, "filed_on", _("立案日期")),
    }
    fields["warned_on"] = inputs.day(warned_on, "warned_on", _("执行通知日期"), default=_today())
    if fields["performed_amount"] > fields["amount"]:
        raise ServiceError(_("已履行金额不能大于标的金额。"), field="performed_amount")
    applied = (
        inputs.day(creditor_applied_on, "creditor_applied_on", "", default=None)
        if creditor_applied_on
        else None
    )
    try:
        with transaction.atomic():
            case = EnforcementCase.objects.create(
                officer=actor, state=CaseState.WARNED, creditor_applied_on=applied, **fields
            )
            record_event(
                case,
                actor,
                "open",
                state_before="",
                note=_("执行通知已载明纳入失信名单的风险提示。"),
                after={"case_number": case.case_number},
            )
            if applied:
                # decide on the creditor's listing application within 15 days of receipt.
                _open_deadline(case, DeadlineKind.LISTING_APPLICATION, applied, rules.days_after(applied, 15))
            _notify_contacts(
                enterprise, notices.RISK_NOTICE.key, {"court": case.court, "case": case.case_number}
            )
    except IntegrityError:
        raise ServiceError(_("该执行案号已存在。"), code="duplicate", field="case_number") from None
    return case


def issue_notice(
    actor,
    case_id: int,
    *,
    grace_months: int,
    reason: str,
    intended_ground: str,
    notice_number: str = "",
    notice_on=None,
) -> EnforcementCase:
    """Serve the 预惩戒通知书 (B-4) and start the 1–3 month grace period (B-1); schedule the credit warnings."""
    intended_ground = inputs.choice(intended_ground, Ground, "intended_ground", _("拟纳入情形"))
    notice_number = inputs.text(notice_number, "notice_number", _("通知书文号"))
    try:
        months = int(grace_months)
    except (TypeError, ValueError):
        months = 0
    reason = inputs.text(reason, "grace_reason", _("给予宽限期的理由"), min_length=2)
    notice_on = inputs.day(notice_on, "notice_on", _("通知日期"), default=_today())
    try:
        grace_end = rules.grace_period_end(notice_on, months)
    except ValueError:
        raise ServiceError(_("宽限期为1至3个月。"), field="grace_months") from None
    with _acting(actor, case_id, "issue_notice") as (case, before):
        case.notice_on, case.grace_months, case.grace_end = notice_on, months, grace_end
        case.grace_granted_by, case.grace_reason, case.intended_ground = actor, reason, intended_ground
        case.notice_number = notice_number or f"预惩〔{notice_on.year}〕{case.pk}号"
        case.save()
        record_event(
            case,
            actor,
            "issue_notice",
            state_before=before,
            note=reason,
            after={"grace_months": months, "grace_end": grace_end, "intended_ground": intended_ground},
        )
        _open_deadline(case, DeadlineKind.GRACE_END, notice_on, grace_end)
        before_days = int(setting("CREDIT_WARNING_DAYS_BEFORE_END"))
        for kind, on in rules.grace_warning_dates(notice_on, grace_end, before_days).items():
            CreditWarning.objects.create(case=case, kind=kind, scheduled_on=on)
        _send_due_warnings(case, notice_on)
    return case


def _warning_notice(case, kind: str) -> tuple[str, dict]:
    """The notice kind of a scheduled warning and its variables."""
    context = {"case": case.case_number, "amount": case.unperformed_amount, "grace_end": str(case.grace_end)}
    if kind == WarningKind.NOTICE:
        return notices.PRE_PENALTY_NOTICE.key, context
    return notices.GRACE_REMINDER.key, context


def _send_due_warnings(case, today: date) -> int:
    """Send the warnings whose day has come (each once); the caller holds the case lock."""
    sent = 0
    for warning in CreditWarning.objects.filter(
        case=case, sent_at__isnull=True, cancelled=False, scheduled_on__lte=today
    ):
        kind, context = _warning_notice(case, warning.kind)
        subject, _body = render_notice(get_kind(kind), context)
        warning.recipients = _notify_contacts(case.enterprise, kind, context)
        warning.sent_at = timezone.now()
        warning.save(update_fields=["recipients", "sent_at"])
        record_event(
            case,
            None,
            "warning",
            note=subject,
            after={"kind": warning.kind, "recipients": warning.recipients},
        )
        sent += 1
    return sent


def settle(
    actor, case_id: int, *, settlement: str, settled_on=None, performed_amount=None, note: str = ""
) -> EnforcementCase:
    """Performance, settlement or security before listing → no listing (B-1.3)."""
    settlement = inputs.choice(settlement, Settlement, "settlement", _("履行方式"))
    settled_on = inputs.day(settled_on, "settled_on", _("履行日期"), default=_today())
    with _acting(actor, case_id, "settle") as (case, before):
        if performed_amount not in (None, ""):
            amount = _money(performed_amount, "performed_amount", _("已履行金额"))
            if amount > case.amount:
                raise ServiceError(_("已履行金额不能大于标的金额。"), field="performed_amount")
            case.performed_amount = amount
        elif settlement == Settlement.PERFORMED:
            case.performed_amount = case.amount
        case.settlement, case.settled_on = settlement, settled_on
        case.save()
        _meet_deadlines(case, [DeadlineKind.GRACE_END, DeadlineKind.LISTING_APPLICATION], settled_on)
        CreditWarning.objects.filter(case=case, sent_at__isnull=True).update(cancelled=True)
        record_event(
            case,
            actor,
            "settle",
            state_before=before,
            note=note,
            after={"settlement": settlement, "performed_amount": case.performed_amount},
        )
        _notify_contacts(
            case.enterprise,
            notices.NOT_LISTED.key,
            {"case": case.case_number, "settlement": str(Settlement(settlement).label)},
        )
    return case


def decide_listing(
    actor,
    case_id: int,
    *,
    ground: str,
    decision_number: str,
    reason: str,
    signed_by: str,
    served_on,
    decided_on=None,
    term_years=None,
    extension_years=0,
    extension_reason: str = "",
    debtor_is_minor: bool = False,
    full_security: bool = False,
    seized_assets_sufficient: bool = False,
    later_in_order: bool = False,
    is_unit_officer: bool = False,
) -> EnforcementCase:
    """The listing decision (A-5.3): bars of A-3/A-4, a term for G2–G6 and none for G1, extension 1–3 years."""
    ground = inputs.choice(ground, Ground, "ground", _("纳入情形"))
    bars = rules.listing_bars(
        ground,
        debtor_is_minor=bool(debtor_is_minor),
        full_security=bool(full_security),
        seized_assets_sufficient=bool(seized_assets_sufficient),
        later_in_order=bool(later_in_order),
        is_unit_officer=bool(is_unit_officer),
    )
    if bars:
        raise ServiceError("；".join(str(BAR_LABELS[b]) for b in bars), code="listing_barred", field="ground")
    extension_reason = inputs.text(extension_reason, "extension_reason", _("延长理由"))
    term, extension = _listing_term(ground, term_years, extension_years, extension_reason)
    decision_number = inputs.text(decision_number, "decision_number", _("决定书文号"), min_length=2)
    reason = inputs.text(reason, "decision_reason", _("纳入理由"), min_length=2)
    signed_by = inputs.text(signed_by, "signed_by", _("签发人"), min_length=2)
    decided_on = inputs.day(decided_on, "decided_on", _("决定日期"), default=_today())
    # never signed without being served.
    served_on = inputs.day(served_on, "served_on", _("送达日期"))
    if served_on < decided_on:
        raise ServiceError(_("送达日期不能早于决定日期。"), field="served_on")
    with _acting(actor, case_id, "decide_listing") as (case, before):
        if before == CaseState.IN_GRACE and decided_on <= case.grace_end:
            raise ServiceError(
                _("宽限期至%(end)s届满，届满前不得作出纳入决定。") % {"end": case.grace_end},
                code="in_grace",
                field="decided_on",
            )
        if case.relist_barred_until and case.creditor_applied_on and decided_on < case.relist_barred_until:
            raise ServiceError(
                _("申请执行人书面申请删除后6个月内再次申请纳入的，不予支持。"), code="relist_barred"
            )
        case.ground, case.decision_number, case.decision_reason = ground, decision_number, reason
        case.signed_by, case.decided_on, case.served_on = signed_by, decided_on, served_on
        case.term_years, case.extension_years, case.extension_reason = term, extension, extension_reason
        case.save()
        _meet_deadlines(case, [DeadlineKind.GRACE_END, DeadlineKind.LISTING_APPLICATION], decided_on)
        CreditWarning.objects.filter(case=case, sent_at__isnull=True).update(cancelled=True)
        record_event(
            case,
            actor,
            "decide_listing",
            state_before=before,
            note=reason,
            after={"ground": ground, "term_years": term, "extension_years": extension},
        )
        _notify_contacts(
            case.enterprise,
            notices.LISTING_DECIDED.key,
            {"case": case.case_number, "ground": str(Ground(ground).label)},
        )
    return case


def _listing_term(ground: str, term_years, extension_years, extension_reason: str) -> tuple[int | None, int]:
    try:
        extension = int(extension_years or 0)
    except (TypeError, ValueError):
        raise ServiceError(_("延长期限应为1至3年。"), field="extension_years") from None
    if ground == Ground.G1:
        if term_years not in (None, "", 0, "0") or extension:
            raise ServiceError(
                _("以G1纳入的不设纳入期限，也不得延长（第2条）。"), code="no_term_for_g1", field="term_years"
            )
        return None, 0
    try:
        term = int(term_years) if term_years not in (None, "") else None
    except (TypeError, ValueError):
        term = -1
    if term != 2:
        raise ServiceError(
            _("以G2–G6纳入的，纳入期限为2年，决定书应写明期限（第2条）。"),
            code="term_required",
            field="term_years",
        )
    if not 0 <= extension <= 3:
        raise ServiceError(_("延长期限应为1至3年。"), field="extension_years")
    if extension and len(extension_reason) < 2:  # decide_listing passes it through _text already
        raise ServiceError(
            _("延长纳入期限须写明理由（情节严重的暴力、威胁抗拒执行，或具有多项失信行为）。"),
            field="extension_reason",
        )
    return term, extension


def _term_end(case) -> date | None:
    if not case.term_years or not case.published_on:
        return None
    return rules.add_months(case.published_on, 12 * (case.term_years + case.extension_years))


def publish(actor, case_id: int, *, published_on=None) -> EnforcementCase:
    """Publish the listing (A-7); each platform receives it through the outbox."""
    published_on = inputs.day(published_on, "published_on", _("公布日期"), default=_today())
    with _acting(actor, case_id, "publish") as (case, before):
        if published_on < case.decided_on:
            raise ServiceError(_("公布日期不能早于决定日期。"), field="published_on")
        case.published_on = published_on
        case.term_end = _term_end(case)
        case.save()
        if case.term_end:
            _open_deadline(
                case,
                DeadlineKind.EXPIRY_DELETION,
                case.term_end,
                rules.deletion_due(case.term_end),
                note=_("纳入期限届满后3个工作日内删除"),
            )
        event = record_event(
            case,
            actor,
            "publish",
            state_before=before,
            after={"published_on": published_on, "term_end": case.term_end},
        )
        _sync_platforms(case, event, SyncEvent.PUBLISHED)
    return case


def extend_term(actor, case_id: int, *, years, reason: str) -> EnforcementCase:
    """A-2.2: extend a G2–G6 term by 1 to 3 years in total."""
    with _acting(actor, case_id, "extend_term") as (case, before):
        if case.ground == Ground.G1:
            raise ServiceError(_("以G1纳入的不设期限，无需延长。"), code="no_term_for_g1")
        try:
            years = int(years)
        except (TypeError, ValueError):
            years = 0
        total = case.extension_years + years
        if years < 1 or total > 3:
            raise ServiceError(
                _("延长期限合计应为1至3年（已延长%(n)s年）。") % {"n": case.extension_years}, field="years"
            )
        reason = inputs.text(reason, "reason", _("延长理由"), min_length=2)
        old_end = case.term_end
        case.extension_years, case.extension_reason = total, reason
        case.term_end = _term_end(case)
        case.save()
        CaseDeadline.objects.filter(case=case, kind=DeadlineKind.EXPIRY_DELETION, met_on__isnull=True).update(
            starts_on=case.term_end, due_on=rules.deletion_due(case.term_end), warned_at=None, overdue_at=None
        )
        event = record_event(
            case,
            actor,
            "extend_term",
            state_before=before,
            note=reason,
            before={"term_end": old_end},
            after={"term_end": case.term_end, "extension_years": total},
        )
        _sync_platforms(case, event, SyncEvent.CORRECTED)
    return case


CORRECTABLE = {
    "obligation",
    "amount",
    "performed_amount",
    "basis_document",
    "creditor",
    "court",
    "decision_reason",
}


def correct(actor, case_id: int, *, changes: dict, reason: str) -> EnforcementCase:
    """A-9.2 / A-12: correct inaccurate information; platforms receive the corrected record."""
    reason = inputs.text(reason, "reason", _("更正理由"), min_length=2)
    unknown = set(changes) - CORRECTABLE
    if not changes or unknown:
        raise ServiceError(_("请填写要更正的事项。"), field="changes")
    with _acting(actor, case_id, "correct") as (case, before):
        old = {}
        for field, value in changes.items():
            if field in ("amount", "performed_amount"):
                value = _money(value, field, case._meta.get_field(field).verbose_name)
            else:
                value = inputs.text(value, field, str(case._meta.get_field(field).verbose_name), min_length=2)
            old[field] = getattr(case, field)
            setattr(case, field, value)
        if case.performed_amount > case.amount:
            raise ServiceError(_("已履行金额不能大于标的金额。"), field="performed_amount")
        case.save()
        _meet_deadlines(case, [DeadlineKind.REVOKE_CORRECT, DeadlineKind.OBJECTION_CORRECT])
        event = record_event(
            case,
            actor,
            "correct",
            state_before=before,
            note=reason,
            before=old,
            after={k: getattr(case, k) for k in changes},
        )
        if before == CaseState.PUBLISHED:
            _sync_platforms(case, event, SyncEvent.CORRECTED)
    return case


def report_error(actor, case_id: int, *, kind: str, note: str, found_on=None) -> CaseDeadline:
    """A-9: the court finds a wrong or inaccurate listing; revocation or correction is due in 3 working days."""
    _require_officer(actor)
    note = inputs.text(note, "note", _("说明"), min_length=2)
    found_on = inputs.day(found_on, "found_on", _("发现日期"), default=_today())
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case_id)
        if case.state not in (CaseState.DECIDED, CaseState.PUBLISHED):
            raise IllegalTransition(_("只有已决定纳入或已公布的案件需要撤销或更正。"))
        deadline = _open_deadline(
            case, DeadlineKind.REVOKE_CORRECT, found_on, rules.deletion_due(found_on), note
        )
        record_event(case, actor, "report_error", note=note, after={"kind": kind, "due_on": deadline.due_on})
    return deadline


def revoke(actor, case_id: int, *, reason: str) -> EnforcementCase:
    """A-9.1: the debtor should not have been listed."""
    reason = inputs.text(reason, "reason", _("撤销理由"), min_length=2)
    with _acting(actor, case_id, "revoke") as (case, before):
        case.ended_on = _today()
        case.save()
        _meet_deadlines(
            case,
            [
                DeadlineKind.REVOKE_CORRECT,
                DeadlineKind.OBJECTION_CORRECT,
                DeadlineKind.DELETION,
                DeadlineKind.EXPIRY_DELETION,
            ],
        )
        event = record_event(case, actor, "revoke", state_before=before, note=reason)
        if before == CaseState.PUBLISHED:
            _sync_platforms(case, event, SyncEvent.REVOKED)
        _notify_contacts(case.enterprise, notices.LISTING_REVOKED.key, {"case": case.case_number}, link="")
    return case


def allowed_deletion_grounds(case: EnforcementCase, on: date | None = None) -> list[str]:
    """A-10.1 items for G1 listings; expiry (once the term has ended) for G2–G6 (A-10.2); early deletion for all."""
    on = on or _today()
    if case.ground == Ground.G1:
        return [*ITEM_GROUNDS, DeletionGround.EARLY]
    grounds = [DeletionGround.EARLY]
    if case.term_end and on >= case.term_end:
        grounds.insert(0, DeletionGround.EXPIRED)
    return grounds


def report_deletion_ground(
    actor, case_id: int, *, ground: str, event_on=None, note: str = ""
) -> CaseDeadline:
    """A deletion ground occurred: the deletion is due within 3 working days (A-10)."""
    _require_officer(actor)
    ground = inputs.choice(ground, DeletionGround, "deletion_ground", _("删除事由"))
    event_on = inputs.day(event_on, "event_on", _("事由发生日期"), default=_today())
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().get(pk=case_id)
        if case.state != CaseState.PUBLISHED:
            raise IllegalTransition(_("只有已公布的失信信息可以删除。"))
        _check_deletion_ground(case, ground, event_on)
        case.deletion_ground, case.deletion_event_on = ground, event_on
        case.save(update_fields=["deletion_ground", "deletion_event_on", "updated_at"])
        deadline = _open_deadline(
            case, DeadlineKind.DELETION, event_on, rules.deletion_due(event_on), DeletionGround(ground).label
        )
        record_event(
            case,
            actor,
            "report_deletion_ground",
            note=note,
            after={"ground": ground, "event_on": event_on, "due_on": deadline.due_on},
        )
    return deadline


def _check_deletion_ground(case, ground: str, event_on: date) -> None:
    if ground not in allowed_deletion_grounds(case, event_on):
        if ground == DeletionGround.EXPIRED:
            raise ServiceError(
                _("纳入期限尚未届满（%(end)s）。") % {"end": case.term_end or "—"},
                code="not_expired",
                field="deletion_ground",
            )
        raise ServiceError(
            _("有纳入期限的失信信息不适用该删除事由，只能期限届满删除或提前删除（第10条第2款）。"),
            code="ground_not_applicable",
            field="deletion_ground",
        )


def delete_listing(
    actor, case_id: int, *, ground: str | None = None, event_on=None, note: str = ""
) -> EnforcementCase:
    """Delete (stop publishing; the record is kept, A-10.4) and tell every platform."""
    with _acting(actor, case_id, "delete") as (case, before):
        ground = ground or case.deletion_ground
        ground = inputs.choice(ground, DeletionGround, "deletion_ground", _("删除事由"))
        event_on = inputs.day(event_on, "event_on", "", default=case.deletion_event_on or _today())
        _check_deletion_ground(case, ground, event_on)
        if ground == DeletionGround.EARLY:
            note = inputs.text(note, "note", _("提前删除的理由（积极履行或主动纠正失信行为）"), min_length=2)
        case.deletion_ground, case.deletion_event_on, case.ended_on = ground, event_on, _today()
        if ground == DeletionGround.CREDITOR_REQUEST:
            case.relist_barred_until = rules.add_months(event_on, 6)
        case.save()
        if (
            not CaseDeadline.objects.filter(
                case=case, kind__in=[DeadlineKind.DELETION, DeadlineKind.EXPIRY_DELETION], met_on__isnull=True
            ).exists()
            and ground != DeletionGround.EARLY
        ):
            _open_deadline(
                case,
                DeadlineKind.DELETION,
                event_on,
                rules.deletion_due(event_on),
                DeletionGround(ground).label,
            )
        _meet_deadlines(
            case, [DeadlineKind.DELETION, DeadlineKind.EXPIRY_DELETION, DeadlineKind.OBJECTION_CORRECT]
        )
        event = record_event(
            case,
            actor,
            "delete",
            state_before=before,
            note=note,
            after={"ground": ground, "event_on": event_on},
        )
        _sync_platforms(case, event, SyncEvent.DELETED)
        _notify_contacts(
            case.enterprise,
            notices.LISTING_DELETED.key,
            {"case": case.case_number, "ground": str(DeletionGround(ground).label)},
        )
    return case

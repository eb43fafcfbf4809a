"""Every write of the credit workflow. Each service locks the case, checks the transition table (workflow.py) and
the actor's role, writes, appends a CreditEvent to the case's hash chain, notifies, and — for publication,
shielding, deletion, correction and revocation — queues one outbox message per active credit platform.
Refusals raise ServiceError subclasses with Chinese messages. Spec: credit-and-voting-rules.md A–D, G.
"""

from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs, netguard, outbox
from gongzhi.core.choices import NotificationChannel, Role
from gongzhi.core.conf import setting
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.masking import mask_phone, person_label
from gongzhi.core.models import User, append_audit_event
from gongzhi.core.notices import get_kind, send_notice
from gongzhi.core.notices import render as render_notice
from gongzhi.core.outbox import OutboxMessage
from gongzhi.core.uploads import check_upload

from .. import notices, rules
from ..choices import (
    ITEM_GROUNDS,
    PUBLIC_STATES,
    CaseState,
    DeadlineKind,
    DeletionGround,
    Ground,
    ObjectionGround,
    ObjectionStatus,
    PenaltyType,
    RepairGround,
    RepairStatus,
    Settlement,
    Severity,
    SyncEvent,
    WarningKind,
)
from ..models import (
    AdministrativePenalty,
    CaseDeadline,
    CreditEvent,
    CreditPlatform,
    CreditWarning,
    EnforcementCase,
    Enterprise,
    EnterpriseAppeal,
    EnterpriseContact,
    Objection,
    PenaltyExemptionDecision,
    RepairApplication,
    RepairEvidence,
)
from ..workflow import EVENT_LABELS, WORKFLOW

BAR_LABELS = {
    "minor": _("被执行人为未成年人，不得纳入失信名单（第4条）"),
    "unit_officer": _(
        "单位的法定代表人、主要负责人、实际控制人等不是被执行人，不得纳入（法发〔2019〕35号第16条）"
    ),
    "security": _("已提供充分有效担保，不得以有履行能力而拒不履行为由纳入（第3条）"),
    "seized_assets": _("已查封、扣押、冻结的财产足以清偿债务，不得以G1纳入（第3条）"),
    "performance_order": _("履行顺序在后，依法不应强制执行，不得以G1纳入（第3条）"),
}


def _today() -> date:
    return timezone.localdate()


# ---------------------------------------------------------------- events, roles, locking


def _actor_label(actor) -> str:
    if actor is None:
        return _("系统")
    return person_label(actor)


def record_event(
    case: EnforcementCase,
    actor,
    action: str,
    *,
    state_before: str = "",
    note: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> CreditEvent:
    """Append to the case's chain. The caller holds the case's row lock."""
    return CreditEvent.append(
        actor,
        action,
        actor_label=_actor_label(actor),
        case=case,
        note=note,
        before=before,
        after=after,
        state_before=state_before or case.state,
        state_after=case.state,
    )


def is_officer(user) -> bool:
    return (
        user is not None and getattr(user, "is_authenticated", False) and user.has_role(Role.CREDIT_OFFICER)
    )


def _require_officer(actor) -> None:
    if not is_officer(actor):
        raise PermissionDeniedError(_("只有信用专员可以执行此操作。"))


def is_contact(user, enterprise_id: int) -> bool:
    return (
        user is not None
        and getattr(user, "pk", None) is not None
        and EnterpriseContact.objects.filter(enterprise_id=enterprise_id, user=user).exists()
    )


@contextmanager
def _acting(actor, case_id: int, action: str):
    """Lock the case, check the transition table and the actor's role; yield (case, state_before)."""
    with transaction.atomic():
        case = (
            EnforcementCase.objects.select_for_update(of=("self",))
            .select_related("enterprise")
            .filter(pk=case_id)
            .first()
        )
        if case is None:
            raise ServiceError(_("执行案件不存在。"), code="not_found")
        transition = WORKFLOW.require(
            case.state,
            action,
            actor.roles if actor is not None else frozenset(),
            state_label=case.get_state_display(),
        )
        state_before = case.state
        case.state = transition.target
        yield case, state_before


def _money(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value if value not in (None, "") else "0"))
    except InvalidOperation:
        raise ServiceError(_("%(label)s不是有效金额。") % {"label": label}, field=field) from None
    if not amount.is_finite():  # NaN, sNaN, Infinity: Decimal takes them, comparisons then raise
        raise ServiceError(_("%(label)s不是有效金额。") % {"label": label}, field=field)
    # the bound first: quantizing 1e999999 to cents raises
    if amount < 0 or amount >= Decimal("1e14") or amount != amount.quantize(Decimal("0.01")):
        raise ServiceError(_("%(label)s应为不小于0、最多两位小数的金额。") % {"label": label}, field=field)
    return amount


# ---------------------------------------------------------------- deadlines (G-2)


def _open_deadline(case, kind: str, starts_on: date, due_on: date, note: str = "") -> CaseDeadline:
    return CaseDeadline.objects.create(case=case, kind=kind, starts_on=starts_on, due_on=due_on, note=note)


def _meet_deadlines(case, kinds: Iterable[str], on: date | None = None) -> None:
    CaseDeadline.objects.filter(case=case, kind__in=list(kinds), met_on__isnull=True).update(
        met_on=on or _today()
    )


# ---------------------------------------------------------------- notifications


def _notify_contacts(enterprise: Enterprise, kind: str, context: dict, link: str = "/credit/mine/") -> int:
    """Tell each contact of the enterprise (their account, and their mobile number on file); how many were told."""
    count = 0
    for contact in enterprise.contacts.select_related("user"):
        if contact.user_id or contact.phone:
            send_notice(kind, user=contact.user, phone=contact.phone, context=context, link=link)
            count += 1
    return count


def _officers_for(case) -> list[User]:
    if case.officer_id:
        return [case.officer]
    return list(User.objects.filter(groups__name=Role.CREDIT_OFFICER, is_active=True))


def _notify_officers(case, kind: str, **context) -> None:
    for officer in _officers_for(case):
        send_notice(
            kind,
            user=officer,
            context={"case": case.case_number, **context},
            link=f"/credit/cases/{case.pk}/",
        )


# ---------------------------------------------------------------- platform sync (C-4, G-5)


def public_record(case: EnforcementCase) -> dict:
    """What is published about a listing (A-6), and what each platform mirrors."""
    e = case.enterprise
    return {
        "case_id": case.pk,
        "case_number": case.case_number,
        "court": case.court,
        "enterprise": e.name,
        "uscc": e.uscc,
        "legal_representative": e.legal_representative,
        "obligation": case.obligation,
        "amount": str(case.amount),
        "performed_amount": str(case.performed_amount),
        "ground": case.ground,
        "ground_label": Ground(case.ground).label if case.ground else "",
        "basis_document": case.basis_document,
        "filed_on": case.filed_on,
        "decided_on": case.decided_on,
        "published_on": case.published_on,
        "term_end": case.term_end,
        "state": case.state,
    }


def _platforms_for(case: EnforcementCase) -> list[CreditPlatform]:
    """The active platforms, and every platform that has received this record, even if deactivated since: a
    platform that holds a listing must learn of its shielding, deletion or correction (issue K item 5)."""
    received = {
        int(target.split(":", 1)[1])
        for target in OutboxMessage.objects.filter(
            subject=f"credit.case:{case.pk}", target__startswith="credit-platform:"
        )
        .values_list("target", flat=True)
        .distinct()
    }
    return list(CreditPlatform.objects.filter(Q(is_active=True) | Q(pk__in=received)).order_by("id"))


def _sync_platforms(case: EnforcementCase, event: CreditEvent, sync_event: str) -> int:
    """One outbox message per platform concerned for this event (idempotent on the event)."""
    count = 0
    payload = {"action": sync_event, "record": public_record(case)}
    for platform in _platforms_for(case):
        outbox.enqueue(
            event_id=f"credit.event:{event.pk}",
            event_type=f"credit.{sync_event}",
            target=platform.target,
            target_label=platform.name,
            backend=platform.backend,
            address=platform.address,
            secret=platform.secret,
            payload=payload,
            subject=f"credit.case:{case.pk}",
            confirm_within=timedelta(hours=platform.confirm_window_hours),
        )
        count += 1
    return count


# ---------------------------------------------------------------- enterprises


def create_enterprise(
    actor,
    *,
    name: str,
    uscc: str,
    legal_representative: str = "",
    address: str = "",
    region=None,
    contacts: Iterable[dict] = (),
) -> Enterprise:
    _require_officer(actor)
    name = inputs.text(name, "name", _("企业名称"), min_length=2)
    uscc = inputs.text(uscc, "uscc", _("统一社会信用代码")).upper()
    legal_representative = inputs.text(legal_representative, "legal_representative", _("法定代表人"))
    address = inputs.text(address, "address", _("地址"))
    if not rules.uscc_is_valid(uscc):
        raise ServiceError(
            _("统一社会信用代码无效（应为18位，且校验码正确）。"), code="invalid_uscc", field="uscc"
        )
    with transaction.atomic():
        if Enterprise.objects.filter(uscc=uscc).exists():
            raise ServiceError(_("该统一社会信用代码的企业已登记。"), code="duplicate", field="uscc")
        enterprise = Enterprise.objects.create(
            name=name, uscc=uscc, legal_representative=legal_representative, address=address, region=region
        )
        append_audit_event(
            actor,
            "create_enterprise",
            target=f"credit.enterprise:{enterprise.pk}",
            note=name,
            after={"uscc": uscc, "region": region.code if region else None},
        )
        for contact in contacts:
            add_contact(actor, enterprise, **contact)
    return enterprise


def contact_snapshot(contact: EnterpriseContact) -> dict:
    """A contact as the audit trail keeps it: the account it opens the enterprise to, the phone masked."""
    return {
        "name": contact.name,
        "phone": mask_phone(contact.phone),
        "user": contact.user_id,
        "is_primary": contact.is_primary,
    }


def add_contact(
    actor,
    enterprise: Enterprise,
    *,
    name: str,
    phone: str = "",
    email: str = "",
    user=None,
    is_primary: bool = False,
) -> EnterpriseContact:
    _require_officer(actor)
    name = inputs.text(name, "name", _("联系人姓名"), min_length=2)
    phone = inputs.text(phone, "phone", _("手机号"))
    email = inputs.text(email, "email", _("邮箱"))
    if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        raise ServiceError(_("请输入11位手机号码。"), field="phone")
    if not (phone or user):
        raise ServiceError(_("联系人至少需要手机号或平台账号之一。"), field="phone")
    if user is None and phone:  # a contact who logs in with this mobile number sees the enterprise's page
        user = User.objects.filter(phone=phone).first()
    contact = EnterpriseContact.objects.create(
        enterprise=enterprise, name=name, phone=phone, email=email or "", user=user, is_primary=is_primary
    )
    # A contact's account sees the enterprise's cases and penalties: the grant is on the trail.
    append_audit_event(
        actor,
        "add_contact",
        target=f"credit.enterprise:{enterprise.pk}",
        note=enterprise.name,
        after=contact_snapshot(contact),
    )
    return contact


def link_contacts_by_phone(user) -> int:
    """A new account whose mobile number a credit officer registered as an enterprise contact is linked to those
    contacts (core.services.resident_account_created): the contact then reaches the enterprise's own page. Each link is
    on the trail. Returns the contacts linked."""
    if not getattr(user, "phone", ""):
        return 0
    linked = 0
    for contact in (
        EnterpriseContact.objects.select_for_update(of=("self",))
        .select_related("enterprise")
        .filter(phone=user.phone, user__isnull=True)
    ):
        contact.user = user
        contact.save(update_fields=["user"])
        append_audit_event(
            None,
            "link_contact",
            target=f"credit.enterprise:{contact.enterprise_id}",
            note=_("联系人%(name)s首次登录，绑定平台账号") % {"name": contact.name},
            after=contact_snapshot(contact),
        )
        linked += 1
    return linked


# ---------------------------------------------------------------- enterprise appeals (急企业之所急)


def can_submit_enterprise_appeal(user, enterprise_id: int) -> bool:
    """An enterprise's own contacts, and operators recording an appeal on its behalf."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return is_contact(user, enterprise_id) or user.has_role(Role.OPERATOR)


def submit_enterprise_appeal(
    actor,
    enterprise_id: int,
    *,
    kind: str,
    title: str,
    content: str,
    region,
    category=None,
    address: str = "",
    attachments: Iterable = (),
    contact_name: str = "",
    contact_phone: str = "",
    client_key: str | None = None,
) -> EnterpriseAppeal:
    """An appeal by or for an enterprise. It enters the normal appeals workflow with channel 'enterprise'; the link
    to the enterprise is kept here so the appeals app stays independent of credit.

    A contact submits as the appellant. An operator records it on the enterprise's behalf with the name and phone
    of the contact who called (default: the primary contact), and stays its first receiver."""
    from gongzhi.appeals import services as appeal_services
    from gongzhi.appeals.choices import Channel

    enterprise = Enterprise.objects.filter(pk=enterprise_id).first()
    if enterprise is None:
        raise ServiceError(_("企业不存在。"), code="not_found")
    own = is_contact(actor, enterprise.pk)
    if not own and not can_submit_enterprise_appeal(actor, enterprise.pk):
        raise PermissionDeniedError(_("只有企业联系人或话务员可以提交企业诉求。"))
    if own:
        contact = enterprise.contacts.filter(user=actor).first()
        contact_name, contact_phone = contact.name, contact.phone or actor.phone or ""
    else:
        primary = enterprise.contacts.first()  # primary contacts sort first
        contact_name = (contact_name or "").strip() or (primary.name if primary else "")
        contact_phone = (contact_phone or "").strip() or (primary.phone if primary else "")
        if not contact_phone:
            raise ServiceError(_("请填写企业联系人的手机号，以便承办单位联系和回访。"), field="contact_phone")
    with transaction.atomic():
        appeal, _code = appeal_services.submit_appeal(
            actor,
            kind=kind,
            channel=Channel.ENTERPRISE,
            title=title,
            content=content,
            region=region,
            category=category,
            address=address,
            appellant_name=contact_name[:50],
            appellant_phone=contact_phone,
            attachments=attachments,
            client_key=client_key or None,
            delegated=True,
        )
        existing = EnterpriseAppeal.objects.filter(appeal=appeal).first()
        if existing is not None:  # the same client key again: the appeal already accepted
            if existing.enterprise_id != enterprise.pk:
                raise ServiceError(_("该幂等键已用于其他企业的诉求。"), code="duplicate", field="client_key")
            return existing
        link = EnterpriseAppeal.objects.create(
            enterprise=enterprise, appeal=appeal, submitted_by=actor, on_behalf=not own
        )
        append_audit_event(
            actor,
            "enterprise_appeal",
            target=f"appeal:{appeal.pk}",
            note=_("%(name)s（%(uscc)s）的企业诉求") % {"name": enterprise.name, "uscc": enterprise.uscc},
            after={"enterprise": enterprise.pk, "appeal": appeal.number, "on_behalf": not own},
        )
    return link


# ---------------------------------------------------------------- cases


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


# ---------------------------------------------------------------- objections and review


def _can_apply_for(actor, case) -> bool:
    return is_officer(actor) or is_contact(actor, case.enterprise_id)


def file_objection(actor, case_id: int, *, ground: str, statement: str, received_on=None) -> Objection:
    ground = inputs.choice(ground, ObjectionGround, "ground", _("申请理由"))
    statement = inputs.text(statement, "statement", _("申请内容"), min_length=5)
    received_on = inputs.day(received_on, "received_on", _("收到日期"), default=_today())
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().select_related("enterprise").get(pk=case_id)
        if not _can_apply_for(actor, case):
            raise PermissionDeniedError(_("只有被执行企业的联系人可以申请纠正。"))
        if case.state not in (CaseState.DECIDED, CaseState.PUBLISHED):
            raise IllegalTransition(_("只有已纳入失信名单的案件可以申请纠正。"))
        if case.objections.filter(
            status__in=[ObjectionStatus.PENDING, ObjectionStatus.REVIEW_PENDING]
        ).exists():
            raise ServiceError(_("已有正在审查的纠正申请。"), code="duplicate")
        objection = Objection.objects.create(
            case=case, ground=ground, statement=statement, applicant=actor, received_on=received_on
        )
        _open_deadline(
            case,
            DeadlineKind.OBJECTION_EXAM,
            received_on,
            rules.days_after(received_on, 15),
            note=f"objection:{objection.pk}",
        )
        record_event(case, actor, "file_objection", note=statement, after={"ground": ground})
        _notify_officers(case, notices.OBJECTION_FILED.key)
    return objection


def decide_objection(actor, objection_id: int, *, grant: bool, reason: str, decided_on=None) -> Objection:
    _require_officer(actor)
    reason = inputs.text(reason, "reason", _("决定理由"), min_length=2)
    decided_on = inputs.day(decided_on, "decided_on", _("决定日期"), default=_today())
    with transaction.atomic():
        objection = (
            Objection.objects.select_for_update().select_related("case__enterprise").get(pk=objection_id)
        )
        case = EnforcementCase.objects.select_for_update().get(pk=objection.case_id)
        if objection.status != ObjectionStatus.PENDING:
            raise IllegalTransition(_("该申请已作出决定。"))
        objection.status = ObjectionStatus.GRANTED if grant else ObjectionStatus.REJECTED
        objection.decided_on, objection.decision_reason = decided_on, reason
        objection.save()
        _meet_objection_deadline(case, objection, DeadlineKind.OBJECTION_EXAM, decided_on)
        _after_objection_decision(case, objection, grant, decided_on)
        record_event(case, actor, "decide_objection", note=reason, after={"status": objection.status})
    return objection


def _meet_objection_deadline(case, objection, kind, on):
    CaseDeadline.objects.filter(
        case=case, kind=kind, note=f"objection:{objection.pk}", met_on__isnull=True
    ).update(met_on=on)


def _after_objection_decision(case, objection, grant: bool, decided_on: date) -> None:
    if grant:
        _open_deadline(
            case,
            DeadlineKind.OBJECTION_CORRECT,
            decided_on,
            rules.deletion_due(decided_on),
            note=f"objection:{objection.pk}",
        )
    else:
        _open_deadline(
            case,
            DeadlineKind.REVIEW_FILING,
            decided_on,
            rules.days_after(decided_on, 10),
            note=f"objection:{objection.pk}",
        )
    _notify_contacts(
        case.enterprise, notices.OBJECTION_DECIDED.key, {"case": case.case_number, "granted": grant}
    )


def file_review(actor, objection_id: int, *, statement: str, filed_on=None) -> Objection:
    statement = inputs.text(statement, "statement", _("复议理由"), min_length=5)
    filed_on = inputs.day(filed_on, "filed_on", _("申请日期"), default=_today())
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection_id)
        case = (
            EnforcementCase.objects.select_for_update().select_related("enterprise").get(pk=objection.case_id)
        )
        if not _can_apply_for(actor, case):
            raise PermissionDeniedError(_("只有被执行企业的联系人可以申请复议。"))
        if objection.status != ObjectionStatus.REJECTED:
            raise IllegalTransition(_("只有被驳回的纠正申请可以申请复议。"))
        window = CaseDeadline.objects.filter(
            case=case, kind=DeadlineKind.REVIEW_FILING, note=f"objection:{objection.pk}"
        ).first()
        if window and filed_on > window.due_on:
            raise ServiceError(_("申请复议的期限已于%(due)s届满。") % {"due": window.due_on}, code="too_late")
        objection.status, objection.review_filed_on, objection.review_statement = (
            ObjectionStatus.REVIEW_PENDING,
            filed_on,
            statement,
        )
        objection.save()
        _meet_objection_deadline(case, objection, DeadlineKind.REVIEW_FILING, filed_on)
        _open_deadline(
            case,
            DeadlineKind.REVIEW_DECISION,
            filed_on,
            rules.days_after(filed_on, 15),
            note=f"objection:{objection.pk}",
        )
        record_event(case, actor, "file_review", note=statement)
    return objection


def decide_review(actor, objection_id: int, *, grant: bool, reason: str, decided_on=None) -> Objection:
    """The higher court's decision (recorded by a credit officer); during review the listing stays in force."""
    _require_officer(actor)
    reason = inputs.text(reason, "reason", _("复议决定理由"), min_length=2)
    decided_on = inputs.day(decided_on, "decided_on", _("决定日期"), default=_today())
    with transaction.atomic():
        objection = Objection.objects.select_for_update().get(pk=objection_id)
        case = (
            EnforcementCase.objects.select_for_update().select_related("enterprise").get(pk=objection.case_id)
        )
        if objection.status != ObjectionStatus.REVIEW_PENDING:
            raise IllegalTransition(_("该申请不在复议中。"))
        objection.status = ObjectionStatus.REVIEW_GRANTED if grant else ObjectionStatus.REVIEW_REJECTED
        objection.review_decided_on, objection.review_reason = decided_on, reason
        objection.save()
        _meet_objection_deadline(case, objection, DeadlineKind.REVIEW_DECISION, decided_on)
        if grant:
            _open_deadline(
                case,
                DeadlineKind.OBJECTION_CORRECT,
                decided_on,
                rules.deletion_due(decided_on),
                note=f"objection:{objection.pk}",
            )
        record_event(case, actor, "decide_review", note=reason, after={"status": objection.status})
    return objection


# ---------------------------------------------------------------- credit repair


def submit_repair(
    actor, case_id: int, *, ground: str, statement: str, commitment: str, files: Iterable = ()
) -> RepairApplication:
    """信用修复申请: grounds, evidence files (checked like every upload), and a credit commitment."""
    ground = inputs.choice(ground, RepairGround, "ground", _("修复理由"))
    statement = inputs.text(statement, "statement", _("情况说明"), min_length=5)
    commitment = inputs.text(commitment, "commitment", _("信用承诺"), min_length=10)
    files = list(files or [])
    if not files:
        raise ServiceError(_("请上传履行、和解、担保或重整的证明材料。"), field="evidence")
    types = [check_upload(f) for f in files]
    with transaction.atomic():
        case = EnforcementCase.objects.select_for_update().select_related("enterprise").get(pk=case_id)
        if not _can_apply_for(actor, case):
            raise PermissionDeniedError(_("只有被执行企业的联系人可以申请信用修复。"))
        if case.state != CaseState.PUBLISHED:
            raise IllegalTransition(_("只有已公布的失信信息可以申请信用修复。"))
        if case.repairs.filter(status=RepairStatus.SUBMITTED).exists():
            raise ServiceError(_("已有待审查的信用修复申请。"), code="duplicate")
        application = RepairApplication.objects.create(
            case=case, ground=ground, statement=statement, commitment=commitment, applicant=actor
        )
        for upload, ctype in zip(files, types, strict=True):
            RepairEvidence.objects.create(
                application=application, file=upload, name=upload.name[:200], content_type=ctype
            )
        record_event(
            case, actor, "submit_repair", note=statement, after={"ground": ground, "files": len(files)}
        )
        _notify_officers(case, notices.REPAIR_FILED.key, enterprise=case.enterprise.name)
    return application


def decide_repair(actor, application_id: int, *, approve: bool, reason: str) -> RepairApplication:
    """Approve → the listing is shielded: the record stays but is no longer published nor used (A-10.4)."""
    reason = inputs.text(reason, "reason", _("审查意见"), min_length=2)
    with transaction.atomic():
        application = RepairApplication.objects.select_for_update().get(pk=application_id)
        if application.status != RepairStatus.SUBMITTED:
            raise IllegalTransition(_("该申请已审查。"))
        action = "shield" if approve else "reject_repair"
        if approve:
            with _acting(actor, application.case_id, "shield") as (case, before):
                case.ended_on = _today()
                case.save()
                _meet_deadlines(case, [DeadlineKind.DELETION, DeadlineKind.EXPIRY_DELETION])
                event = record_event(
                    case,
                    actor,
                    action,
                    state_before=before,
                    note=reason,
                    after={"repair": application.pk, "ground": application.ground},
                )
                _sync_platforms(case, event, SyncEvent.SHIELDED)
        else:
            _require_officer(actor)
            case = (
                EnforcementCase.objects.select_for_update()
                .select_related("enterprise")
                .get(pk=application.case_id)
            )
            record_event(case, actor, action, note=reason, after={"repair": application.pk})
        application.status = RepairStatus.APPROVED if approve else RepairStatus.REJECTED
        application.decided_by, application.decided_at, application.decision_reason = (
            actor,
            timezone.now(),
            reason,
        )
        application.save()
        _notify_contacts(
            case.enterprise,
            notices.REPAIR_DECIDED.key,
            {"case": case.case_number, "approved": approve, "reason": reason},
        )
    return application


# ---------------------------------------------------------------- platforms


def clean_platform_target(backend: str, address: str, secret: str) -> tuple[str, str]:
    """Where a platform is delivered to, as the API, the pages and the admin all check it (core.netguard): a webhook
    to a public http(s) address with a secret of at least 16 characters, a file drop inside the drop root."""
    if backend == outbox.OutboxBackend.WEBHOOK:
        address = netguard.check_url(address, field="address")
        if len(secret or "") < 16:
            raise ServiceError(_("签名密钥至少16个字符。"), field="secret")
    else:
        address = netguard.check_drop_folder(address)
    return address, secret or ""


def create_platform(
    actor, *, name: str, backend: str, address: str, secret: str = "", confirm_window_hours: int = 72
) -> CreditPlatform:
    _require_officer(actor)
    backend = inputs.choice(backend, outbox.OutboxBackend, "backend", _("对接方式"))
    name = inputs.text(name, "name", _("平台名称"), min_length=2)
    address = inputs.text(address, "address", _("地址或目录"), min_length=2)
    address, secret = clean_platform_target(backend, address, secret)
    try:
        with transaction.atomic():
            platform = CreditPlatform.objects.create(
                name=name,
                backend=backend,
                address=address,
                secret=secret or "",
                confirm_window_hours=int(confirm_window_hours),
            )
            append_audit_event(
                actor,
                "create_platform",
                target=f"credit.platform:{platform.pk}",
                note=name,
                after={
                    "backend": backend,
                    "address": address,
                    "confirm_window_hours": platform.confirm_window_hours,
                },
            )
            backfill_platform(actor, platform)
            return platform
    except IntegrityError:
        raise ServiceError(_("该平台名称已存在。"), code="duplicate", field="name") from None


def set_platform_active(actor, platform_id: int, active: bool) -> CreditPlatform:
    """Stop or resume sending new listings to a platform. A stopped platform still receives the changes of the
    records it holds; a resumed one receives what was published meanwhile (backfill)."""
    _require_officer(actor)
    with transaction.atomic():
        platform = CreditPlatform.objects.select_for_update().filter(pk=platform_id).first()
        if platform is None:
            raise ServiceError(_("平台不存在。"), code="not_found")
        if platform.is_active != bool(active):
            platform.is_active = bool(active)
            platform.save(update_fields=["is_active"])
            append_audit_event(
                actor,
                "platform_active" if active else "platform_inactive",
                target=f"credit.platform:{platform.pk}",
                note=platform.name,
                after={"is_active": platform.is_active},
            )
            if active:
                backfill_platform(actor, platform)
    return platform


def backfill_platform(actor, platform: CreditPlatform) -> int:
    """Send a platform (new, or active again) every record published now, in its current state. Idempotent: a
    record whose latest change the platform already has (or was backfilled with) is not sent again."""
    count = 0
    for case in (
        EnforcementCase.objects.filter(state__in=PUBLIC_STATES).select_related("enterprise").order_by("id")
    ):
        last = case.events.order_by("-id").values_list("pk", flat=True).first() or 0
        backfill_id = f"credit.backfill:{case.pk}:{last}"
        if OutboxMessage.objects.filter(
            target=platform.target, event_id__in=[f"credit.event:{last}", backfill_id]
        ).exists():
            continue
        outbox.enqueue(
            event_id=backfill_id,
            event_type="credit.publish",
            target=platform.target,
            target_label=platform.name,
            backend=platform.backend,
            address=platform.address,
            secret=platform.secret,
            payload={"action": "publish", "backfill": True, "record": public_record(case)},
            subject=f"credit.case:{case.pk}",
            confirm_within=timedelta(hours=platform.confirm_window_hours),
        )
        count += 1
    if count:
        append_audit_event(
            actor,
            "backfill_platform",
            target=f"credit.platform:{platform.pk}",
            note=platform.name,
            after={"records": count},
        )
    return count


def _supervisors_of(officer: User | None) -> list[User]:
    """Whom an officer answers to: the supervisors and leaders of their unit, else the county's leaders."""
    people = User.objects.filter(is_active=True, groups__name__in=[Role.SUPERVISOR, Role.LEADER]).distinct()
    if officer is not None and officer.unit_id:
        same_unit = list(people.filter(unit_id=officer.unit_id))
        if same_unit:
            return same_unit
    return list(User.objects.filter(is_active=True, groups__name=Role.LEADER).distinct())


def escalate_unconfirmed() -> int:
    """A platform delivery not confirmed within its window is escalated once to the case's officer and to their
    supervisors (the board lists it too). Returns the notices sent."""
    from gongzhi.core.models import Notification

    sent = 0
    overdue = outbox.overdue(
        OutboxMessage.objects.filter(
            target__startswith="credit-platform:", subject__startswith="credit.case:"
        )
    )
    for message in overdue[:500]:
        case_id = int(message.subject.split(":", 1)[1])
        case = EnforcementCase.objects.select_related("officer").filter(pk=case_id).first()
        if case is None:
            continue
        officers = _officers_for(case)
        people = {u.pk: u for u in [*officers, *_supervisors_of(case.officer)]}
        keys = {pk: f"credit.unconfirmed:{message.pk}:{pk}" for pk in people}
        # send_notice keys each row "<key>:<channel>"; these notices are site messages.
        done = {
            key.rsplit(":", 1)[0]
            for key in Notification.objects.filter(
                key__in=[f"{k}:{NotificationChannel.SITE}" for k in keys.values()]
            ).values_list("key", flat=True)
        }
        context = {
            "platform": message.target_label,
            "case": case.case_number,
            "enterprise": case.enterprise.name,
            "event": str(EVENT_LABELS.get(message.event_type, message.event_type)),
            "confirm_by": timezone.localtime(message.confirm_by).strftime("%Y-%m-%d %H:%M"),
        }
        for pk, person in people.items():
            if keys[pk] in done:
                continue
            with transaction.atomic():
                send_notice(
                    notices.PLATFORM_UNCONFIRMED.key,
                    user=person,
                    context=context,
                    link="/credit/#overdue",
                    key=keys[pk],
                )
            sent += 1
    return sent


# ---------------------------------------------------------------- administrative penalties (C, D)


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


# ---------------------------------------------------------------- the sweep


def sweep(today: date | None = None) -> dict:
    """Idempotent periodic work: due credit warnings, deadline warnings and overdue notices, file-drop
    acknowledgements and overdue platform confirmations. A second run the same day changes nothing."""
    today = today or _today()
    warn_days = int(setting("CREDIT_DEADLINE_WARNING_DAYS"))
    counts = {"warnings": 0, "deadline_warnings": 0, "overdue": 0}
    due_cases = set(
        CreditWarning.objects.filter(
            sent_at__isnull=True, cancelled=False, scheduled_on__lte=today, case__state=CaseState.IN_GRACE
        ).values_list("case_id", flat=True)
    )
    for case_id in due_cases:
        with transaction.atomic():
            case = (
                EnforcementCase.objects.select_for_update(of=("self",))
                .select_related("enterprise")
                .get(pk=case_id)
            )
            if case.state == CaseState.IN_GRACE:
                counts["warnings"] += _send_due_warnings(case, today)
    open_deadlines = (
        CaseDeadline.objects.filter(met_on__isnull=True)
        .filter(due_on__lte=today + timedelta(days=warn_days))
        .values_list("pk", flat=True)
    )
    for deadline_id in open_deadlines:
        with transaction.atomic():
            deadline = (
                CaseDeadline.objects.select_for_update()
                .select_related("case__enterprise")
                .get(pk=deadline_id)
            )
            case = deadline.case
            if deadline.met_on:
                continue
            if deadline.due_on < today and deadline.overdue_at is None:
                deadline.overdue_at = timezone.now()
                deadline.save(update_fields=["overdue_at"])
                _notify_officers(
                    case,
                    notices.DEADLINE_OVERDUE.key,
                    deadline=deadline.get_kind_display(),
                    due_on=str(deadline.due_on),
                )
                counts["overdue"] += 1
            elif deadline.due_on >= today and deadline.warned_at is None:
                deadline.warned_at = timezone.now()
                deadline.save(update_fields=["warned_at"])
                _notify_officers(
                    case,
                    notices.DEADLINE_NEAR.key,
                    deadline=deadline.get_kind_display(),
                    due_on=str(deadline.due_on),
                )
                counts["deadline_warnings"] += 1
    counts["acks"] = outbox.collect_file_acks()
    counts["escalated"] = escalate_unconfirmed()
    return counts

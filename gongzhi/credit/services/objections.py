"""Objections to a listing and their review by the higher court (A-11, A-12), each with its deadline."""

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError

from .. import notices, rules
from ..choices import CaseState, DeadlineKind, ObjectionGround, ObjectionStatus
from ..models import CaseDeadline, EnforcementCase, Objection
from ._base import (
    _can_apply_for,
    _notify_contacts,
    _notify_officers,
    _open_deadline,
    _require_officer,
    _today,
    record_event,
)


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

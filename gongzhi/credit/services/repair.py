"""Credit repair of a published listing: the application with its evidence and commitment, and the decision that
shields the listing (A-10.4)."""

from collections.abc import Iterable

from django.core.files.base import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import User
from gongzhi.core.uploads import check_upload

from .. import notices
from ..choices import CaseState, DeadlineKind, RepairGround, RepairStatus, SyncEvent
from ..models import EnforcementCase, RepairApplication, RepairEvidence
from ._base import (
    _acting,
    _can_apply_for,
    _meet_deadlines,
    _notify_contacts,
    _notify_officers,
    _require_officer,
    _today,
    record_event,
)
from .platforms import _sync_platforms


def submit_repair(
    actor: User,
    case_id: int,
    *,
    ground: str,
    statement: str,
    commitment: str,
    files: Iterable[File[bytes]] = (),
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
        # check_upload refused every file without a name (it has no extension), so `or ""` never applies.
        for upload, ctype in zip(files, types, strict=True):
            RepairEvidence.objects.create(
                application=application, file=upload, name=(upload.name or "")[:200], content_type=ctype
            )
        record_event(
            case, actor, "submit_repair", note=statement, after={"ground": ground, "files": len(files)}
        )
        _notify_officers(case, notices.REPAIR_FILED.key, enterprise=case.enterprise.name)
    return application


def decide_repair(actor: User, application_id: int, *, approve: bool, reason: str) -> RepairApplication:
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

"""The periodic sweep: due credit warnings, deadline warnings and overdue notices, file-drop acknowledgements and
overdue platform confirmations."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.core import outbox
from gongzhi.core.conf import setting

from .. import notices
from ..choices import CaseState
from ..models import CaseDeadline, CreditWarning, EnforcementCase
from ._base import _notify_officers, _today
from .cases import _send_due_warnings
from .platforms import escalate_unconfirmed


def sweep(today: date | None = None) -> dict[str, int]:
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

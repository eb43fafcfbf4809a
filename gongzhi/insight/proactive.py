"""未诉先办: a leader turns a surge alert (category × street × day, insight/surges.py) into a proactive task for a
unit; the unit's handlers do it and close it with a note.

Lifecycle as data (core.workflow): `TRANSITIONS[(state, action)] = t(new state, *roles)`, each action's spec in
actions.py; every write locks the task row, checks the table and the actor, writes, appends a ProactiveTaskEvent to
the task's hash chain and notifies on commit. The deadline counts working days on the core calendar (调休 included).
"""

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from gongzhi.appeals.models import Category
from gongzhi.core import calendar
from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.masking import staff_label
from gongzhi.core.models import Region, Unit
from gongzhi.core.notices import send_notice
from gongzhi.core.workflow import Transition, Workflow, t

from . import notices, surges
from .models import ProactiveTask, ProactiveTaskEvent
from .models import ProactiveTaskState as S

ASSIGN_ROLES = frozenset({Role.LEADER, Role.SUPERVISOR, Role.ADMIN})
DEFAULT_WORKING_DAYS = 5
MAX_WORKING_DAYS = 60
TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.ASSIGNED, "complete"): t(S.DONE, Role.HANDLER),  # and only the task's unit's (complete_proactive_task)
}
ACTION_LABELS = {"create": "交办", "complete": "办结"}
WORKFLOW = Workflow(
    "insight/proactive",
    TRANSITIONS,
    ACTION_LABELS,
    illegal=gettext_lazy("任务当前状态为「%(s)s」，不能办结。"),
    denied=gettext_lazy("只有承办单位的承办人可以办结此任务。"),
    state_key="s",
)


def _event(task: ProactiveTask, actor, action: str, *, note: str = "", before=None, after=None):
    return ProactiveTaskEvent.append(
        actor, action, actor_label=staff_label(actor), task=task, note=note, before=before, after=after
    )


def _find_alert(actor, category: Category | None, street: Region, day: date) -> dict | None:
    """The alert as the actor's alert list shows it (so a task is only made from a real alert)."""
    from gongzhi.appeals.selectors import visible_appeals

    for alert in surges.appeal_alerts(visible_appeals(actor), days=surges.LIST_DAYS):
        if (
            alert["day"] == day
            and alert["street_id"] == street.pk
            and alert["category_id"] == (category.pk if category else None)
        ):
            return alert
    return None


def create_proactive_task(
    actor,
    *,
    category: Category | None,
    street: Region,
    day: date,
    unit: Unit,
    instructions: str = "",
    working_days: int = DEFAULT_WORKING_DAYS,
) -> ProactiveTask:
    if actor is None or not actor.is_authenticated or not actor.has_role(*ASSIGN_ROLES):
        raise PermissionDeniedError(_("只有领导、督办员或管理员可以把预警转为主动治理任务。"))
    if street is None or street.level != RegionLevel.STREET:
        raise ServiceError(_("请选择预警所在的街道。"), field="street")
    if unit is None or not unit.is_active:
        raise ServiceError(_("请选择承办单位。"), field="unit")
    if not isinstance(working_days, int) or not 1 <= working_days <= MAX_WORKING_DAYS:
        raise ServiceError(
            _("办理时限须为 1–%(n)s 个工作日。") % {"n": MAX_WORKING_DAYS}, field="working_days"
        )
    alert = _find_alert(actor, category, street, day)
    if alert is None:
        raise ServiceError(
            _("近 %(d)s 天没有这条预警，不能转为任务。") % {"d": surges.LIST_DAYS}, code="no_alert"
        )
    top = category.name if category else _("未分类")
    with transaction.atomic():
        if (
            ProactiveTask.objects.select_for_update()
            .filter(category=category, region=street, alert_day=day, unit=unit)
            .exists()
        ):
            raise ServiceError(_("这条预警已交办给该单位。"), code="already_assigned")
        task = ProactiveTask.objects.create(
            title=_("%(street)s %(cat)s 诉求异常增长（%(day)s，%(n)s 件）")
            % {"street": street.name, "cat": top, "day": day.isoformat(), "n": alert["count"]},
            category=category,
            region=street,
            alert_day=day,
            alert_count=alert["count"],
            alert_baseline=alert["baseline"],
            unit=unit,
            instructions=(instructions or "").strip(),
            due_date=calendar.add_working_days(timezone.localdate(), working_days),
            created_by=actor,
        )
        _event(
            task,
            actor,
            "create",
            note=task.instructions,
            after={
                "state": task.state,
                "unit": unit.name,
                "due_date": task.due_date.isoformat(),
                "alert": {"day": day.isoformat(), "count": alert["count"], "baseline": alert["baseline"]},
            },
        )
        send_notice(
            notices.PROACTIVE_TASK_ASSIGNED.key,
            unit=unit,
            context={"title": task.title, "due_date": str(task.due_date)},
            link=f"/insight/tasks/{task.pk}/",
        )
    return task


def complete_proactive_task(actor, task_id: int, *, note: str) -> ProactiveTask:
    note = (note or "").strip()
    if len(note) < 4:
        raise ServiceError(_("请填写办理情况（至少4个字）。"), field="note")
    with transaction.atomic():
        task = (
            ProactiveTask.objects.select_for_update(of=("self",))
            .select_related("unit")
            .filter(pk=task_id)
            .first()
        )
        if task is None:
            raise ServiceError(_("任务不存在。"), code="not_found")
        signed_in = actor is not None and actor.is_authenticated
        transition = WORKFLOW.require(
            task.state,
            "complete",
            actor.roles if signed_in else frozenset(),
            state_label=task.get_state_display(),
        )
        if actor.unit_id != task.unit_id:
            raise PermissionDeniedError(str(WORKFLOW.denied))
        before = task.state
        task.state, task.done_by, task.done_at, task.done_note = (
            transition.target,
            actor,
            timezone.now(),
            note,
        )
        task.save(update_fields=["state", "done_by", "done_at", "done_note"])
        _event(task, actor, "complete", note=note, before={"state": before}, after={"state": task.state})
        send_notice(
            notices.PROACTIVE_TASK_DONE.key,
            user=task.created_by,
            context={"title": task.title, "unit": task.unit.name, "note": note},
            link=f"/insight/tasks/{task.pk}/",
        )
    return task


# ---------------------------------------------------------------- reads


def visible_tasks(user) -> QuerySet[ProactiveTask]:
    """Leaders, supervisors and admins see every task; a handler their own unit's; nobody else any."""
    qs = ProactiveTask.objects.select_related("unit", "region", "category", "created_by", "done_by")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.has_role(*ASSIGN_ROLES):
        return qs
    if user.has_role(Role.HANDLER) and user.unit_id:
        return qs.filter(unit_id=user.unit_id)
    return qs.none()


def is_overdue(task: ProactiveTask, today: date | None = None) -> bool:
    return task.state == S.ASSIGNED and (today or timezone.localdate()) > task.due_date

"""Resolutions and their tasks: a resolution from a passed vote or a consensus, tasks for responsible units,
their progress, completion (the appellants are told) and the daily reminder of overdue tasks."""

from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, NotFoundError, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification, Unit, User
from gongzhi.core.notices import send_notice
from gongzhi.core.permissions import can_manage

from .. import notices
from ..choices import Phase, TaskState, VoteState
from ..models import Resolution, ResolutionTask, Vote
from ..workflow import MANAGER, WORKFLOW
from ._base import (
    _appellants_notice,
    _event,
    _locked_topic,
    _require_login,
    _require_manager,
    _require_setting,
)


def record_resolution(actor: User, topic_id: int, *, text: str, vote_id: int | None = None) -> Resolution:
    """决议: from the voting phase it needs a counted vote that passed; from deliberation it records the
    consensus reached (协商一致). Appellants of linked appeals are told; their appeals record it."""
    text = inputs.text(text, "text", _("决议内容"), required=True)
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        transition = WORKFLOW.require(
            topic.phase,
            "resolve",
            {MANAGER},
            state_label=topic.get_phase_display(),
            illegal=_lazy("议题当前处于「%(phase)s」阶段，不能形成决议。"),
        )
        vote = None
        if topic.phase == Phase.VOTING:
            vote = Vote.objects.filter(pk=vote_id, topic=topic).first() if vote_id else None
            if vote is None:
                raise ServiceError(_("请选择作为决议依据的表决。"), field="vote_id")
            if vote.state != VoteState.CLOSED:
                raise ServiceError(_("表决尚未计票，不能形成决议。"), field="vote_id")
            if not vote.passed:
                raise ServiceError(
                    _("该表决未通过，不能据此形成决议；可以关闭议题或重新协商。"), field="vote_id"
                )
        before = topic.phase
        topic.phase = transition.target
        topic.save(update_fields=["phase", "updated_at"])
        resolution = Resolution.objects.create(topic=topic, vote=vote, text=text, created_by=actor)
        _event(
            topic,
            actor,
            "resolve",
            note=text,
            before={"phase": before},
            after={"phase": topic.phase, "vote": vote.pk if vote else None},
        )
        _appellants_notice(topic, actor, "deliberation_resolved", text[:500])
    return resolution


def add_task(
    actor: User,
    topic_id: int,
    *,
    title: str,
    unit: Unit,
    due_date: date | None,
    owner: User | None = None,
    weight: int = 1,
) -> ResolutionTask:
    title = inputs.text(title, "title", _("任务名称"), limit=200, required=True)
    if unit is None:
        raise ServiceError(_("请选择责任单位。"), field="unit")
    if due_date is None:
        raise ServiceError(_("请填写完成期限。"), field="due_date")
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        raise ServiceError(_("权重须为1到100的整数。"), field="weight")
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        _require_setting(topic, "tasks_open", _("不能添加落实任务。"))
        resolution = Resolution.objects.select_for_update().get(topic=topic)
        if resolution.completed_at:
            raise IllegalTransition(_("决议已全部落实，不能再添加任务。"))
        task = ResolutionTask.objects.create(
            resolution=resolution, title=title, unit=unit, owner=owner, due_date=due_date, weight=weight
        )
        _event(
            topic,
            actor,
            "add_task",
            note=title,
            after={"task": task.pk, "unit": unit.name, "due_date": due_date, "weight": weight},
        )
    return task


def update_task_progress(actor: User, task_id: int, *, progress: int, note: str = "") -> ResolutionTask:
    """The task's owner, its unit's staff or a manager reports progress; when every task is done the
    resolution is complete and the appellants are told."""
    _require_login(actor)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ServiceError(_("进度须为0到100的整数。"), field="progress")
    note = inputs.text(note, "note", _("进展说明"), limit=2000)
    topic_id = (
        ResolutionTask.objects.filter(pk=task_id).values_list("resolution__topic_id", flat=True).first()
    )
    if topic_id is None:
        raise NotFoundError(_("任务不存在。"))
    with _locked_topic(topic_id) as topic:
        task = (
            ResolutionTask.objects.select_for_update(of=("self",))
            .select_related("resolution")
            .get(pk=task_id)
        )
        responsible = task.owner_id == actor.pk or (actor.is_staff and actor.unit_id == task.unit_id)
        if not responsible and not can_manage(actor, topic.region):
            raise PermissionDeniedError(_("只有责任单位、责任人或社区工作者可以更新任务进度。"))
        _require_setting(topic, "tasks_open", _("不能更新任务进度。"))
        if task.state == TaskState.DONE:
            raise IllegalTransition(_("任务已完成。"))
        before = {"progress": task.progress}
        task.progress, task.note = progress, note or task.note
        task.state = (
            TaskState.DONE if progress == 100 else (TaskState.IN_PROGRESS if progress else TaskState.PENDING)
        )
        task.completed_at = timezone.now() if progress == 100 else None
        task.save(update_fields=["progress", "note", "state", "completed_at"])
        resolution = Resolution.objects.select_for_update().get(pk=task.resolution_id)
        _event(
            topic,
            actor,
            "update_task_progress",
            note=note,
            before=before,
            after={"task": task.pk, "progress": progress, "overall": str(resolution.progress())},
        )
        if task.state == TaskState.DONE:
            _appellants_notice(
                topic,
                actor,
                "deliberation_task_done",
                _("「%(t)s」已完成（%(u)s）。%(n)s")
                % {"t": task.title, "u": task.unit.name, "n": note[:200]},
                step_key=f"task_done:{task.pk}",
            )
        if not resolution.tasks.exclude(state=TaskState.DONE).exists():
            resolution.completed_at = timezone.now()
            resolution.save(update_fields=["completed_at"])
            _event(topic, actor, "resolution_completed", note=resolution.text[:500])
            _appellants_notice(
                topic,
                actor,
                "deliberation_completed",
                _("决议「%(r)s」的全部任务已完成。") % {"r": resolution.text[:200]},
            )
    return task


def overdue_tasks(today: date | None = None) -> QuerySet[ResolutionTask]:
    today = today or timezone.localdate()
    return ResolutionTask.objects.exclude(state=TaskState.DONE).filter(due_date__lt=today)


def remind_overdue_tasks(today: date | None = None) -> int:
    """Tell each responsible unit (and owner) about its overdue resolution tasks; once a day per task
    (idempotent, so the periodic sweep may run it as often as it likes)."""
    today = today or timezone.localdate()
    sent = 0
    for task in overdue_tasks(today).select_related("resolution__topic", "unit", "owner"):
        key = f"deliberation.task_overdue:{task.pk}:{today.isoformat()}"
        if Notification.objects.filter(key__startswith=key).exists():
            continue
        context = {
            "task": task.title,
            "topic": task.resolution.topic.title,
            "due_date": str(task.due_date),
            "progress": task.progress,
        }
        link = f"/deliberation/topics/{task.resolution.topic_id}/"
        with transaction.atomic():
            send_notice(notices.TASK_OVERDUE.key, unit=task.unit, context=context, link=link, key=key)
            if task.owner_id:
                send_notice(
                    notices.TASK_OVERDUE.key, user=task.owner, context=context, link=link, key=f"{key}:owner"
                )
        sent += 1
    return sent

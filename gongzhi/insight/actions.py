"""Every action on a proactive task (未诉先办, proactive.py), once: its form on the task page, its service, its API
input, whom the page offers it to (`can`) and its place on the page.

The transition table (proactive.TRANSITIONS) says from which state and for which roles an action may be taken; this
says everything else, so adding one is a transition there and one `TaskAction` here. The task page and the API read
nothing else, and `test_actions` fails, naming the missing piece, when the two disagree. Making a task from an alert
(proactive.create_proactive_task) is not an action on a task.
"""

from dataclasses import dataclass

from gongzhi.core import workflow as kit

from . import forms, proactive, serializers

MODULE = "gongzhi/insight/actions.py"


@dataclass(frozen=True)
class TaskAction(kit.ActionSpec):
    """core.workflow.ActionSpec: `service` called as service(user, task_id, **input)."""

    labels = proactive.ACTION_LABELS


def _own_unit(user, task) -> bool:
    """Only the task's unit's handlers close it."""
    return bool(user.unit_id) and user.unit_id == task.unit_id


COMPLETE = TaskAction(
    "complete",
    forms.CompleteTaskForm,
    proactive.complete_proactive_task,
    serializers.TaskCompleteSerializer,
    _own_unit,
)
ACTIONS: tuple[TaskAction, ...] = (COMPLETE,)
BY_NAME: dict[str, TaskAction] = kit.by_name(ACTIONS)


def offered(user, task) -> list[TaskAction]:
    """The actions this user may take on this task, in the page's order."""
    roles = user.roles if getattr(user, "is_authenticated", False) else frozenset()
    return kit.offered(proactive.WORKFLOW, ACTIONS, user, task, task.state, roles)

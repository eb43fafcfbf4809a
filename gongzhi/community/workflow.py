"""The transition tables of 共建: a self-organisation's incubation stages and an activity's states."""

from typing import NamedTuple

from django.utils.translation import gettext_lazy as _

from .choices import ActivityState, OrgStage


class Transition(NamedTuple):
    source: str
    action: str
    target: str


STAGE_TRANSITIONS = [
    Transition(OrgStage.APPLIED, "admit", OrgStage.INCUBATING),
    Transition(OrgStage.APPLIED, "reject", OrgStage.EXITED),
    Transition(OrgStage.INCUBATING, "graduate", OrgStage.MATURE),
    Transition(OrgStage.INCUBATING, "exit", OrgStage.EXITED),
    Transition(OrgStage.MATURE, "exit", OrgStage.EXITED),
]
STAGE_ACTION_LABELS = {
    "admit": _("同意入驻孵化"),
    "reject": _("不予入驻"),
    "graduate": _("评估成熟，登记备案"),
    "exit": _("退出"),
}

ACTIVITY_TRANSITIONS = [
    Transition(ActivityState.DRAFT, "publish", ActivityState.PUBLISHED),
    Transition(ActivityState.DRAFT, "cancel", ActivityState.CANCELLED),
    Transition(ActivityState.PUBLISHED, "finish", ActivityState.FINISHED),
    Transition(ActivityState.PUBLISHED, "cancel", ActivityState.CANCELLED),
]
ACTIVITY_ACTION_LABELS = {"publish": _("发布"), "finish": _("结束活动"), "cancel": _("取消活动")}


def get_transition(table, source: str, action: str) -> Transition | None:
    return next((t for t in table if t.source == source and t.action == action), None)


def actions_from(table, source: str) -> list[str]:
    return [t.action for t in table if t.source == source]

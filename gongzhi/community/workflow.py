"""The transition tables of 共建 as data: a self-organisation's incubation stages and an activity's states
({(state, action): Transition}, core.workflow). Every pair not in a table is refused.

Who may take them, exactly as the services check it: a stage review is a manager's (community staff or admins,
core.permissions.MANAGER_ROLES; in their region, checked by the service); an activity's publish/finish/cancel is its
organiser's, a capability (ORGANIZER, services.can_organize: its creator, a manager of its community, a leader or
backbone of the organising self-organisation, the organising unit's staff) the service checks for the activity and
then holds against the table. Publishing an activity outside its unit's communities also needs that community's
manager (services.needs_approval).
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.permissions import MANAGER_ROLES
from gongzhi.core.workflow import Transition, Workflow, t

from .choices import ActivityState as A
from .choices import OrgStage as O

MANAGERS = MANAGER_ROLES  # community staff and admins
ORGANIZER = "organizer"  # a capability: services.can_organize(user, activity)

STAGE_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (O.APPLIED, "admit"): t(O.INCUBATING, *MANAGERS),
    (O.APPLIED, "reject"): t(O.EXITED, *MANAGERS),
    (O.INCUBATING, "graduate"): t(O.MATURE, *MANAGERS),
    (O.INCUBATING, "exit"): t(O.EXITED, *MANAGERS),
    (O.MATURE, "exit"): t(O.EXITED, *MANAGERS),
}
STAGE_ACTION_LABELS = {
    "admit": _("同意入驻孵化"),
    "reject": _("不予入驻"),
    "graduate": _("评估成熟，登记备案"),
    "exit": _("退出"),
}
STAGE_WORKFLOW = Workflow(
    "community/stages",
    STAGE_TRANSITIONS,
    STAGE_ACTION_LABELS,
    illegal=_("自组织当前处于「%(stage)s」阶段，不能「%(action)s」。"),
    state_key="stage",
)

ACTIVITY_TRANSITIONS: dict[tuple[str, str], Transition] = {
    (A.DRAFT, "publish"): t(A.PUBLISHED, ORGANIZER),
    (A.DRAFT, "cancel"): t(A.CANCELLED, ORGANIZER),
    (A.PUBLISHED, "finish"): t(A.FINISHED, ORGANIZER),
    (A.PUBLISHED, "cancel"): t(A.CANCELLED, ORGANIZER),
}
ACTIVITY_ACTION_LABELS = {"publish": _("发布"), "finish": _("结束活动"), "cancel": _("取消活动")}
ACTIVITY_WORKFLOW = Workflow(
    "community/activities",
    ACTIVITY_TRANSITIONS,
    ACTIVITY_ACTION_LABELS,
    illegal=_("活动当前「%(state)s」，不能「%(action)s」。"),
)

"""The topic lifecycle as data: {(phase, action): Transition}, and what each phase allows (as Decidim's
step settings). Every pair not in the table is refused. All phase changes are the managers' (community
staff, staff of a party organisation, admins); object-level scope lives in services.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from gongzhi.core.workflow import Transition, Workflow, t

from .choices import Phase as P

# A capability, not a role: community_staff or admin (core.permissions.is_manager) in the topic's region
# (core.permissions.can_manage). The services check it for the topic and then hold {MANAGER} against the table.
MANAGER = "manager"


@dataclass(frozen=True)
class PhaseSettings:
    opinions_open: bool = False  # residents may comment, staff may enter offline opinions
    cosign_open: bool = False  # residents may co-sign the proposal
    meetings_allowed: bool = False  # meetings may be scheduled
    votes_open: bool = False  # ballots may be cast
    tasks_open: bool = False  # resolution tasks may be created and progressed


PHASE_SETTINGS: dict[str, PhaseSettings] = {
    P.COLLECTING: PhaseSettings(opinions_open=True, cosign_open=True, meetings_allowed=True),
    P.DELIBERATING: PhaseSettings(opinions_open=True, cosign_open=True, meetings_allowed=True),
    P.VOTING: PhaseSettings(meetings_allowed=True, votes_open=True),
    P.RESOLVED: PhaseSettings(tasks_open=True),
    P.IMPLEMENTING: PhaseSettings(tasks_open=True),
    P.PUBLISHED: PhaseSettings(),
    P.CLOSED: PhaseSettings(),
}

SETTING_LABELS = {
    "opinions_open": _("发表意见"),
    "cosign_open": _("联名提议"),
    "meetings_allowed": _("召开会议"),
    "votes_open": _("投票表决"),
    "tasks_open": _("落实任务"),
}

ACTION_LABELS = {
    "start_deliberation": _("进入协商"),
    "open_voting": _("进入表决"),
    "resolve": _("形成决议"),
    "start_implementing": _("开始落实"),
    "publish": _("结果公示"),
    "close": _("关闭议题"),
}


TRANSITIONS: dict[tuple[str, str], Transition] = {
    (P.COLLECTING, "start_deliberation"): t(P.DELIBERATING, MANAGER),
    (P.DELIBERATING, "open_voting"): t(P.VOTING, MANAGER),
    # a consensus reached in deliberation needs no vote (协商一致)
    (P.DELIBERATING, "resolve"): t(P.RESOLVED, MANAGER),
    (P.VOTING, "resolve"): t(P.RESOLVED, MANAGER),
    (P.RESOLVED, "start_implementing"): t(P.IMPLEMENTING, MANAGER),
    (P.IMPLEMENTING, "publish"): t(P.PUBLISHED, MANAGER),
    (P.COLLECTING, "close"): t(P.CLOSED, MANAGER),
    (P.DELIBERATING, "close"): t(P.CLOSED, MANAGER),
    (P.VOTING, "close"): t(P.CLOSED, MANAGER),
}

PHASE_ORDER = [P.COLLECTING, P.DELIBERATING, P.VOTING, P.RESOLVED, P.IMPLEMENTING, P.PUBLISHED]

WORKFLOW = Workflow(
    "deliberation",
    TRANSITIONS,
    ACTION_LABELS,
    illegal=_("议题当前处于「%(phase)s」阶段，不能执行「%(action)s」。"),
    state_key="phase",
)


def settings_for(phase: str) -> PhaseSettings:
    return PHASE_SETTINGS[phase]

"""The appeal lifecycle as data (spec §2): {(state, action): Transition}.

A transition names the states it may lead to (some actions branch: a callback closes or reopens,
a rejected return goes back where it came from) and the roles that may take it. Object-level rules
(a handler acts only for the lead unit, a resident only on their own appeal) live in services.
Every pair not in the table is refused.
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core import event_labels
from gongzhi.core.choices import Role
from gongzhi.core.workflow import Transition, Workflow, t

from .choices import AppealState as S

OPEN = (S.RECEIVED, S.DISPATCHED, S.RETURN_REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.REPLIED)

SUBMIT_ROLES = frozenset(
    {Role.RESIDENT, Role.OPERATOR, Role.GRID_WORKER, Role.PARTY_MEMBER, Role.COMMUNITY_STAFF}
)

ACTION_LABELS = {
    "submit": _("提交诉求"),
    "answer_directly": _("直接答复"),
    "dispatch": _("派单"),
    "merge_into": _("并单"),
    "refer_out": _("转办/告知途径"),
    "withdraw": _("撤回"),
    "sign": _("签收"),
    "request_return": _("申请退单"),
    "approve_return": _("同意退单"),
    "reject_return": _("驳回退单"),
    "record_contact": _("记录首次联系"),
    "record_progress": _("记录办理进展"),
    "request_extension": _("申请延期"),
    "approve_extension": _("批准延期"),
    "deny_extension": _("不予延期"),
    "reply": _("办结答复"),
    "callback": _("回访评价"),
    "close_unresolvable": _("按规定办结"),
    # The conversation on an appeal (not state changes): the appellant adds to it, a handler asks, the appellant answers.
    "supplement": _("补充材料"),
    "ask": _("询问诉求人"),
    "answer": _("答复询问"),
}

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.RECEIVED, "answer_directly"): t(S.REPLIED, Role.OPERATOR),
    (S.RECEIVED, "dispatch"): t(S.DISPATCHED, Role.DISPATCHER),
    (S.RECEIVED, "merge_into"): t(S.MERGED, Role.DISPATCHER),
    (S.RECEIVED, "refer_out"): t(S.CLOSED, Role.OPERATOR),
    (S.RECEIVED, "withdraw"): t(S.CLOSED, Role.RESIDENT),
    (S.DISPATCHED, "withdraw"): t(S.CLOSED, Role.RESIDENT),
    (S.DISPATCHED, "sign"): t(S.ACCEPTED, Role.HANDLER),
    (S.DISPATCHED, "request_return"): t(S.RETURN_REQUESTED, Role.HANDLER),
    (S.ACCEPTED, "request_return"): t(S.RETURN_REQUESTED, Role.HANDLER),
    (S.RETURN_REQUESTED, "approve_return"): t(S.RECEIVED, Role.DISPATCHER),
    (S.RETURN_REQUESTED, "reject_return"): t((S.DISPATCHED, S.ACCEPTED), Role.DISPATCHER),
    (S.ACCEPTED, "record_contact"): t(S.IN_PROGRESS, Role.HANDLER),
    (S.IN_PROGRESS, "record_progress"): t(S.IN_PROGRESS, Role.HANDLER),
    (S.IN_PROGRESS, "request_extension"): t(S.IN_PROGRESS, Role.HANDLER),
    (S.IN_PROGRESS, "approve_extension"): t(S.IN_PROGRESS, Role.SUPERVISOR),
    (S.IN_PROGRESS, "deny_extension"): t(S.IN_PROGRESS, Role.SUPERVISOR),
    (S.IN_PROGRESS, "reply"): t(S.REPLIED, Role.HANDLER),
    # solved and not unsatisfied → closed; otherwise reopened (重办), or it waits for close_unresolvable
    # when the reopen limit is reached.
    # A merged appeal (called back after its master's reply) goes back to follow its master when not satisfied.
    (S.REPLIED, "callback"): t((S.CLOSED, S.IN_PROGRESS, S.REPLIED, S.MERGED), Role.OPERATOR, Role.RESIDENT),
    (S.REPLIED, "close_unresolvable"): t(S.CLOSED, Role.SUPERVISOR),
    # The conversation leaves the state as it is: the appellant may add text or photos in any open state; the lead
    # unit's handler asks while it holds the appeal; the appellant answers a question still open (services).
    **{(state, "supplement"): t(state, Role.RESIDENT) for state in OPEN},
    **{(state, "ask"): t(state, Role.HANDLER) for state in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS)},
    **{(state, "answer"): t(state, Role.RESIDENT) for state in OPEN},
}

# Labels of the events appeals itself records on an appeal's timeline: the actions above and the rest (registered as
# the "appeals" trail's labels in AppConfig.ready; other apps register theirs).
EVENT_LABELS = {
    **ACTION_LABELS,
    "merged_from": _("并入诉求"),
    "take_first_receipt": _("首接"),
    "master_replied": _("主诉求已答复"),
    "merged_callback": _("并单诉求人回访"),
    "auto_close": _("自动办结"),
    "remind": _("催办"),
    "supervise": _("督办"),
    "sms_received": _("收到诉求人短信"),
    "open311": _("经 Open311 接口提交"),
    "attachment_retention": _("附件已按保存期限删除"),
    "sms_failed": _("短信未能送达"),
}


def event_label(action: str) -> str:
    """An appeal event's label: appeals' own (EVENT_LABELS) and those other apps register for the appeal's trail
    (core.event_labels: insight's 附议, deliberation's topic steps, a linked call)."""
    return event_labels.label("appeals", action)


ACTIONS = tuple(ACTION_LABELS)
WORKFLOW_ACTIONS = tuple(a for a in ACTIONS if a != "submit")

WORKFLOW = Workflow(
    "appeals",
    TRANSITIONS,
    ACTION_LABELS,
    illegal=_("诉求当前状态为「%(state)s」，不能执行「%(action)s」。"),
)

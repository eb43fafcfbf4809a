"""The listing lifecycle as data (spec G-1): {(state, action): Transition}. Every pair not in the table is refused.

warned ─issue_notice→ in_grace ─settle→ not_listed
   │                     └─decide_listing (after the grace period)→ decided ─publish→ published
   ├─settle→ not_listed                                                │
   └─decide_listing→ decided                          published ─delete / shield / revoke / correct / extend_term
decided ─revoke→ revoked
"""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.choices import Role
from gongzhi.core.workflow import Transition, Workflow, t

from .choices import CaseState as S

OFFICER = Role.CREDIT_OFFICER  # every transition is the credit officers'

ACTION_LABELS = {
    "issue_notice": _("送达预惩戒通知书"),
    "settle": _("确认履行（不予纳入）"),
    "decide_listing": _("作出纳入决定"),
    "publish": _("公布"),
    "correct": _("更正"),
    "revoke": _("撤销"),
    "delete": _("删除"),
    "shield": _("修复屏蔽"),
    "extend_term": _("延长纳入期限"),
}

TRANSITIONS: dict[tuple[str, str], Transition] = {
    (S.WARNED, "issue_notice"): t(S.IN_GRACE, OFFICER),
    (S.WARNED, "settle"): t(S.NOT_LISTED, OFFICER),
    (S.WARNED, "decide_listing"): t(S.DECIDED, OFFICER),
    (S.IN_GRACE, "settle"): t(S.NOT_LISTED, OFFICER),
    (S.IN_GRACE, "decide_listing"): t(S.DECIDED, OFFICER),
    (S.DECIDED, "publish"): t(S.PUBLISHED, OFFICER),
    (S.DECIDED, "revoke"): t(S.REVOKED, OFFICER),
    (S.DECIDED, "correct"): t(S.DECIDED, OFFICER),
    (S.PUBLISHED, "correct"): t(S.PUBLISHED, OFFICER),
    (S.PUBLISHED, "revoke"): t(S.REVOKED, OFFICER),
    (S.PUBLISHED, "delete"): t(S.DELETED, OFFICER),
    (S.PUBLISHED, "shield"): t(S.SHIELDED, OFFICER),
    (S.PUBLISHED, "extend_term"): t(S.PUBLISHED, OFFICER),
}

ACTIONS = tuple(ACTION_LABELS)

WORKFLOW = Workflow(
    "credit",
    TRANSITIONS,
    ACTION_LABELS,
    illegal=_("案件当前状态为「%(state)s」，不能执行「%(action)s」。"),
)

# What the timeline shows for each CreditEvent action (the transitions above plus the events beside them).
EVENT_LABELS = {
    **ACTION_LABELS,
    "open": _("立案（执行通知载明风险提示）"),
    "warning": _("发送信用提醒"),
    "report_deletion_ground": _("登记删除事由"),
    "report_error": _("登记错误信息"),
    "file_objection": _("提出纠正申请"),
    "decide_objection": _("审查纠正申请"),
    "file_review": _("申请复议"),
    "decide_review": _("复议决定"),
    "submit_repair": _("提交信用修复申请"),
    "reject_repair": _("不予信用修复"),
}

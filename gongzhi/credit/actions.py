"""Every action of a credit case, once: its form on the case page, its service, whom the page offers it to (`can`)
and its place on the page (the order of ACTIONS).

The transition table (workflow.TRANSITIONS) says in which states and for which roles an action may be taken; this
says everything else, so adding an action is a transition there and one `CreditAction` here. The case page reads
nothing else, and `test_actions` fails, naming the missing piece, when the two disagree.
"""

from dataclasses import dataclass

from gongzhi.core import workflow as kit

from . import forms, serializers, services
from .workflow import ACTION_LABELS, WORKFLOW


@dataclass(frozen=True)
class CreditAction(kit.ActionSpec):
    """core.workflow.ActionSpec: `service` called as service(user, case_id, **form.service_kwargs() or cleaned
    data, or the API's validated `input`). `form=None`: the page takes the action elsewhere (修复屏蔽 is the
    approval of a repair application, services.decide_repair; the two reports are the API's). `summary`: the
    API operation's summary (POST /api/v1/credit/cases/{id}/actions/{name}/)."""

    summary: str = ""

    labels = ACTION_LABELS


# The page's order: the usual next step first.
ACTIONS: tuple[CreditAction, ...] = (
    CreditAction(
        "issue_notice",
        forms.NoticeForm,
        services.issue_notice,
        serializers.IssueNoticeInput,
        summary="送达预惩戒通知书，给予宽限期",
    ),
    CreditAction(
        "settle",
        forms.SettleForm,
        services.settle,
        serializers.SettleInput,
        summary="已履行、和解或担保：不予纳入",
    ),
    CreditAction(
        "decide_listing",
        forms.DecideForm,
        services.decide_listing,
        serializers.DecideListingInput,
        summary="作出纳入失信名单决定",
    ),
    CreditAction(
        "publish",
        forms.PublishForm,
        services.publish,
        serializers.PublishInput,
        summary="公布失信信息（同步各信用平台）",
    ),
    CreditAction(
        "correct", forms.CorrectForm, services.correct, serializers.CorrectInput, summary="更正失信信息"
    ),
    CreditAction(
        "revoke", forms.ReasonForm, services.revoke, serializers.CaseReasonInput, summary="撤销纳入决定"
    ),
    CreditAction(
        "delete",
        forms.DeleteForm,
        services.delete_listing,
        serializers.DeleteListingInput,
        summary="删除失信信息",
    ),
    CreditAction(
        "extend_term",
        forms.ExtendForm,
        services.extend_term,
        serializers.ExtendTermInput,
        summary="延长纳入期限",
    ),
    CreditAction("shield", None, None),
    # Reports outside the table (any state): the court learns a ground to delete, or that a listing was wrong.
    CreditAction(
        "report_deletion_ground",
        None,
        services.report_deletion_ground,
        serializers.DeletionGroundInput,
        in_table=False,
        summary="报告删除事由（3个工作日内删除）",
    ),
    CreditAction(
        "report_error",
        None,
        services.report_error,
        serializers.ReportErrorInput,
        in_table=False,
        summary="报告纳入有误（3个工作日内撤销或更正）",
    ),
)
BY_NAME: dict[str, CreditAction] = kit.by_name(ACTIONS)


def offered(user, case) -> list[CreditAction]:
    """The actions this user may take on this case from its page (those with a form), in the page's order."""
    return [
        a for a in kit.offered(WORKFLOW, ACTIONS, user, case, case.state, user.roles) if a.form is not None
    ]

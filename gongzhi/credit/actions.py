"""Every action of a credit case, once: its form on the case page, its service, whom the page offers it to (`can`)
and its place on the page (the order of ACTIONS).

The transition table (workflow.TRANSITIONS) says in which states and for which roles an action may be taken; this
says everything else, so adding an action is a transition there and one `CreditAction` here. The case page reads
nothing else, and `test_actions` fails, naming the missing piece, when the two disagree.
"""

from dataclasses import dataclass

from gongzhi.core import workflow as kit

from . import forms, services
from .workflow import ACTION_LABELS, WORKFLOW


@dataclass(frozen=True)
class CreditAction(kit.ActionSpec):
    """core.workflow.ActionSpec: `service` called as service(user, case_id, **form.service_kwargs() or cleaned
    data). `input` stays None for now: the API's input serializers are being rewritten (credit/api.py,
    credit/serializers.py) and will be named here once that lands. `form=None`: the page takes the action
    elsewhere (修复屏蔽 is the approval of a repair application, services.decide_repair)."""

    labels = ACTION_LABELS


# The page's order: the usual next step first.
ACTIONS: tuple[CreditAction, ...] = (
    CreditAction("issue_notice", forms.NoticeForm, services.issue_notice),
    CreditAction("settle", forms.SettleForm, services.settle),
    CreditAction("decide_listing", forms.DecideForm, services.decide_listing),
    CreditAction("publish", forms.PublishForm, services.publish),
    CreditAction("correct", forms.CorrectForm, services.correct),
    CreditAction("revoke", forms.ReasonForm, services.revoke),
    CreditAction("delete", forms.DeleteForm, services.delete_listing),
    CreditAction("extend_term", forms.ExtendForm, services.extend_term),
    CreditAction("shield", None, None),
)
BY_NAME: dict[str, CreditAction] = kit.by_name(ACTIONS)


def offered(user, case) -> list[CreditAction]:
    """The actions this user may take on this case from its page (those with a form), in the page's order."""
    return [
        a for a in kit.offered(WORKFLOW, ACTIONS, user, case, case.state, user.roles) if a.form is not None
    ]

"""Every appeal action, once: its form on the page, its input in the API, its service, whom the page offers it to on
this appeal (`can`) and its place on the page.

The transition table (workflow.TRANSITIONS) says in which states and for which roles an action may be taken; this
says everything else, so adding an action is a transition there and one `AppealAction` here. `views` and `api` read
nothing else, and `test_actions` fails, naming the missing piece, when the two disagree. `can` only decides what the
page offers; the services enforce the same rules on every path (the page, the API, the channels).
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gongzhi.core import workflow as kit
from gongzhi.core.choices import Role

from . import forms, serializers, services
from .choices import RequestDecision
from .workflow import ACTION_LABELS, EVENT_LABELS, WORKFLOW


def _lead_unit(user, appeal) -> bool:
    """Only the lead unit's handler signs, asks for a return, records contact, asks for more time, replies, asks."""
    return bool(user.unit_id) and user.unit_id == appeal.lead_unit_id


def _lead_or_co_unit(user, appeal) -> bool:
    return _lead_unit(user, appeal) or (
        bool(user.unit_id) and appeal.co_units.filter(pk=user.unit_id).exists()
    )


def _appellant(user, appeal) -> bool:
    return appeal.appellant_id == user.pk


def _appellant_asked(user, appeal) -> bool:
    return _appellant(user, appeal) and services.pending_question(appeal) is not None


def _appellant_or_operator(user, appeal) -> bool:
    return _appellant(user, appeal) or user.has_role(Role.OPERATOR)


def _extension_pending(user, appeal) -> bool:
    return appeal.extension_requests.filter(decision=RequestDecision.PENDING).exists()


def _reopen_limit_reached(user, appeal) -> bool:
    return appeal.reopen_count >= settings.GONGZHI["REOPEN_LIMIT"]


def _supervisor_on_open(user, appeal) -> bool:
    return user.has_role(Role.SUPERVISOR) and appeal.is_open


@dataclass(frozen=True)
class AppealAction(kit.ActionSpec):
    """core.workflow.ActionSpec: `form` the page's form; `service` called as service(user, appeal_id, **cleaned
    input); `input` the API's serializer (None: not in POST /appeals/{id}/actions/{name}/); `can(user, appeal)`
    whom the page offers it to (the services check the same); `title` the page's heading when it differs from the
    timeline's label; `in_table=False` a right outside the transition table (supervisors on any open appeal)."""

    reply: bool = False  # a reply to the appellant (the page then says what its quality was)

    labels = EVENT_LABELS


# The page's order: the usual next step first (its form is shown open), then the exceptions.
ACTIONS: tuple[AppealAction, ...] = (
    AppealAction(
        "answer",
        forms.AnswerForm,
        services.answer,
        serializers.AnswerInput,
        _appellant_asked,
        title=_("答复承办单位的询问"),
    ),
    AppealAction("dispatch", forms.DispatchForm, services.dispatch, serializers.DispatchInput),
    AppealAction("sign", forms.SignForm, services.sign, serializers.NoteInput, _lead_unit),
    AppealAction(
        "record_contact", forms.RecordContactForm, services.record_contact, serializers.NoteInput, _lead_unit
    ),
    AppealAction("reply", forms.ReplyForm, services.reply, serializers.ReplyInput, _lead_unit, reply=True),
    AppealAction(
        "callback",
        forms.CallbackForm,
        services.callback,
        serializers.CallbackInput,
        _appellant_or_operator,
        title=_("评价办理结果"),
    ),
    AppealAction(
        "answer_directly",
        forms.AnswerDirectlyForm,
        services.answer_directly,
        serializers.AnswerDirectlyInput,
        reply=True,
    ),
    AppealAction("approve_return", forms.ApproveReturnForm, services.approve_return, serializers.NoteInput),
    AppealAction(
        "reject_return", forms.RejectReturnForm, services.reject_return, serializers.RequiredNoteInput
    ),
    AppealAction(
        "approve_extension",
        forms.ApproveExtensionForm,
        services.approve_extension,
        serializers.NoteInput,
        _extension_pending,
    ),
    AppealAction(
        "deny_extension",
        forms.DenyExtensionForm,
        services.deny_extension,
        serializers.RequiredNoteInput,
        _extension_pending,
    ),
    AppealAction(
        "record_progress",
        forms.RecordProgressForm,
        services.record_progress,
        serializers.RecordProgressInput,
        _lead_or_co_unit,
    ),
    AppealAction(
        "request_extension",
        forms.RequestExtensionForm,
        services.request_extension,
        serializers.RequestExtensionInput,
        _lead_unit,
    ),
    AppealAction(
        "request_return",
        forms.RequestReturnForm,
        services.request_return,
        serializers.ReasonInput,
        _lead_unit,
    ),
    AppealAction("merge_into", forms.MergeForm, services.merge_into, serializers.MergeIntoInput),
    AppealAction("refer_out", forms.ReferOutForm, services.refer_out, serializers.ReferOutInput),
    AppealAction(
        "close_unresolvable",
        forms.CloseUnresolvableForm,
        services.close_unresolvable,
        serializers.RequiredNoteInput,
        _reopen_limit_reached,
    ),
    AppealAction("ask", forms.AskForm, services.ask, serializers.AskInput, _lead_unit, title=_("询问居民")),
    AppealAction(
        "supplement", forms.SupplementForm, services.supplement, serializers.SupplementInput, _appellant
    ),
    AppealAction(
        "withdraw", forms.WithdrawForm, services.withdraw, serializers.OptionalReasonInput, _appellant
    ),
    # 催办/督办 has its own API endpoint (POST /appeals/{id}/supervise/) and is not a transition: supervisors press
    # any open appeal, whatever its state.
    AppealAction(
        "supervise",
        forms.SuperviseForm,
        services.supervise,
        None,
        _supervisor_on_open,
        title=_("催办 / 督办"),
        in_table=False,
    ),
)
BY_NAME: dict[str, AppealAction] = {a.name: a for a in ACTIONS}


def offered(user, appeal) -> list[AppealAction]:
    """The actions this user may take on this appeal, in the page's order."""
    return kit.offered(WORKFLOW, ACTIONS, user, appeal, appeal.state, user.roles)


def disagreements(transitions: dict) -> list[str]:
    """What is missing between the transition table and ACTIONS, each in a sentence that names the piece."""
    found = []
    table = {action for (_state, action) in transitions}
    for name in sorted(table - set(BY_NAME)):
        found.append(
            f"transition action {name!r} has no AppealAction in gongzhi/appeals/actions.py "
            f"(its form, API input, service, `can` and place on the page)"
        )
    for action in ACTIONS:
        if action.in_table and action.name not in table:
            found.append(
                f"AppealAction {action.name!r} has no transition in workflow.TRANSITIONS "
                f"(or set in_table=False for a right outside the table)"
            )
        if action.name not in EVENT_LABELS and not action.title:
            found.append(f"AppealAction {action.name!r} has no label in workflow.ACTION_LABELS/EVENT_LABELS")
        if action.in_table and action.name not in ACTION_LABELS:
            found.append(f"transition action {action.name!r} has no label in workflow.ACTION_LABELS")
    return found

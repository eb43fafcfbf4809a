"""The lifecycle table walked pair by pair (spec §2): every (state, action) over AppealState × WORKFLOW_ACTIONS.

Pairs in workflow.TRANSITIONS succeed for a user holding an allowed role (the right handler, the own
resident) and land in one of the transition's targets; every other pair is refused with
IllegalTransition. Allowed pairs refuse users without the role, and object-level rules refuse the
handler of another unit and another resident.

`drive_to` and `act` are shared with the other appeal tests.
"""

import re
from contextlib import contextmanager
from unittest import mock

import pytest

from gongzhi.appeals import services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.workflow import TRANSITIONS, WORKFLOW_ACTIONS
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError

CJK = re.compile(r"[\u4e00-\u9fff]")


@contextmanager
def at(moment):
    """Run services as if the clock showed `moment` (services take the time from `services._now`)."""
    with mock.patch("gongzhi.appeals.services._now", return_value=moment):
        yield


REPLY_TEXT = "已安排维修人员更换路灯，今晚恢复照明。"


def drive_to(state: str, users, units, make_appeal, **appeal_fields) -> Appeal:
    """An appeal brought to `state` through the services only, along the shortest legal path."""
    appeal = make_appeal(**appeal_fields)
    if state == AppealState.RECEIVED:
        return appeal
    if state == AppealState.MERGED:
        master = make_appeal(title="同一路灯问题的主诉求")
        return services.merge_into(users["dispatcher"], appeal.pk, master=master)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    if state == AppealState.DISPATCHED:
        return Appeal.objects.get(pk=appeal.pk)
    if state == AppealState.RETURN_REQUESTED:
        return services.request_return(users["handler"], appeal.pk, reason="该事项不属于本单位职责范围")
    services.sign(users["handler"], appeal.pk)
    if state == AppealState.ACCEPTED:
        return Appeal.objects.get(pk=appeal.pk)
    services.record_contact(users["handler"], appeal.pk, note="电话联系诉求人")
    if state == AppealState.IN_PROGRESS:
        return Appeal.objects.get(pk=appeal.pk)
    services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    if state == AppealState.REPLIED:
        return Appeal.objects.get(pk=appeal.pk)
    assert state == AppealState.CLOSED
    return services.callback(
        users["resident"], appeal.pk, contacted=True, solved=True, satisfaction="satisfied"
    )


# For each action: (who may take it, how to call the service with valid input).
ACTOR = {
    "answer_directly": "operator",
    "dispatch": "dispatcher",
    "merge_into": "dispatcher",
    "refer_out": "operator",
    "withdraw": "resident",
    "sign": "handler",
    "request_return": "handler",
    "approve_return": "dispatcher",
    "reject_return": "dispatcher",
    "record_contact": "handler",
    "record_progress": "handler",
    "request_extension": "handler",
    "approve_extension": "supervisor",
    "deny_extension": "supervisor",
    "reply": "handler",
    "callback": "resident",
    "close_unresolvable": "supervisor",
    "supplement": "resident",
    "ask": "handler",
    "answer": "resident",
}


def act(action: str, actor, appeal_id: int, ctx) -> Appeal:
    _users, units, make_appeal = ctx
    calls = {
        "answer_directly": lambda: services.answer_directly(
            actor, appeal_id, text="根据政策，路灯维修由住建局负责，已告知处理办法。"
        ),
        "dispatch": lambda: services.dispatch(actor, appeal_id, lead_unit=units["housing"]),
        "merge_into": lambda: services.merge_into(
            actor, appeal_id, master=make_appeal(title="另一件路灯诉求")
        ),
        "refer_out": lambda: services.refer_out(
            actor, appeal_id, target="110", reason="涉及治安案件，转公安处理"
        ),
        "withdraw": lambda: services.withdraw(actor, appeal_id, reason="问题已自行解决"),
        "sign": lambda: services.sign(actor, appeal_id),
        "request_return": lambda: services.request_return(
            actor, appeal_id, reason="该事项不属于本单位职责范围"
        ),
        "approve_return": lambda: services.approve_return(actor, appeal_id, note="派单有误"),
        "reject_return": lambda: services.reject_return(actor, appeal_id, note="属于该单位职责，请继续办理"),
        "record_contact": lambda: services.record_contact(actor, appeal_id, note="电话联系"),
        "record_progress": lambda: services.record_progress(actor, appeal_id, note="已派人现场查看"),
        "request_extension": lambda: services.request_extension(
            actor, appeal_id, reason="需要采购配件，时间较长", working_days=3
        ),
        "approve_extension": lambda: services.approve_extension(actor, appeal_id, note="同意"),
        "deny_extension": lambda: services.deny_extension(actor, appeal_id, note="理由不充分"),
        "reply": lambda: services.reply(actor, appeal_id, text=REPLY_TEXT),
        "callback": lambda: services.callback(
            actor, appeal_id, contacted=True, solved=True, satisfaction="satisfied"
        ),
        "close_unresolvable": lambda: services.close_unresolvable(
            actor, appeal_id, note="多次重办仍无法解决，按规定办结"
        ),
        "supplement": lambda: services.supplement(actor, appeal_id, text="路灯在3号楼东侧"),
        "ask": lambda: services.ask(actor, appeal_id, question="请问路灯具体在几号楼？"),
        "answer": lambda: services.answer(actor, appeal_id, text="3号楼东侧"),
    }
    return calls[action]()


def prepare(action: str, appeal: Appeal, users, units, make_appeal) -> Appeal:
    """What an allowed pair needs besides the state (a pending extension, the reopen limit reached)."""
    if action == "answer":  # a question to answer (asked while the unit held it: written as its event here)
        from django.db import transaction

        with transaction.atomic():
            locked = Appeal.objects.select_for_update().get(pk=appeal.pk)
            services.record_event(locked, users["handler"], "ask", note="请问路灯具体在几号楼？")
    if action in ("approve_extension", "deny_extension"):
        services.request_extension(
            users["handler"], appeal.pk, reason="需要采购配件，时间较长", working_days=3
        )
    if action == "close_unresolvable":
        for _round in range(2):  # two unsatisfied callbacks reopen twice (the default limit)
            services.callback(
                users["resident"], appeal.pk, contacted=True, solved=False, satisfaction="unsatisfied"
            )
            services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
        appeal = services.callback(
            users["resident"], appeal.pk, contacted=True, solved=False, satisfaction="unsatisfied"
        )
        assert appeal.state == AppealState.REPLIED and appeal.reopen_count == 2
    return Appeal.objects.get(pk=appeal.pk)


PAIRS = [(state, action) for state in AppealState.values for action in WORKFLOW_ACTIONS]


# spec §2, written out independently of workflow.py: a change to the table must be a change to the spec.
S = AppealState
OPEN = (S.RECEIVED, S.DISPATCHED, S.RETURN_REQUESTED, S.ACCEPTED, S.IN_PROGRESS, S.REPLIED)
SPEC_TABLE = {
    (S.RECEIVED, "answer_directly"): ({S.REPLIED}, {"operator"}),
    (S.RECEIVED, "dispatch"): ({S.DISPATCHED}, {"dispatcher"}),
    (S.RECEIVED, "merge_into"): ({S.MERGED}, {"dispatcher"}),
    (S.RECEIVED, "refer_out"): ({S.CLOSED}, {"operator"}),
    (S.RECEIVED, "withdraw"): ({S.CLOSED}, {"resident"}),
    (S.DISPATCHED, "withdraw"): ({S.CLOSED}, {"resident"}),
    (S.DISPATCHED, "sign"): ({S.ACCEPTED}, {"handler"}),
    (S.DISPATCHED, "request_return"): ({S.RETURN_REQUESTED}, {"handler"}),
    (S.ACCEPTED, "request_return"): ({S.RETURN_REQUESTED}, {"handler"}),
    (S.RETURN_REQUESTED, "approve_return"): ({S.RECEIVED}, {"dispatcher"}),
    (S.RETURN_REQUESTED, "reject_return"): ({S.DISPATCHED, S.ACCEPTED}, {"dispatcher"}),
    (S.ACCEPTED, "record_contact"): ({S.IN_PROGRESS}, {"handler"}),
    (S.IN_PROGRESS, "record_progress"): ({S.IN_PROGRESS}, {"handler"}),
    (S.IN_PROGRESS, "request_extension"): ({S.IN_PROGRESS}, {"handler"}),
    (S.IN_PROGRESS, "approve_extension"): ({S.IN_PROGRESS}, {"supervisor"}),
    (S.IN_PROGRESS, "deny_extension"): ({S.IN_PROGRESS}, {"supervisor"}),
    (S.IN_PROGRESS, "reply"): ({S.REPLIED}, {"handler"}),
    # closed when solved and not unsatisfied, reopened otherwise, left replied at the reopen limit
    (S.REPLIED, "callback"): ({S.CLOSED, S.IN_PROGRESS, S.REPLIED, S.MERGED}, {"operator", "resident"}),
    (S.REPLIED, "close_unresolvable"): ({S.CLOSED}, {"supervisor"}),
    # issue 16: the conversation leaves the state as it is — the appellant adds material and answers in any open
    # state, the lead unit's handler asks while it holds the appeal
    **{(state, "supplement"): ({state}, {"resident"}) for state in OPEN},
    **{(state, "answer"): ({state}, {"resident"}) for state in OPEN},
    **{(state, "ask"): ({state}, {"handler"}) for state in (S.DISPATCHED, S.ACCEPTED, S.IN_PROGRESS)},
}


def test_the_table_is_the_spec():
    got = {pair: (set(tr.targets), set(tr.roles)) for pair, tr in TRANSITIONS.items()}
    assert got == SPEC_TABLE
    assert set(WORKFLOW_ACTIONS) == {action for _state, action in SPEC_TABLE}


def test_table_covers_only_known_states_and_actions():
    for (state, action), transition in TRANSITIONS.items():
        assert state in AppealState.values and action in WORKFLOW_ACTIONS
        assert set(transition.targets) <= set(AppealState.values) and transition.roles


@pytest.mark.parametrize(("state", "action"), PAIRS, ids=[f"{s}-{a}" for s, a in PAIRS])
def test_every_state_action_pair(state, action, users, units, make_appeal):
    appeal = drive_to(state, users, units, make_appeal)
    assert appeal.state == state
    transition = TRANSITIONS.get((state, action))
    actor = users[ACTOR[action]]
    events_before = appeal.events.count()
    if transition is None:
        with pytest.raises(IllegalTransition) as refused:
            act(action, actor, appeal.pk, (users, units, make_appeal))
        assert refused.value.code == "illegal_transition" and refused.value.status == 409
        assert CJK.search(str(refused.value.message))
        appeal.refresh_from_db()
        assert appeal.state == state and appeal.events.count() == events_before
        return
    assert actor.roles & transition.roles
    appeal = prepare(action, appeal, users, units, make_appeal)
    events_before = appeal.events.count()
    result = act(action, actor, appeal.pk, (users, units, make_appeal))
    result = Appeal.objects.get(pk=result.pk)
    assert result.state in transition.targets
    event = result.events.filter(action=action).order_by("-id").first()
    assert event is not None and event.state_before == appeal.state
    assert result.events.count() > events_before


ALLOWED = sorted(TRANSITIONS)


@pytest.mark.parametrize(("state", "action"), ALLOWED, ids=[f"{s}-{a}" for s, a in ALLOWED])
def test_allowed_pairs_refuse_users_without_the_role(state, action, users, units, make_appeal):
    appeal = drive_to(state, users, units, make_appeal)
    appeal = prepare(action, appeal, users, units, make_appeal)
    roles = TRANSITIONS[(state, action)].roles
    outsiders = [name for name, user in users.items() if not (user.roles & roles)]
    assert outsiders
    for name in outsiders:
        with pytest.raises(PermissionDeniedError) as refused:
            act(action, users[name], appeal.pk, (users, units, make_appeal))
        assert refused.value.status == 403 and CJK.search(str(refused.value.message)), name
    appeal.refresh_from_db()
    assert appeal.state == state


HANDLER_ACTIONS = {
    AppealState.DISPATCHED: ["sign", "request_return"],
    AppealState.ACCEPTED: ["record_contact", "request_return"],
    AppealState.IN_PROGRESS: ["reply", "request_extension", "record_progress"],
}


@pytest.mark.parametrize("state", list(HANDLER_ACTIONS))
def test_handler_of_another_unit_is_refused(state, users, units, make_appeal):
    appeal = drive_to(state, users, units, make_appeal)
    for action in HANDLER_ACTIONS[state]:
        with pytest.raises(PermissionDeniedError):
            act(action, users["handler_other"], appeal.pk, (users, units, make_appeal))
    appeal.refresh_from_db()
    assert appeal.state == state


def test_co_unit_handler_may_record_progress_but_not_reply(users, units, make_appeal):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"], co_units=[units["hrss"]])
    services.sign(users["handler"], appeal.pk)
    services.record_contact(users["handler"], appeal.pk)
    services.record_progress(users["handler_other"], appeal.pk, note="协办单位已核实社保记录")
    with pytest.raises(PermissionDeniedError):
        services.reply(users["handler_other"], appeal.pk, text=REPLY_TEXT)
    assert appeal.events.filter(action="record_progress", unit=units["hrss"]).exists()


@pytest.mark.parametrize(
    ("state", "action"),
    [
        (AppealState.RECEIVED, "withdraw"),
        (AppealState.DISPATCHED, "withdraw"),
        (AppealState.REPLIED, "callback"),
    ],
)
def test_another_residents_appeal_is_refused(state, action, users, units, make_appeal):
    appeal = drive_to(state, users, units, make_appeal)
    with pytest.raises(PermissionDeniedError):
        act(action, users["resident2"], appeal.pk, (users, units, make_appeal))
    appeal.refresh_from_db()
    assert appeal.state == state

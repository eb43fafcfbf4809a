"""The deadline sweep: 催办 in the warning window, 督办 levels 1–3 as a step stays overdue, idempotent.

A normal appeal received Mon 2026-03-02 09:00 and dispatched at 10:00: sign due Tue 03-03 10:00 (its last
25 % starts 03-03 04:00); reply due Mon 03-09 09:00 (its last 25 % starts Sat 03-07 15:00).
"""

from datetime import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from gongzhi.appeals import services
from gongzhi.appeals.choices import Step, SupervisionKind
from gongzhi.appeals.models import AppealEvent, Supervision
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError
from gongzhi.core.models import Notification

TZ = ZoneInfo("Asia/Shanghai")


def t(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def dispatched(users, units, make_appeal):
    with at(t(2, 9)):
        appeal = make_appeal()
    with at(t(2, 10)):
        return services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])


def notices(appeal):
    return list(Supervision.objects.filter(appeal=appeal).order_by("id").values_list("step", "kind", "level"))


def test_sweep_escalates_step_by_step_and_is_idempotent(dispatched, units):
    appeal = dispatched
    assert appeal.sign_due == t(3, 10)
    assert services.sweep_deadlines(t(2, 12)) == 0
    assert services.sweep_deadlines(t(3, 3, 59)) == 0
    assert services.sweep_deadlines(t(3, 4)) == 1
    assert notices(appeal) == [(Step.SIGN, SupervisionKind.REMINDER, 0)]
    assert Notification.objects.filter(unit=units["housing"], subject="催办").count() == 1

    events = AppealEvent.objects.count()
    assert services.sweep_deadlines(t(3, 4)) == 0  # a second run issues nothing and writes nothing
    assert services.sweep_deadlines(t(3, 9)) == 0
    assert AppealEvent.objects.count() == events

    assert services.sweep_deadlines(t(3, 10, 1)) == 1
    assert notices(appeal)[-1] == (Step.SIGN, SupervisionKind.SUPERVISION, 1)
    assert Notification.objects.filter(unit=units["housing"], subject="督办（1级）").exists()
    assert services.sweep_deadlines(t(4, 9, 59)) == 0
    assert services.sweep_deadlines(t(4, 10)) == 1  # one working day overdue
    assert notices(appeal)[-1] == (Step.SIGN, SupervisionKind.SUPERVISION, 2)
    assert services.sweep_deadlines(t(5, 10)) == 0
    assert services.sweep_deadlines(t(6, 10)) == 1  # three working days overdue
    assert notices(appeal)[-1] == (Step.SIGN, SupervisionKind.SUPERVISION, 3)
    assert services.sweep_deadlines(t(6, 10)) == 0
    # the reply step enters its own warning window on Saturday afternoon
    assert services.sweep_deadlines(t(7, 15)) == 1
    assert notices(appeal)[-1] == (Step.REPLY, SupervisionKind.REMINDER, 0)
    appeal.refresh_from_db()
    assert appeal.supervision_level == 3
    actions = list(
        appeal.events.filter(action__in=["remind", "supervise"]).values_list("action", "created_at")
    )
    assert [a for a, _ in actions] == ["remind", "supervise", "supervise", "supervise", "remind"]
    assert actions[1][1] == t(3, 10, 1)  # the event carries the sweep's time


def test_sweep_catches_up_at_once(dispatched):
    # on 03-20 the sign step (due 03-03) and the reply step (due 03-09) are both over three working days late
    assert services.sweep_deadlines(t(20, 10)) == 8
    assert sorted(notices(dispatched)) == sorted(
        (step, kind, level)
        for step in (Step.SIGN, Step.REPLY)
        for kind, level in (
            (SupervisionKind.REMINDER, 0),
            (SupervisionKind.SUPERVISION, 1),
            (SupervisionKind.SUPERVISION, 2),
            (SupervisionKind.SUPERVISION, 3),
        )
    )
    assert services.sweep_deadlines(t(20, 10)) == 0
    assert services.sweep_deadlines(t(25, 10)) == 0


def test_closed_appeals_are_not_swept(users, units, dispatched):
    with at(t(2, 11)):
        services.withdraw(users["resident"], dispatched.pk)
    assert services.sweep_deadlines(t(20, 10)) == 0


def test_replied_appeal_waits_on_the_callback(users, units, dispatched):
    with at(t(2, 11)):
        services.sign(users["handler"], dispatched.pk)
        services.record_contact(users["handler"], dispatched.pk)
        services.reply(users["handler"], dispatched.pk, text=REPLY_TEXT)
    dispatched.refresh_from_db()
    assert dispatched.callback_due == t(3, 11)
    assert services.sweep_deadlines(t(3, 11, 1)) == 2  # callback: 催办 and 督办 level 1
    assert {s.step for s in Supervision.objects.filter(appeal=dispatched)} == {Step.CALLBACK}


def test_command_runs_the_sweep(dispatched):
    out = StringIO()
    with at(t(3, 4)):
        call_command("sweep_deadlines", stdout=out)
    assert "issued 1" in out.getvalue()
    with at(t(3, 4)):
        call_command("sweep_deadlines", stdout=out)
    assert "issued 0" in out.getvalue()


def test_supervisor_may_supervise_by_hand(users, units, dispatched):
    item = services.supervise(users["supervisor"], dispatched.pk, level=2, note="请加快办理")
    assert item.kind == SupervisionKind.SUPERVISION and item.level == 2
    assert Notification.objects.filter(unit=units["housing"], subject="督办（2级）").exists()
    with pytest.raises(PermissionDeniedError):
        services.supervise(users["handler"], dispatched.pk, level=1, note="请加快办理")
    services.withdraw(users["resident"], dispatched.pk)
    with pytest.raises(IllegalTransition):
        services.supervise(users["supervisor"], dispatched.pk, level=1, note="请加快办理")

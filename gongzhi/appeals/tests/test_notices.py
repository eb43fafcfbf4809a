"""The appellant is told at every step that matters, exactly once per channel they chose (site, SMS, e-mail)."""

from collections import Counter
from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from gongzhi.appeals import notices, services
from gongzhi.appeals.choices import AppealState
from gongzhi.core.models import Notification
from gongzhi.core.notices import update_notification_preferences
from gongzhi.core.notifications import deliver_pending

REPLY = "路灯已更换新灯泡，经现场检查已恢复照明。"
ALL = {"site": 1, "sms": 1, "email": 1}


@pytest.fixture
def resident(users):
    resident = users["resident"]
    update_notification_preferences(resident, resident, sms=True, email=True, email_address="li@example.com")
    resident.refresh_from_db()
    return resident


def channels(appeal, kind) -> dict:
    rows = Notification.objects.filter(
        kind=kind, link__in=[f"/appeals/{appeal.pk}/", f"/appeals/track/?number={appeal.number}"]
    )
    return dict(Counter(rows.values_list("channel", flat=True)))


def _in_progress(users, units, appeal):
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    return services.record_contact(users["handler"], appeal.pk)


def _replied(users, units, appeal):
    _in_progress(users, units, appeal)
    return services.reply(users["handler"], appeal.pk, text=REPLY)


def _callback(users, appeal, solved, satisfaction):
    return services.callback(
        users["resident"], appeal.pk, contacted=True, solved=solved, satisfaction=satisfaction
    )


def _extended(users, units, appeal):
    _in_progress(users, units, appeal)
    services.request_extension(users["handler"], appeal.pk, reason="需要采购配件，等待到货", working_days=5)
    return services.approve_extension(users["supervisor"], appeal.pk)


def _unresolvable(users, units, appeal):
    _replied(users, units, appeal)
    for _round in range(2):
        _callback(users, appeal, False, "unsatisfied")
        services.reply(users["handler"], appeal.pk, text=REPLY)
    _callback(users, appeal, False, "unsatisfied")
    return services.close_unresolvable(users["supervisor"], appeal.pk, note="已穷尽办法，按规定办结")


def _callback_due(users, units, appeal):
    appeal = _replied(users, units, appeal)
    with time_machine.travel(appeal.callback_due - timedelta(minutes=1), tick=False):
        assert notices.remind_callbacks() == 1
        notices.remind_callbacks()  # the sweep runs every minute: still one reminder
    return appeal


STEPS = {
    "appeal_received": lambda users, units, appeal: appeal,
    "appeal_dispatched": lambda users, units, appeal: services.dispatch(
        users["dispatcher"], appeal.pk, lead_unit=units["housing"]
    ),
    "appeal_extended": _extended,
    "appeal_replied": _replied,
    "appeal_callback_due": _callback_due,
    "appeal_reopened": lambda users, units, appeal: _callback(
        users, _replied(users, units, appeal), False, "unsatisfied"
    ),
    "appeal_closed": lambda users, units, appeal: _callback(
        users, _replied(users, units, appeal), True, "satisfied"
    ),
}


@pytest.mark.parametrize("kind", STEPS)
def test_each_step_tells_the_appellant_once_per_channel(kind, resident, users, units, make_appeal):
    appeal = make_appeal()
    STEPS[kind](users, units, appeal)
    assert channels(appeal, kind) == ALL
    assert deliver_pending() > 0
    assert any(appeal.number in m.body for m in mail.outbox)


@pytest.mark.parametrize(
    "step, kind, result",
    [
        (
            lambda users, units, a: services.refer_out(
                users["operator"], a.pk, target="110", reason="涉及治安，转公安处理"
            ),
            "appeal_closed",
            "转110",
        ),
        (_unresolvable, "appeal_closed", "仍未解决，按规定办结"),
    ],
)
def test_every_decision_is_told(step, kind, result, resident, users, units, make_appeal):
    appeal = make_appeal()
    step(users, units, appeal)
    assert channels(appeal, kind) == ALL
    assert result in Notification.objects.filter(kind=kind).latest("id").body


def test_merge_tells_the_merged_appellant_and_later_steps_reach_both(resident, users, units, make_appeal):
    master = make_appeal(users["resident2"], title="同一路灯问题的主诉求")
    dup = make_appeal()
    services.merge_into(users["dispatcher"], dup.pk, master=master)
    assert channels(dup, "appeal_merged") == ALL
    assert master.number in Notification.objects.filter(kind="appeal_merged").first().body
    services.dispatch(users["dispatcher"], master.pk, lead_unit=units["housing"])
    assert channels(dup, "appeal_dispatched") == ALL
    assert channels(master, "appeal_dispatched") == {"site": 1, "sms": 1}  # resident2 chose no e-mail


def test_a_consultation_answered_directly_is_told_replied_and_closed(resident, users, make_appeal):
    appeal = make_appeal(kind="consultation", title="咨询社保办理地点")
    services.answer_directly(users["operator"], appeal.pk, text="社保业务请到县政务服务中心二楼办理。")
    assert channels(appeal, "appeal_replied") == ALL and channels(appeal, "appeal_closed") == ALL


def test_optional_steps_respect_the_opt_out_mandatory_ones_do_not(users, units, make_appeal):
    resident = users["resident"]
    update_notification_preferences(
        resident, resident, sms=False, email=False, disabled=["appeal_dispatched", "appeal_reopened"]
    )
    appeal = make_appeal()
    _callback(users, _replied(users, units, appeal), False, "unsatisfied")
    assert channels(appeal, "appeal_dispatched") == {} and channels(appeal, "appeal_reopened") == {}
    assert channels(appeal, "appeal_received") == {"site": 1} and channels(appeal, "appeal_replied") == {
        "site": 1
    }
    # no SMS to the account holder who turned SMS off, but the unit is still told of the reopening
    assert not Notification.objects.filter(channel="sms", phone=resident.phone).exists()


def test_without_an_account_the_phone_gets_sms_and_anonymous_appeals_get_none(users, units, make_appeal):
    walk_in = make_appeal(
        users["operator"], channel="walk_in", appellant_name="王大爷", appellant_phone="13600136000"
    )
    anonymous = make_appeal(users["operator"], channel="hotline", anonymous=True)
    for appeal in (walk_in, anonymous):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    assert channels(walk_in, "appeal_received") == {"sms": 1}
    assert channels(walk_in, "appeal_dispatched") == {"sms": 1}
    assert channels(anonymous, "appeal_received") == {} and channels(anonymous, "appeal_dispatched") == {}


def test_no_reminder_before_the_callback_window_nor_after_the_rating(resident, users, units, make_appeal):
    appeal = _replied(users, units, make_appeal())
    assert notices.remind_callbacks() == 0  # just answered: still green
    _callback(users, appeal, True, "satisfied")
    with time_machine.travel(appeal.callback_due - timedelta(minutes=1), tick=False):
        assert notices.remind_callbacks() == 0
    assert channels(appeal, "appeal_callback_due") == {}
    assert services.Appeal.objects.get(pk=appeal.pk).state == AppealState.CLOSED

"""Due times (spec §4) on the working-day calendar, driven through the services with a fixed clock.

The story runs over the 2026 National Day holiday (10-01..10-07 off, Saturday 10-10 is a 调休 working day):
received Tue 09-29 10:00, dispatched Wed 09-30 09:00, signed 15:00, contacted 15:30, replied Fri 10-09 11:00.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import deadlines, services
from gongzhi.appeals.choices import AppealState, Light, LimitProfile, LimitUnit, Step
from gongzhi.appeals.models import Appeal, Category, TimeLimit
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import CalendarOverride

TZ = ZoneInfo("Asia/Shanghai")


def t(month, day, hour=0, minute=0, second=0):
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


RECEIVED, DISPATCHED, SIGNED, CONTACTED, REPLIED = (
    t(9, 29, 10),
    t(9, 30, 9),
    t(9, 30, 15),
    t(9, 30, 15, 30),
    t(10, 9, 11),
)


def submit(make_appeal, **fields) -> Appeal:
    with at(RECEIVED):
        return make_appeal(**fields)


def dispatch(users, units, appeal, **kw):
    with at(DISPATCHED):
        return services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"], **kw)


def sign_and_contact(users, appeal):
    with at(SIGNED):
        services.sign(users["handler"], appeal.pk)
    with at(CONTACTED):
        return services.record_contact(users["handler"], appeal.pk)


# (kind, urgency at intake, urgency at dispatch) → sign, contact, reply, callback due
CASES = {
    "emergency": (
        ("complaint", "emergency", None),
        (t(9, 30, 9, 30), t(9, 30, 16), t(9, 29, 12), t(10, 10, 11)),
    ),
    "timely": (("complaint", "timely", None), (t(9, 30, 11), t(9, 30, 19), t(9, 30, 10), t(10, 10, 11))),
    "normal": (("complaint", "normal", None), (t(10, 8, 9), t(10, 8, 15), t(10, 6, 10), t(10, 10, 11))),
    "complex": (
        ("complaint", "normal", "complex"),
        (t(10, 8, 9), t(10, 8, 15), t(10, 14, 10), t(10, 10, 11)),
    ),
    "consultation": (("consultation", "normal", None), (t(10, 8, 9), None, t(9, 30, 10), None)),
}


@pytest.mark.parametrize("profile", list(CASES))
def test_default_limits_of_each_urgency(profile, users, units, make_appeal):
    (kind, urgency, dispatch_urgency), (sign_due, contact_due, reply_due, callback_due) = CASES[profile]
    appeal = submit(make_appeal, kind=kind, urgency=urgency)
    assert appeal.received_at == RECEIVED
    if dispatch_urgency is None:  # 疑难 is set only at dispatch; until then the intake urgency's limit holds
        assert appeal.reply_due == reply_due
    assert appeal.sign_due is None and appeal.contact_due is None
    appeal = dispatch(users, units, appeal, urgency=dispatch_urgency)
    assert appeal.sign_due == sign_due
    assert appeal.reply_due == reply_due  # from the receipt time, not the dispatch
    appeal = sign_and_contact(users, appeal)
    assert appeal.contact_due == contact_due
    with at(REPLIED):
        appeal = services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    appeal.refresh_from_db()
    assert appeal.callback_due == callback_due  # Saturday 10-10 is a 调休 working day
    if profile == "consultation":  # no contact or callback step: answered, then closed at once
        assert appeal.state == AppealState.CLOSED and appeal.close_reason == "answered_directly"
    else:
        assert appeal.state == AppealState.REPLIED
    reply_event = appeal.events.get(action="reply")
    assert reply_event.after["on_time"] is (profile == "complex")  # only 疑难 (15 days) was replied in time


def test_the_limits_table_matches_the_spec():
    limits = deadlines.DEFAULT_LIMITS
    m, h, d, w = LimitUnit.MINUTES, LimitUnit.HOURS, LimitUnit.DAYS, LimitUnit.WORKING_DAYS
    expected = {
        Step.DISPATCH: [(15, m), (1, h), (1, w), (1, w), (1, w)],
        Step.SIGN: [(30, m), (2, h), (1, w), (1, w), (1, w)],
        Step.CONTACT: [(1, h), (4, h), (1, w), (1, w), None],
        Step.REPLY: [(2, h), (24, h), (7, d), (15, d), (1, w)],
        Step.CALLBACK: [(1, w), (1, w), (1, w), (1, w), None],
    }
    profiles = [
        LimitProfile.EMERGENCY,
        LimitProfile.TIMELY,
        LimitProfile.NORMAL,
        LimitProfile.COMPLEX,
        LimitProfile.CONSULTATION,
    ]
    for step, row in expected.items():
        for profile, limit in zip(profiles, row, strict=True):
            got = limits[step][profile]
            assert (got.amount, got.unit) == limit if limit else got is None, (step, profile)


def test_calendar_override_moves_the_due_time(users, units, make_appeal):
    CalendarOverride.objects.create(date=datetime(2026, 10, 8).date(), is_working_day=False, note="测试")
    appeal = submit(make_appeal)
    appeal = dispatch(users, units, appeal)
    assert appeal.sign_due == t(10, 9, 9)


def test_admin_time_limit_for_a_category_and_for_all(users, units, make_appeal, category):
    TimeLimit.objects.create(
        category=None, profile=LimitProfile.NORMAL, step=Step.REPLY, amount=10, unit=LimitUnit.DAYS
    )
    TimeLimit.objects.create(
        category=category.top,
        profile=LimitProfile.NORMAL,
        step=Step.REPLY,
        amount=3,
        unit=LimitUnit.WORKING_DAYS,
    )
    TimeLimit.objects.create(
        category=None, profile=LimitProfile.NORMAL, step=Step.SIGN, amount=4, unit=LimitUnit.HOURS
    )
    other = Category.objects.filter(level=3).exclude(parent__parent=category.top).order_by("code").first()
    appeal = submit(make_appeal)
    assert appeal.reply_due == t(10, 9, 10)  # the category's 3 working days beat the 10 days for all
    elsewhere = submit(make_appeal, category=other)
    assert elsewhere.reply_due == t(10, 9, 10)  # 10 natural days from 09-29 10:00
    appeal = dispatch(users, units, appeal)
    assert appeal.sign_due == t(9, 30, 13)
    emergency = submit(make_appeal, urgency="emergency")
    assert emergency.reply_due == t(9, 29, 12)  # other profiles keep the defaults


def test_extension_is_computed_from_the_base_due(users, units, make_appeal):
    appeal = submit(make_appeal)
    dispatch(users, units, appeal)
    sign_and_contact(users, appeal)
    base = t(10, 6, 10)
    with at(t(9, 30, 16)):
        services.request_extension(
            users["handler"], appeal.pk, reason="需要采购配件，等待到货", working_days=3
        )
    with at(t(9, 30, 17)):
        appeal = services.approve_extension(users["supervisor"], appeal.pk, note="同意")
    assert appeal.reply_due == t(10, 10, 10)  # 10-08, 10-09, Saturday 10-10 (调休)
    with at(t(10, 8, 9)):
        services.request_extension(
            users["handler"], appeal.pk, reason="施工队排期，需再延两天", working_days=2
        )
        appeal = services.approve_extension(users["supervisor"], appeal.pk)
    appeal.refresh_from_db()
    assert appeal.extension_count == 2 and appeal.extension_working_days == 5
    assert appeal.reply_due == t(10, 13, 10) == deadlines.add_working_days_at(base, 5)
    with at(t(10, 9, 9)):  # another write does not add the extension again
        appeal = services.record_progress(users["handler"], appeal.pk, note="已到货，正在安装")
    appeal.refresh_from_db()
    assert appeal.reply_due == t(10, 13, 10)
    with at(t(10, 9, 10)), pytest.raises(ServiceError) as refused:
        services.request_extension(users["handler"], appeal.pk, reason="还需要更多时间处理", working_days=1)
    assert refused.value.code == "extension_limit"


def test_reopen_computes_the_reply_due_from_the_reopen_time(users, units, make_appeal):
    appeal = submit(make_appeal)
    dispatch(users, units, appeal)
    sign_and_contact(users, appeal)
    with at(t(10, 1, 9)):
        services.request_extension(
            users["handler"], appeal.pk, reason="需要采购配件，等待到货", working_days=2
        )
        services.approve_extension(users["supervisor"], appeal.pk)
    with at(t(10, 8, 11)):
        services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    with at(t(10, 12, 14)):
        appeal = services.callback(
            users["resident"], appeal.pk, contacted=True, solved=False, satisfaction="unsatisfied"
        )
    assert appeal.state == AppealState.IN_PROGRESS and appeal.reopen_count == 1
    assert appeal.reopened_at == t(10, 12, 14)
    assert appeal.reply_due == t(10, 19, 14)  # 7 days from the reopening; the old extension is spent
    assert appeal.callback_due is None


def test_light_turns_yellow_in_the_last_quarter_and_red_after_the_due_time(users, units, make_appeal):
    appeal = submit(make_appeal)
    dispatch(users, units, appeal)
    appeal = sign_and_contact(users, appeal)
    assert appeal.reply_due == t(10, 6, 10)
    # 7 days = 168 h; the last 25 % = 42 h start at 10-04 16:00
    assert deadlines.light(appeal, t(9, 29, 10)) == Light.GREEN
    assert deadlines.light(appeal, t(10, 4, 15, 59, 59)) == Light.GREEN
    assert deadlines.light(appeal, t(10, 4, 16)) == Light.YELLOW
    assert deadlines.light(appeal, t(10, 6, 10)) == Light.YELLOW
    assert deadlines.light(appeal, t(10, 6, 10, 0, 1)) == Light.RED


def test_light_is_the_worst_of_the_waiting_steps(users, units, make_appeal):
    appeal = submit(make_appeal)
    appeal = dispatch(users, units, appeal)
    # sign: 09-30 09:00 → 10-08 09:00 (yellow from 10-06 09:00); reply: yellow from 10-04 16:00, red after 10-06 10:00
    assert deadlines.light(appeal, t(10, 3, 9)) == Light.GREEN
    assert deadlines.light(appeal, t(10, 5, 9)) == Light.YELLOW
    assert deadlines.light(appeal, t(10, 7, 9)) == Light.RED
    with at(REPLIED):
        services.withdraw(users["resident"], appeal.pk)
    appeal.refresh_from_db()
    assert deadlines.light(appeal, t(10, 7, 9)) == Light.NONE

"""The three rates (spec §5) on a hand-computed month, with every callback made through the services.

March 2026 at 县住建局: ten valid callbacks

 #  contact   contacted solved satisfaction   notes
 1  on time   yes       yes    satisfied
 2  on time   yes       yes    satisfied
 3  on time   yes       yes    satisfied
 4  on time   yes       yes    basically
 5  on time   yes       yes    basically
 6  on time   yes       no     unsatisfied    → reopened
 7  on time   no        yes    satisfied      (the resident says nobody called)
 8  late      yes       yes    satisfied
 9  late      yes       no     basically      reply late → reopened
10  late      yes       no     unsatisfied    sign late  → reopened

response = 6/10, resolution = 7/10, satisfaction = (5 + 0.9 × 3)/10 = 0.77,
composite = 0.1 × 0.6 + 0.5 × 0.7 + 0.4 × 0.77 = 0.718.
"""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import rates, services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Callback
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at

TZ = ZoneInfo("Asia/Shanghai")
MARCH = rates.month_bounds("2026-03")


def t(day, hour, minute=0):
    return datetime(2026, 3, day, hour, minute, tzinfo=TZ)


# (contact late, contacted, solved, satisfaction, sign late, reply late)
MIX = [
    (False, True, True, "satisfied", False, False),
    (False, True, True, "satisfied", False, False),
    (False, True, True, "satisfied", False, False),
    (False, True, True, "basically", False, False),
    (False, True, True, "basically", False, False),
    (False, True, False, "unsatisfied", False, False),
    (False, False, True, "satisfied", False, False),
    (True, True, True, "satisfied", False, False),
    (True, True, False, "basically", False, True),
    (True, True, False, "unsatisfied", True, False),
]


def handled(
    users,
    units,
    make_appeal,
    *,
    unit="housing",
    contact_late=False,
    sign_late=False,
    reply_late=False,
    minute=0,
    **fields,
):
    """Received Mon 03-02 09:00, dispatched 10:00; sign due Tue 10:00, reply due Mon 03-09 09:00."""
    handler = users["handler"] if unit == "housing" else users["handler_other"]
    with at(t(2, 9, minute)):
        appeal = make_appeal(**fields)
    with at(t(2, 10)):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units[unit])
    with at(t(4, 11) if sign_late else t(2, 11)):
        services.sign(handler, appeal.pk)
    with at(t(5, 14) if contact_late or sign_late else t(2, 14)):
        services.record_contact(handler, appeal.pk)
    with at(t(10, 10) if reply_late else t(6, 10)):
        services.reply(handler, appeal.pk, text=REPLY_TEXT)
    return appeal


@pytest.fixture
def march(users, units, make_appeal):
    for i, (contact_late, contacted, solved, satisfaction, sign_late, reply_late) in enumerate(MIX):
        appeal = handled(
            users,
            units,
            make_appeal,
            contact_late=contact_late,
            sign_late=sign_late,
            reply_late=reply_late,
            minute=i,
        )
        with at(t(10, 11, i)):
            services.callback(
                users["operator"], appeal.pk, contacted=contacted, solved=solved, satisfaction=satisfaction
            )
    # not reached: recorded, but not a valid callback
    appeal = handled(users, units, make_appeal, minute=20)
    with at(t(10, 12)):
        services.callback(users["operator"], appeal.pk, reached=False)
    # an anonymous appeal is closed after the reply and never called back
    anonymous = handled(
        users, units, make_appeal, minute=21, anonymous=True, actor=users["operator"], channel="hotline"
    )
    # a return rejected (unjustified) and one approved
    for minute, approve in ((30, False), (31, True)):
        with at(t(3, 9, minute)):
            appeal = make_appeal()
            services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
            services.request_return(users["handler"], appeal.pk, reason="该事项不属于本单位职责范围")
            if approve:
                services.approve_return(users["dispatcher"], appeal.pk, note="派单有误")
            else:
                services.reject_return(users["dispatcher"], appeal.pk, note="属于贵单位职责，请继续办理")
    return {"anonymous": anonymous}


@pytest.fixture
def other_street(users, units, make_appeal, county):
    for minute, satisfaction in ((40, "satisfied"), (41, "unsatisfied")):
        appeal = handled(
            users, units, make_appeal, unit="hrss", minute=minute, region=county["other_community"]
        )
        with at(t(10, 13, minute)):
            services.callback(
                users["operator"], appeal.pk, contacted=True, solved=True, satisfaction=satisfaction
            )


def housing(units, start_end=MARCH, by="unit"):
    metrics = {m.key: m for m in rates.compute_metrics(*start_end, by=by)}
    return metrics[units["housing"].pk] if by == "unit" else metrics


def test_three_rates_on_the_hand_computed_month(march, units):
    m = housing(units)
    assert m.valid_callbacks == 10
    assert m.response.value == Decimal("0.6")
    assert m.resolution.value == Decimal("0.7")
    assert m.satisfaction.value == Decimal("0.77")
    assert m.composite == Decimal("0.718")
    data = m.as_dict()
    assert (
        data["response_rate"] == 0.6 and data["resolution_rate"] == 0.7 and data["satisfaction_rate"] == 0.77
    )
    assert data["composite"] == 0.718 and data["valid_callbacks"] == 10 and data["small_sample"] is False
    assert data["resolution"]["numerator"] == 7 and data["resolution"]["denominator"] == 10


def test_invalid_callbacks_are_excluded(march, units):
    assert Callback.objects.count() == 11
    not_reached = Callback.objects.get(reached=False)
    assert not not_reached.valid and not_reached.solved is None
    assert march["anonymous"].callbacks.count() == 0
    march["anonymous"].refresh_from_db()
    assert march["anonymous"].state == AppealState.CLOSED and march["anonymous"].close_reason == "anonymous"
    assert housing(units).valid_callbacks == 10


def test_reopen_on_time_and_return_metrics(march, units):
    data = housing(units).as_dict()
    assert data["reopen_rate"]["numerator"] == 3 and data["reopen_rate"]["value"] == 0.3
    # signs and replies: the ten, plus the not-reached and the anonymous appeal; one sign and one reply late
    assert (data["on_time_sign_rate"]["numerator"], data["on_time_sign_rate"]["denominator"]) == (11, 12)
    assert (data["on_time_reply_rate"]["numerator"], data["on_time_reply_rate"]["denominator"]) == (11, 12)
    # 14 dispatches to the unit, 2 returns, 1 of them unjustified
    assert (data["return_rate"]["numerator"], data["return_rate"]["denominator"]) == (2, 14)
    assert data["unjustified_returns"] == 1
    # handling time: dispatch 03-02 10:00 → reply 03-06 10:00 (96 h) for 11, 03-10 10:00 (192 h) for one
    assert data["mean_handling_hours"] == round((11 * 96 + 192) / 12, 1)


def test_nothing_outside_the_period(march, units):
    april = rates.month_bounds("2026-04")
    assert units["housing"].pk not in {m.key for m in rates.compute_metrics(*april)}


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),
        (7, 10, 0.3968, 0.8922),
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (50, 100, 0.4038, 0.5962),
    ],
)
def test_wilson_interval_against_known_values(successes, n, low, high):
    got = rates.wilson_interval(successes, n)
    assert got[0] == pytest.approx(low, abs=5e-5) and got[1] == pytest.approx(high, abs=5e-5)


def test_wilson_interval_of_nothing():
    assert rates.wilson_interval(0, 0) is None
    assert rates.Rate(Decimal(0), 0).value is None


def test_small_samples_are_listed_apart(march, other_street, units):
    result = rates.ranking(*MARCH)
    assert [m.key for m in result["ranked"]] == [units["housing"].pk]
    assert [m.key for m in result["small_sample"]] == [units["hrss"].pk]
    hrss = result["small_sample"][0]
    assert hrss.valid_callbacks == 2 and hrss.satisfaction.value == Decimal("0.5")
    assert result["min_callbacks"] == 10


def test_grouped_by_street(march, other_street, county):
    by_street = housing(None, by="street")
    assert by_street[county["street"].pk].valid_callbacks == 10
    assert by_street[county["other_street"].pk].valid_callbacks == 2
    assert by_street[county["other_street"].pk].resolution.value == Decimal(1)


def test_one_unit_only(march, other_street, units):
    only = rates.compute_metrics(*MARCH, unit_id=units["hrss"].pk)
    assert [m.key for m in only] == [units["hrss"].pk]


def test_a_callback_past_the_reopen_limit_is_not_a_reopening(users, units, make_appeal, settings):
    settings.GONGZHI = {**settings.GONGZHI, "REOPEN_LIMIT": 1}
    appeal = handled(users, units, make_appeal)
    with at(t(10, 11)):
        services.callback(
            users["operator"], appeal.pk, contacted=True, solved=False, satisfaction="unsatisfied"
        )
    with at(t(11, 10)):
        services.reply(users["handler"], appeal.pk, text=REPLY_TEXT)
    with at(t(11, 11)):
        appeal = services.callback(
            users["operator"], appeal.pk, contacted=True, solved=False, satisfaction="unsatisfied"
        )
    assert appeal.state == AppealState.REPLIED  # waits for close_unresolvable
    metrics = housing(units)
    assert metrics.valid_callbacks == 2 and metrics.reopened == 1

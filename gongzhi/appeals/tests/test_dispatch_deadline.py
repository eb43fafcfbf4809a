"""The dispatch step (spec §4 "dispatch after receipt"): an appeal waiting for dispatch has a due time, a light,
催办/督办 from the sweep, a place on the overdue board and an on-time dispatch rate for the hotline centre.

The clock runs over the 2026 National Day holiday (10-01..10-07 off; Saturday 10-10 is a 调休 working day).
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongzhi.appeals import counters, deadlines, rates, selectors, services
from gongzhi.appeals.choices import AppealState, Light, LimitProfile, LimitUnit, Step, SupervisionKind
from gongzhi.appeals.models import Appeal, RateCounter, Supervision, TimeLimit
from gongzhi.appeals.tests.test_workflow import at
from gongzhi.core.models import Notification

TZ = ZoneInfo("Asia/Shanghai")


def t(month, day, hour=0, minute=0):
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


RECEIVED = t(9, 29, 10)


def submit(make_appeal, moment=RECEIVED, **fields) -> Appeal:
    with at(moment):
        return make_appeal(**fields)


def test_api_shows_the_dispatch_due_of_an_emergency_appeal_and_null_once_dispatched(
    users, units, county, category
):
    api = APIClient()
    api.force_authenticate(users["resident"])
    payload = {
        "kind": "complaint",
        "channel": "mobile",
        "title": "燃气管道漏气",
        "urgency": "emergency",
        "content": "幸福小区3栋楼道里燃气味很重，怀疑管道漏气，请尽快处理。",
        "region": county["grid"].code,
        "category": category.code,
    }
    with at(RECEIVED):
        created = api.post("/api/v1/appeals/", payload, format="json")
    assert created.status_code in (200, 201), created.content
    pk = created.json()["id"]
    staff = APIClient()
    staff.force_authenticate(users["dispatcher"])
    body = staff.get(f"/api/v1/appeals/{pk}/").json()
    received = datetime.fromisoformat(body["received_at"])
    assert datetime.fromisoformat(body["dispatch_due"]) - received == timedelta(minutes=15)
    with at(RECEIVED + timedelta(minutes=5)):
        services.dispatch(users["dispatcher"], pk, lead_unit=units["housing"])
    assert staff.get(f"/api/v1/appeals/{pk}/").json()["dispatch_due"] is None


@pytest.mark.parametrize(
    ("urgency", "kind", "due"),
    [
        ("emergency", "complaint", t(9, 29, 10, 15)),
        ("timely", "complaint", t(9, 29, 11)),
        ("normal", "complaint", t(9, 30, 10)),  # one working day
        ("normal", "consultation", t(9, 30, 10)),
    ],
)
def test_default_dispatch_limit_of_each_urgency(urgency, kind, due, make_appeal):
    appeal = submit(make_appeal, urgency=urgency, kind=kind)
    assert appeal.dispatch_due == due
    assert appeal.next_due == due  # the board waits on the dispatch


def test_a_normal_appeal_received_before_the_holiday_is_due_after_it(make_appeal):
    appeal = submit(make_appeal, moment=t(9, 30, 16))
    assert appeal.dispatch_due == t(10, 8, 16)  # 10-01..10-07 off


def test_the_admin_configures_the_dispatch_limit_per_urgency(make_appeal):
    TimeLimit.objects.create(
        category=None, profile=LimitProfile.EMERGENCY, step=Step.DISPATCH, amount=10, unit=LimitUnit.MINUTES
    )
    assert submit(make_appeal, urgency="emergency").dispatch_due == t(9, 29, 10, 10)
    assert submit(make_appeal, urgency="timely").dispatch_due == t(
        9, 29, 11
    )  # other urgencies keep the default


def test_waiting_for_dispatch_has_a_light_and_is_on_the_overdue_board(users, make_appeal):
    appeal = submit(make_appeal, urgency="emergency")
    assert deadlines.light(appeal, t(9, 29, 10, 5)) == Light.GREEN
    assert deadlines.light(appeal, t(9, 29, 10, 12)) == Light.YELLOW  # the last quarter of 15 minutes
    assert deadlines.light(appeal, t(9, 29, 10, 16)) == Light.RED
    assert deadlines.stored_light(appeal, t(9, 29, 10, 16)) == Light.RED
    board, counts = selectors.overdue_board(Appeal.objects.all(), t(10, 9, 11))
    assert [a.pk for a in board] == [appeal.pk]
    assert counts["red"] == 1 and counts["units"][0]["lead_unit"] is None
    client = Client()
    client.force_login(users["supervisor"])
    with at(t(10, 9, 11)):
        page = client.get("/appeals/overdue/").content.decode()
    assert appeal.number in page and "待派单（热线中心）" in page


def test_sweep_reminds_and_supervises_an_undispatched_emergency_appeal(users, units, make_appeal):
    appeal = submit(make_appeal, urgency="emergency")
    ten_days = t(10, 9, 11)  # level 3 from three working days after the due: 10-09 10:15
    issued = services.sweep_deadlines(ten_days)
    assert issued == 4
    rows = list(
        Supervision.objects.filter(appeal=appeal).order_by("level").values_list("step", "kind", "level")
    )
    assert rows == [
        (Step.DISPATCH, SupervisionKind.REMINDER, 0),
        (Step.DISPATCH, SupervisionKind.SUPERVISION, 1),
        (Step.DISPATCH, SupervisionKind.SUPERVISION, 2),
        (Step.DISPATCH, SupervisionKind.SUPERVISION, 3),
    ]
    appeal.refresh_from_db()
    assert appeal.supervision_level == 3
    # The hotline centre (the dispatchers' unit) is told; nobody else.
    told = Notification.objects.filter(body__contains=appeal.number, unit=units["hotline"])
    assert told.count() == 4
    assert services.sweep_deadlines(ten_days) == 0  # idempotent


def test_supervisor_supervises_the_dispatch_step_by_hand(users, make_appeal):
    appeal = submit(make_appeal, urgency="timely")
    with at(t(9, 29, 12)):
        item = services.supervise(users["supervisor"], appeal.pk, level=1, note="请立即派单")
    assert (item.step, item.due) == (Step.DISPATCH, t(9, 29, 11))


def test_late_dispatch_is_counted_against_the_centre_on_time_rate(users, units, make_appeal, settings):
    on_time = submit(make_appeal, urgency="emergency")
    late = submit(make_appeal, urgency="emergency")
    with at(t(9, 29, 10, 10)):
        services.dispatch(users["dispatcher"], on_time.pk, lead_unit=units["housing"])
    with at(t(9, 29, 11)):
        services.dispatch(users["dispatcher"], late.pk, lead_unit=units["hrss"])
    assert late.events.get(action="dispatch").after["on_time"] is False
    assert on_time.events.get(action="dispatch").after["on_time"] is True
    start, end = rates.month_bounds("2026-09")
    for metrics in (rates.compute_metrics(start, end), rates.compute_metrics_raw(start, end)):
        by_unit = {m.key: m.as_dict()["on_time_dispatch_rate"] for m in metrics}
        assert by_unit[units["housing"].pk]["numerator"] == 1
        assert by_unit[units["hrss"].pk] == {
            "value": 0.0,
            "numerator": 0.0,
            "denominator": 1,
            "ci95": by_unit[units["hrss"].pk]["ci95"],
        }
    centre = rates.ranking(start, end)["dispatch"]
    assert (centre.numerator, centre.denominator) == (1, 2)
    kept = sorted(RateCounter.objects.values_list("unit_id", "dispatches", "dispatches_on_time"))
    counters.rebuild()
    assert sorted(RateCounter.objects.values_list("unit_id", "dispatches", "dispatches_on_time")) == kept


def test_rates_page_and_api_show_the_centre_on_time_dispatch_rate(users, units, make_appeal):
    appeal = submit(make_appeal, urgency="emergency")
    with at(t(9, 29, 11)):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    client = Client()
    client.force_login(users["leader"])
    page = client.get("/appeals/rates/?period=2026-09&by=unit").content.decode()
    assert "热线中心按时派单率" in page and "0/1" in page
    assert "Wilson" not in page and "95% 置信区间" in page
    api = APIClient()
    api.force_authenticate(users["leader"])
    body = api.get("/api/v1/rates/?period=2026-09").json()
    assert body["dispatch"]["denominator"] == 1 and body["dispatch"]["value"] == 0.0
    handler = APIClient()
    handler.force_authenticate(users["handler"])
    assert handler.get("/api/v1/rates/?period=2026-09").json()["dispatch"] is None


def test_after_an_approved_return_the_dispatch_limit_runs_from_the_approval(users, units, make_appeal):
    appeal = submit(make_appeal, urgency="timely")
    with at(t(9, 29, 10, 30)):
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["hrss"])
    with at(t(9, 29, 11)):
        services.request_return(users["handler_other"], appeal.pk, reason="该事项不属于本单位职责范围")
    with at(t(9, 29, 15)):
        appeal = services.approve_return(users["dispatcher"], appeal.pk, note="同意，改派")
    assert appeal.state == AppealState.RECEIVED
    assert appeal.redispatch_from == t(9, 29, 15)
    assert appeal.dispatch_due == t(
        9, 29, 16
    )  # one hour from the approval, not from the receipt (already past)
    assert appeal.events.get(action="approve_return").after["dispatch_due"]
    assert deadlines.light(appeal, t(9, 29, 15, 30)) == Light.GREEN
    with at(t(9, 29, 15, 50)):
        appeal = services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    assert appeal.events.filter(action="dispatch").latest("id").after["on_time"] is True
    assert appeal.dispatch_due is None


def test_rebuild_fills_the_dispatch_due_of_appeals_loaded_without_it(make_appeal):
    appeal = submit(make_appeal, urgency="emergency")
    Appeal.objects.filter(pk=appeal.pk).update(dispatch_due=None, next_due=None, warn_at=None)
    assert counters.rebuild_board() >= 1
    appeal.refresh_from_db()
    assert appeal.dispatch_due == appeal.next_due == t(9, 29, 10, 15)

"""The pre-aggregated rates and board times equal what the raw rows give, on randomized histories made
through the services: dispatches, returns approved and rejected, extensions, merges, direct answers,
callbacks reached or not, satisfied or not (reopenings up to the limit), close_unresolvable, 催办/督办 by
the sweep and by hand, anonymous appeals, across month boundaries."""

import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from gongzhi.appeals import counters, deadlines, rates, selectors, services
from gongzhi.appeals.choices import AppealState, Light
from gongzhi.appeals.models import Appeal, RateCounter
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at
from gongzhi.core.errors import ServiceError

TZ = ZoneInfo("Asia/Shanghai")
MONTHS = ["2026-01", "2026-02", "2026-03", "2026-04"]


def _history(rng: random.Random, users, units, make_appeal, county, start: datetime, others: list) -> None:
    """One appeal's random walk through the services from `start`, each step a few hours to days later."""
    clock = [start]

    def later():
        clock[0] += timedelta(hours=rng.choice([0.5, 2, 5, 20, 30, 70, 200]), minutes=rng.randrange(60))
        return at(clock[0])

    anonymous = rng.random() < 0.15
    with at(clock[0]):
        region = county["grid"] if rng.random() < 0.6 else county["other_community"]
        if anonymous:
            appeal = make_appeal(actor=users["operator"], channel="hotline", anonymous=True, region=region)
        else:
            appeal = make_appeal(region=region, kind=rng.choice(["complaint", "complaint", "consultation"]))
    unit = None
    for _step in range(14):
        appeal.refresh_from_db()
        state = appeal.state
        handler = users["handler"] if unit == "housing" else users["handler_other"]
        roll = rng.random()
        try:
            with later():
                if state == AppealState.RECEIVED:
                    if roll < 0.08 and others:
                        services.merge_into(users["dispatcher"], appeal.pk, master=rng.choice(others))
                    elif roll < 0.14:
                        services.answer_directly(users["operator"], appeal.pk, text=REPLY_TEXT)
                    else:
                        unit = rng.choice(["housing", "hrss"])
                        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units[unit])
                elif state == AppealState.DISPATCHED:
                    if roll < 0.15:
                        services.request_return(handler, appeal.pk, reason="该事项不属于本单位职责范围")
                    elif roll < 0.2:
                        services.supervise(users["supervisor"], appeal.pk, level=1, note="请尽快签收")
                    else:
                        services.sign(handler, appeal.pk)
                elif state == AppealState.RETURN_REQUESTED:
                    if roll < 0.5:
                        services.approve_return(users["dispatcher"], appeal.pk, note="派单有误")
                    else:
                        services.reject_return(
                            users["dispatcher"], appeal.pk, note="属于贵单位职责，请继续办理"
                        )
                elif state == AppealState.ACCEPTED:
                    if roll < 0.1:
                        services.request_return(handler, appeal.pk, reason="该事项不属于本单位职责范围")
                    else:
                        services.record_contact(handler, appeal.pk)
                elif state == AppealState.IN_PROGRESS:
                    if roll < 0.15 and not appeal.extension_requests.filter(decision="pending").exists():
                        services.request_extension(
                            handler,
                            appeal.pk,
                            reason="需要采购配件，时间较长",
                            working_days=rng.randint(1, 5),
                        )
                    elif roll < 0.3 and appeal.extension_requests.filter(decision="pending").exists():
                        if rng.random() < 0.6:
                            services.approve_extension(users["supervisor"], appeal.pk, note="同意")
                        else:
                            services.deny_extension(users["supervisor"], appeal.pk, note="理由不充分")
                    elif roll < 0.38:
                        services.supervise(
                            users["supervisor"], appeal.pk, level=rng.choice([0, 1, 2]), note="督办"
                        )
                    else:
                        services.reply(handler, appeal.pk, text=REPLY_TEXT)
                elif state == AppealState.REPLIED:
                    if appeal.reopen_count >= 2 and roll < 0.5:
                        services.close_unresolvable(users["supervisor"], appeal.pk, note="多次重办仍无法解决")
                    elif roll < 0.12:
                        services.callback(users["operator"], appeal.pk, reached=False)
                    else:
                        solved = rng.random() < 0.6
                        services.callback(
                            users["operator"],
                            appeal.pk,
                            contacted=rng.random() < 0.8,
                            solved=solved,
                            satisfaction=rng.choice(["satisfied", "basically", "unsatisfied"]),
                        )
                else:
                    break
        except ServiceError:
            continue  # a refusal (too late to extend, ...) is part of the history too
    if appeal.state not in (AppealState.CLOSED, AppealState.MERGED):
        others.append(appeal)


def _as_rows(metrics) -> list[dict]:
    return sorted((m.as_dict() for m in metrics), key=lambda d: d["id"])


def _counter_rows() -> set[tuple]:
    return set(RateCounter.objects.values_list("month", "unit_id", "region_id", *counters.FIELDS))


@pytest.mark.parametrize("seed", [7, 2026])
def test_counters_equal_the_raw_rows_on_random_histories(seed, users, units, make_appeal, county, settings):
    settings.GONGZHI = {**settings.GONGZHI, "RANKING_MIN_CALLBACKS": 3}
    rng = random.Random(seed)
    others: list = []
    for _i in range(36):
        start = datetime(2026, 1, 20, 8, tzinfo=TZ) + timedelta(hours=rng.randrange(0, 24 * 60))
        _history(rng, users, units, make_appeal, county, start, others)
    # The sweep's 催办/督办 at a few moments, twice in March (a second level-1 of the same appeal that month
    # is not counted again), once just after midnight at a month's start.
    for moment in (
        datetime(2026, 2, 10, 9, tzinfo=TZ),
        datetime(2026, 3, 1, 0, 0, 30, tzinfo=TZ),
        datetime(2026, 3, 12, 9, tzinfo=TZ),
        datetime(2026, 3, 20, 9, tzinfo=TZ),
    ):
        services.sweep_deadlines(moment)

    assert RateCounter.objects.exists()
    for period in MONTHS:
        start, end = rates.month_bounds(period)
        assert rates.whole_month(start, end) is not None
        for by in ("unit", "street"):
            fast = _as_rows(rates.compute_metrics(start, end, by=by))
            assert fast == _as_rows(rates.compute_metrics_raw(start, end, by=by)), (period, by)
        for unit in units.values():
            assert _as_rows(rates.compute_metrics(start, end, unit_id=unit.pk)) == _as_rows(
                rates.compute_metrics_raw(start, end, unit_id=unit.pk)
            )
        fast_ranking = rates.ranking(start, end)
        assert [m.key for m in fast_ranking["ranked"]] == [
            m.key
            for m in sorted(
                (m for m in rates.compute_metrics_raw(start, end) if not m.small_sample),
                key=lambda m: (-(m.composite or 0), -m.valid_callbacks, m.name),
            )
        ]
    # Something of every kind was counted (the histories are not trivially empty).
    totals = {f: sum(row[i + 3] for row in _counter_rows()) for i, f in enumerate(counters.FIELDS)}
    for field in (
        "valid_callbacks",
        "reopened",
        "signs",
        "replies",
        "dispatches",
        "dispatches_on_time",
        "returns",
        "unjustified_returns",
        "overdue",
        "handling_count",
    ):
        assert totals[field] > 0, field

    # The rebuild from the raw rows writes exactly the rows the services kept.
    kept = _counter_rows()
    counters.rebuild()
    assert _counter_rows() == kept

    # The stored board times give the light deadlines.light computes, at any moment.
    appeals = list(Appeal.objects.all())
    for moment in (
        datetime(2026, 2, 1, 9, tzinfo=TZ),
        datetime(2026, 3, 15, 12, tzinfo=TZ),
        datetime(2026, 4, 30, 12, tzinfo=TZ),
    ):
        for appeal in appeals:
            assert deadlines.stored_light(appeal, moment) == deadlines.light(appeal, moment), appeal.pk
        # ... and the light filter of the list page and the API (selectors.light_q) selects the same appeals.
        for light in (Light.RED, Light.YELLOW, Light.GREEN, Light.NONE):
            expected = {a.pk for a in appeals if deadlines.light(a, moment) == light}
            assert set(
                Appeal.objects.filter(selectors.light_q(light, moment)).values_list("pk", flat=True)
            ) == (expected), light
    assert any(a.next_due for a in appeals) and any(a.next_due is None for a in appeals)
    assert counters.rebuild_board() == 0  # nothing stale


def test_a_period_that_is_not_one_month_is_computed_from_the_raw_rows(users, units, make_appeal):
    start, end = datetime(2026, 3, 1, tzinfo=TZ), datetime(2026, 3, 16, tzinfo=TZ)
    assert rates.whole_month(start, end) is None
    assert rates.whole_month(*rates.month_bounds("2026-12")) is not None
    assert (
        rates.whole_month(datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")), datetime(2026, 4, 1, tzinfo=TZ))
        is None
    )


def test_overdue_board_lists_red_before_yellow(users, units, make_appeal):
    now = datetime(2026, 3, 10, 12, tzinfo=TZ)
    appeals = {}
    for name, dispatched in (
        ("red", now - timedelta(days=4)),
        ("yellow", now - timedelta(hours=20)),
        ("green", now - timedelta(minutes=5)),
    ):
        with at(dispatched - timedelta(minutes=1)):
            appeals[name] = make_appeal(title=f"路灯不亮（{name}）")
        with at(dispatched):
            services.dispatch(users["dispatcher"], appeals[name].pk, lead_unit=units["housing"])
    board, counts = selectors.overdue_board(Appeal.objects.all(), now)
    assert [a.pk for a in board] == [appeals["red"].pk, appeals["yellow"].pk]
    assert [deadlines.stored_light(a, now) for a in board] == [Light.RED, Light.YELLOW]
    assert (counts["red"], counts["yellow"]) == (1, 1)
    assert counts["units"] == [
        {"lead_unit": units["housing"].pk, "lead_unit__name": "县住建局", "red": 1, "yellow": 1}
    ]
    with at(now):
        services.sign(users["handler"], appeals["red"].pk)  # signed late: waits on contact and reply now
    appeals["red"].refresh_from_db()
    assert deadlines.stored_light(appeals["red"], now) == deadlines.light(appeals["red"], now)


def test_rebuild_command_backfills_counters_and_board_times(users, units, make_appeal, county):
    from io import StringIO

    from django.core.management import call_command

    rng = random.Random(3)
    others: list = []
    for i in range(6):
        _history(rng, users, units, make_appeal, county, datetime(2026, 3, 2 + i, 9, tzinfo=TZ), others)
    services.dispatch(
        users["dispatcher"], make_appeal().pk, lead_unit=units["housing"]
    )  # waits on its signing
    march = rates.month_bounds("2026-03")
    expected = _as_rows(rates.compute_metrics_raw(*march))
    waiting = Appeal.objects.exclude(next_due=None)
    board = set(waiting.values_list("pk", "next_due", "warn_at"))
    assert board
    # As a database loaded in bulk would be: no counters, no board times.
    RateCounter.objects.all().delete()
    Appeal.objects.update(next_due=None, warn_at=None)
    assert _as_rows(rates.compute_metrics(*march)) == []
    out = StringIO()
    call_command("rebuild_rate_counters", stdout=out)
    assert "三率计数" in out.getvalue()
    assert _as_rows(rates.compute_metrics(*march)) == expected != []
    assert set(Appeal.objects.exclude(next_due=None).values_list("pk", "next_due", "warn_at")) == board

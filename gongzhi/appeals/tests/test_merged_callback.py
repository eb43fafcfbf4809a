"""Spec §6: merged appellants are told and called back; spec §5: their callbacks are not valid callbacks."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.test import Client

from gongzhi.appeals import counters, rates, services
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal, Callback, RateCounter
from gongzhi.appeals.tests.test_workflow import REPLY_TEXT, at

TZ = ZoneInfo("Asia/Shanghai")
MONTH = "2026-03"


def _merged_pair(users, units, make_appeal):
    """resident's master and resident2's duplicate merged into it, the master worked up to its reply."""
    with at(datetime(2026, 3, 2, 9, tzinfo=TZ)):
        master = make_appeal(title="幸福小区路灯坏了")
        duplicate = make_appeal(actor=users["resident2"], title="幸福小区3栋路灯不亮")
        services.merge_into(users["dispatcher"], duplicate.pk, master=master)
        services.dispatch(users["dispatcher"], master.pk, lead_unit=units["housing"])
        services.sign(users["handler"], master.pk)
        services.record_contact(users["handler"], master.pk)
    with at(datetime(2026, 3, 3, 9, tzinfo=TZ)):
        services.reply(users["handler"], master.pk, text=REPLY_TEXT)
    return Appeal.objects.get(pk=master.pk), Appeal.objects.get(pk=duplicate.pk)


def test_each_merged_appeal_waits_for_its_own_callback_when_the_master_is_replied(users, units, make_appeal):
    master, duplicate = _merged_pair(users, units, make_appeal)
    assert master.state == duplicate.state == AppealState.REPLIED
    assert duplicate.reply_text == REPLY_TEXT and duplicate.lead_unit == units["housing"]
    assert duplicate.callback_due is not None and duplicate.master == master
    assert duplicate.events.filter(action="master_replied").exists()
    # The operator sees it among the callbacks to make.
    operator = Client()
    operator.force_login(users["operator"])
    page = operator.get("/appeals/?state=replied").content.decode()
    assert duplicate.number in page and master.number in page
    # Its appellant answers online from their own detail page.
    resident2 = Client()
    resident2.force_login(users["resident2"])
    assert "评价办理结果" in resident2.get(f"/appeals/{duplicate.pk}/").content.decode()
    with at(datetime(2026, 3, 3, 15, tzinfo=TZ)):
        services.callback(
            users["resident2"], duplicate.pk, contacted=True, solved=True, satisfaction="satisfied"
        )
    duplicate.refresh_from_db()
    assert duplicate.state == AppealState.CLOSED and duplicate.close_reason == "resolved"


def test_merged_callbacks_are_recorded_but_not_valid_in_the_rates(users, units, make_appeal):
    master, duplicate = _merged_pair(users, units, make_appeal)
    with at(datetime(2026, 3, 3, 15, tzinfo=TZ)):
        services.callback(users["resident"], master.pk, contacted=True, solved=True, satisfaction="satisfied")
        services.callback(
            users["operator"], duplicate.pk, contacted=True, solved=True, satisfaction="basically"
        )
    assert Callback.objects.get(appeal=duplicate).valid is False
    assert Callback.objects.get(appeal=master).valid is True
    start, end = rates.month_bounds(MONTH)
    for metrics in (rates.compute_metrics(start, end), rates.compute_metrics_raw(start, end)):
        housing = next(m for m in metrics if m.key == units["housing"].pk)
        assert housing.valid_callbacks == 1 and housing.satisfied == 1 and housing.basically == 0
    kept = sorted(RateCounter.objects.values_list("unit_id", "region_id", "valid_callbacks", "entries"))
    counters.rebuild()
    assert (
        sorted(RateCounter.objects.values_list("unit_id", "region_id", "valid_callbacks", "entries")) == kept
    )


def test_an_unsatisfied_merged_appellant_is_heard_on_the_master_and_follows_it_again(
    users, units, make_appeal
):
    master, duplicate = _merged_pair(users, units, make_appeal)
    with at(datetime(2026, 3, 3, 15, tzinfo=TZ)):
        services.callback(
            users["resident2"],
            duplicate.pk,
            contacted=False,
            solved=False,
            satisfaction="unsatisfied",
            comment="我家门口那盏还是不亮",
        )
    duplicate.refresh_from_db()
    master.refresh_from_db()
    assert duplicate.state == AppealState.MERGED
    assert (
        master.state == AppealState.REPLIED and master.reopen_count == 0
    )  # the master's own appellant decides
    dissent = master.events.get(action="merged_callback")
    assert duplicate.number in dissent.note and "不满意" in dissent.note
    # The master reopened by its own appellant and replied again: the duplicate is called back again.
    with at(datetime(2026, 3, 4, 9, tzinfo=TZ)):
        services.callback(
            users["resident"], master.pk, contacted=True, solved=False, satisfaction="unsatisfied"
        )
    with at(datetime(2026, 3, 5, 9, tzinfo=TZ)):
        services.reply(users["handler"], master.pk, text="已更换3栋门口的路灯灯头，经夜间巡查确认恢复照明。")
    duplicate.refresh_from_db()
    assert duplicate.state == AppealState.REPLIED and duplicate.reply_text.startswith("已更换3栋")


def test_anonymous_merged_appeal_is_told_but_not_called_back(users, units, make_appeal):
    with at(datetime(2026, 3, 2, 9, tzinfo=TZ)):
        master = make_appeal()
        anonymous = make_appeal(actor=users["operator"], channel="hotline", anonymous=True)
        services.merge_into(users["dispatcher"], anonymous.pk, master=master)
        services.answer_directly(users["operator"], master.pk, text=REPLY_TEXT)
    anonymous.refresh_from_db()
    assert anonymous.state == AppealState.MERGED and anonymous.reply_text == REPLY_TEXT

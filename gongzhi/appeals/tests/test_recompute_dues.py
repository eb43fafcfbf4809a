"""`gongzhi recompute_dues` (issue 20 item 6): after an admin edits a time limit, the open appeals keep their stored
due times until the recompute; it brings them to the rules in force, in batches, idempotently, and leaves closed
appeals alone. The admin says so after an edit and offers the recompute as an action."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from gongzhi.appeals import deadlines
from gongzhi.appeals.choices import AppealState, LimitProfile, LimitUnit, Step
from gongzhi.appeals.models import Appeal, TimeLimit
from gongzhi.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def stored(appeal: Appeal) -> dict:
    appeal.refresh_from_db()
    return {field: getattr(appeal, field) for field in deadlines.DUE_FIELDS}


def shorten_reply_limit(hours=2):
    return TimeLimit.objects.create(
        category=None, profile=LimitProfile.NORMAL, step=Step.REPLY, amount=hours, unit=LimitUnit.HOURS
    )


def test_an_edit_reaches_the_open_appeals_only_through_the_recompute(make_appeal):
    appeal = make_appeal()
    old = stored(appeal)
    assert old["reply_due"] == appeal.received_at + timedelta(days=7)
    shorten_reply_limit(2)
    assert stored(appeal) == old  # the edit alone changes nothing stored

    result = deadlines.recompute_open_dues()

    assert (result.checked, result.changed) == (1, 1)
    now = stored(appeal)
    assert now["reply_due"] == appeal.received_at + timedelta(hours=2)
    fresh = Appeal.objects.get(pk=appeal.pk)
    deadlines.apply_dues(fresh)
    assert now == {
        field: getattr(fresh, field) for field in deadlines.DUE_FIELDS
    }  # as a write would store them


def test_a_second_run_changes_nothing_and_audits_nothing(make_appeal):
    make_appeal()
    shorten_reply_limit()
    assert deadlines.recompute_open_dues().changed == 1
    audited = AuditEvent.objects.filter(action="recompute_dues")
    assert audited.count() == 1 and audited.get().after == {"checked": 1, "changed": 1}
    assert deadlines.recompute_open_dues() == deadlines.RecomputeResult(checked=1, changed=0)
    assert audited.count() == 1


def test_closed_appeals_keep_their_due_times(make_appeal):
    open_one, closed = make_appeal(), make_appeal(title="另一件诉求")
    Appeal.objects.filter(pk=closed.pk).update(state=AppealState.CLOSED)
    before = stored(closed)
    shorten_reply_limit()
    result = deadlines.recompute_open_dues()
    assert (result.checked, result.changed) == (1, 1)
    assert stored(closed) == before
    assert stored(open_one)["reply_due"] == open_one.received_at + timedelta(hours=2)


def test_batches_cover_every_open_appeal(make_appeal):
    appeals = [make_appeal(title=f"诉求{n}号标题") for n in range(5)]
    shorten_reply_limit()
    lines = []
    result = deadlines.recompute_open_dues(batch_size=2, log=lines.append)
    assert (result.checked, result.changed) == (5, 5)
    assert len(lines) == 3  # 2 + 2 + 1
    for appeal in appeals:
        assert stored(appeal)["reply_due"] == appeal.received_at + timedelta(hours=2)


def test_the_command_prints_how_many_changed(make_appeal):
    make_appeal()
    shorten_reply_limit()
    out = StringIO()
    call_command("recompute_dues", "--batch-size", "1", stdout=out)
    assert "重算 1 件未办结诉求" in out.getvalue() and "其中 1 件有变化" in out.getvalue()
    out = StringIO()
    call_command("recompute_dues", stdout=out)
    assert "其中 0 件有变化" in out.getvalue()


def test_the_admin_warns_after_an_edit_and_recomputes_on_request(users, make_appeal, category):
    appeal = make_appeal()
    admin = Client()
    admin.force_login(users["admin"])
    response = admin.post(
        "/admin/appeals/timelimit/add/",
        {
            "category": category.top.pk,
            "profile": "normal",
            "step": Step.REPLY,
            "amount": "2",
            "unit": "hours",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "未办结的诉求仍按原时限计时" in page and "gongzhi recompute_dues" in page
    assert stored(appeal)["reply_due"] == appeal.received_at + timedelta(days=7)

    # the action runs with no row ticked: it concerns the open appeals, not the limits listed
    response = admin.post(
        "/admin/appeals/timelimit/", {"action": "recompute_open_dues", "index": "0"}, follow=True
    )
    assert response.status_code == 200
    assert "已按现行时限重算 1 件未办结诉求，其中 1 件的时限有变化" in response.content.decode()
    assert stored(appeal)["reply_due"] == appeal.received_at + timedelta(hours=2)
    assert AuditEvent.objects.get(action="recompute_dues").actor == users["admin"]
    assert (
        "按现行时限重算未办结诉求" in admin.get("/admin/core/auditevent/").content.decode()
    )  # a label, not a code

    limit = TimeLimit.objects.get()
    response = admin.post(f"/admin/appeals/timelimit/{limit.pk}/delete/", {"post": "yes"}, follow=True)
    assert "未办结的诉求仍按原时限计时" in response.content.decode()


def test_the_overdue_board_times_follow(users, units, make_appeal):
    from gongzhi.appeals import services

    appeal = services.dispatch(users["dispatcher"], make_appeal().pk, lead_unit=units["housing"])
    before = stored(appeal)
    assert before["next_due"] == before["sign_due"]  # signing (1 working day) is due before the 7-day reply
    shorten_reply_limit(2)
    deadlines.recompute_open_dues()
    after = stored(appeal)
    assert after["next_due"] == after["reply_due"] == appeal.received_at + timedelta(hours=2)
    assert after["warn_at"] < before["warn_at"]


def test_the_queries_do_not_grow_with_the_appeals(make_appeal):
    """Per batch one read and one write: the category lineage, the limits, the calendar and the cache stamp are not
    read per appeal."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_appeal(), make_appeal(title="另一件诉求")
    shorten_reply_limit()
    with CaptureQueriesContext(connection) as few:
        assert deadlines.recompute_open_dues().changed == 2
    for n in range(4):
        make_appeal(title=f"又一件诉求{n}")
    TimeLimit.objects.update(amount=3)
    with CaptureQueriesContext(connection) as more:
        assert deadlines.recompute_open_dues().changed == 6
    assert len(more) <= len(few), "\n".join(q["sql"][:150] for q in more)

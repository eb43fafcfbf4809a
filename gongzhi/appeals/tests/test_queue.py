"""Work queues: the most urgent first (red, yellow, then the soonest due of the step waited on, dispatch included), a
sort control, the dispatcher's suggestion on each row, 下一件 after an action, cards on a phone."""

from datetime import timedelta
from urllib.parse import urlencode

from django.test import Client
from django.utils import timezone

from gongzhi.appeals import selectors, services
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.tests.test_workflow import at
from gongzhi.insight.models import AppealPrediction


def _queue(users, units, make_appeal):
    """Four appeals received at different times: a red emergency waiting for dispatch (received first, so the
    newest-first list put it last), a yellow dispatched one, a green one and a closed one."""
    now = timezone.now()
    with at(now - timedelta(days=10)):
        red = make_appeal(title="燃气泄漏十天没人派单", urgency="emergency")
    with at(now - timedelta(hours=20)):
        yellow = make_appeal(title="楼道灯坏了")
        services.dispatch(users["dispatcher"], yellow.pk, lead_unit=units["housing"])
    with at(now - timedelta(minutes=5)):
        green = make_appeal(title="小区绿化修剪")
    with at(now - timedelta(minutes=1)):
        closed = make_appeal(title="已经解决的问题")
        services.refer_out(users["operator"], closed.pk, target="110", reason="涉及治安，转公安处理")
    return red, yellow, green, closed


def test_urgent_order_puts_the_overdue_first_and_the_sort_control_changes_it(users, units, make_appeal):
    red, yellow, green, closed = _queue(users, units, make_appeal)
    now = timezone.now()
    qs = Appeal.objects.all()
    assert [a.pk for a in selectors.queue_order(qs, "urgent", now)] == [
        red.pk,
        yellow.pk,
        green.pk,
        closed.pk,
    ]
    assert [a.pk for a in selectors.queue_order(qs, "newest", now)] == [
        closed.pk,
        green.pk,
        yellow.pk,
        red.pk,
    ]
    assert [a.pk for a in selectors.queue_order(qs, "oldest", now)] == [
        red.pk,
        yellow.pk,
        green.pk,
        closed.pk,
    ]
    client = Client()
    client.force_login(users["supervisor"])
    page = client.get("/appeals/").content.decode()
    assert page.index(red.number) < page.index(yellow.number) < page.index(green.number)
    assert "最紧急" in page and "最新" in page and "最早" in page
    newest = client.get("/appeals/?sort=newest").content.decode()
    assert newest.index(green.number) < newest.index(red.number)
    assert client.get("/appeals/?sort=nonsense").status_code == 200  # a bad value is a form error, not a 500


def test_dispatcher_queue_shows_the_suggested_category_and_unit(
    users, units, make_appeal, dispatch_rule, category
):
    unclassified = make_appeal(title="路灯不亮了", category=None)
    AppealPrediction.objects.create(
        appeal=unclassified,
        category=category,
        confidence=0.91,
        top3=[{"name": category.full_name(), "confidence": 0.91}],
        model_version="classifier-v3.joblib v3",
    )
    client = Client()
    client.force_login(users["dispatcher"])
    page = client.get("/appeals/?state=received").content.decode()
    assert "建议分类与单位" in page and "县住建局" in page
    assert category.full_name() in page and "智能分类·把握较大" in page
    detail = client.get(f"/appeals/{unclassified.pk}/").content.decode()
    assert "classifier-v3.joblib" not in detail and "置信程度：把握较大" in detail
    supervisor = Client()
    supervisor.force_login(users["supervisor"])
    assert "建议分类与单位" not in supervisor.get("/appeals/").content.decode()


def test_next_link_after_an_action_goes_to_the_next_in_the_queue(users, units, make_appeal):
    now = timezone.now()
    with at(now - timedelta(hours=3)):
        first = make_appeal(title="第一件：井盖丢失", urgency="timely")
    with at(now - timedelta(minutes=30)):
        second = make_appeal(title="第二件：路面塌陷", urgency="timely")
    client = Client()
    client.force_login(users["dispatcher"])
    queue = "state=received"
    listing = client.get(f"/appeals/?{queue}").content.decode()
    assert f"/appeals/{first.pk}/?queue=state%3Dreceived" in listing
    detail = client.get(f"/appeals/{first.pk}/?{urlencode({'queue': queue})}").content.decode()
    assert "下一件" in detail and 'name="queue" value="state=received"' in detail
    done = client.post(
        f"/appeals/{first.pk}/act/dispatch/",
        {"dispatch-lead_unit": units["housing"].pk, "queue": queue},
        follow=True,
    )
    assert "已完成「派单」" in done.content.decode()
    assert done.redirect_chain[-1][0] == f"/appeals/{first.pk}/?queue=state%3Dreceived"
    following = client.get(f"/appeals/next/?{urlencode({'queue': queue, 'after': first.pk})}")
    assert following.status_code == 302 and following.url.startswith(f"/appeals/{second.pk}/")
    services.dispatch(users["dispatcher"], second.pk, lead_unit=units["housing"])
    empty = client.get(f"/appeals/next/?{urlencode({'queue': queue, 'after': second.pk})}", follow=True)
    assert "队列中没有下一件了" in empty.content.decode()
    assert client.get("/appeals/next/?after=abc&queue=sort%3Dx").status_code in (200, 302)


def test_lists_are_cards_on_a_phone(users, units, make_appeal):
    make_appeal()
    client = Client()
    client.force_login(users["grid_worker"])
    page = client.get("/appeals/").content.decode()
    assert 'class="cards"' in page and 'data-label="时限"' in page and "css/queue.css" in page


def test_the_paged_urgent_queue_equals_the_one_query_order(users, units, make_appeal):
    """The list reads the urgent order in two indexed parts (waiting on a step, then the rest); any slice of it is
    the slice of the one-query order."""
    red, _yellow, _green, _closed = _queue(users, units, make_appeal)
    for title in ("已答复并办结的旧诉求", "另一件已办结的诉求"):
        done = make_appeal(title=title)
        services.answer_directly(
            users["operator"], done.pk, text="根据政策规定，已向您说明办理途径和所需材料。"
        )
    now = timezone.now()
    qs = Appeal.objects.all()
    expected = [a.pk for a in selectors.queue_order(qs, "urgent", now)]
    paged = selectors.UrgentQueue(qs, now)
    assert paged.count() == len(expected) == 6
    for start in range(7):
        for stop in range(start, 8):
            assert [a.pk for a in paged[start:stop]] == expected[start:stop], (start, stop)
    assert paged[0].pk == red.pk
    assert selectors.next_in_queue(paged, red.pk) == expected[1]

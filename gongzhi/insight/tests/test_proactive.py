"""未诉先办: a surge alert becomes a proactive task for a unit in one click; the unit's handlers see it and close
it with a note; every step is on the task's hash chain; the deadline counts working days."""

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.core import calendar
from gongzhi.core.audit import verify_chain
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import CalendarOverride, Notification
from gongzhi.insight import proactive
from gongzhi.insight.models import ProactiveTask, ProactiveTaskEvent


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def surge(make_appeal, category, county):
    """Four 城乡建设 appeals in 东风街道 today: an alert (count ≥ 3, baseline 0)."""
    for _ in range(4):
        make_appeal()
    return {"category": category.top, "street": county["street"], "day": timezone.localdate()}


def test_the_alert_list_offers_one_click_with_the_catalogue_unit(surge, users, dispatch_rule):
    html = login(users["leader"]).get("/insight/alerts/").content.decode()
    assert 'action="/insight/tasks/new/"' in html and "转为主动治理任务" in html
    assert f'<option value="{dispatch_rule.unit_id}" selected>' in html
    assert f'name="street" value="{surge["street"].pk}"' in html
    assert f'name="category" value="{surge["category"].pk}"' in html


def test_alert_to_task_to_done(surge, users, units):
    leader = login(users["leader"])
    response = leader.post(
        "/insight/tasks/new/",
        {
            "category": surge["category"].pk,
            "street": surge["street"].pk,
            "day": surge["day"].isoformat(),
            "unit": units["housing"].pk,
            "working_days": 3,
            "instructions": "排查违章搭建",
        },
    )
    task = ProactiveTask.objects.get()
    assert response.status_code == 302 and response.url == f"/insight/tasks/{task.pk}/"
    assert task.state == "assigned" and task.alert_count == 4 and task.alert_baseline == 0
    assert task.due_date == calendar.add_working_days(timezone.localdate(), 3)
    assert task.title == f"东风街道 城乡建设 诉求异常增长（{surge['day'].isoformat()}，4 件）"
    assert Notification.objects.filter(unit=units["housing"], subject="主动治理任务").exists()
    # the alert list now shows the task
    assert f'href="/insight/tasks/{task.pk}/"' in leader.get("/insight/alerts/").content.decode()

    handler = login(users["handler"])
    assert f"task-{task.pk}" in handler.get("/insight/tasks/").content.decode()
    page = handler.get(f"/insight/tasks/{task.pk}/").content.decode()
    assert 'id="complete"' in page and "排查违章搭建" in page
    # another unit's handler neither sees nor closes it
    other = login(users["handler_other"])
    assert f"task-{task.pk}" not in other.get("/insight/tasks/").content.decode()
    assert other.get(f"/insight/tasks/{task.pk}/").status_code == 404
    with pytest.raises(PermissionDeniedError):
        proactive.complete_proactive_task(users["handler_other"], task.pk, note="已经处理完毕")
    # a note is required
    handler.post(f"/insight/tasks/{task.pk}/", {"note": "好"})
    task.refresh_from_db()
    assert task.state == "assigned"
    response = handler.post(f"/insight/tasks/{task.pk}/", {"note": "已联合城管拆除违章搭建3处"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (
        task.state == "done"
        and task.done_by == users["handler"]
        and task.done_note == "已联合城管拆除违章搭建3处"
    )
    with pytest.raises(IllegalTransition):
        proactive.complete_proactive_task(users["handler"], task.pk, note="再次办结一下")
    events = list(ProactiveTaskEvent.objects.filter(task=task).order_by("id"))
    assert [e.action for e in events] == ["create", "complete"]
    assert events[0].actor == users["leader"] and events[1].after == {"state": "done"}
    assert verify_chain(events) is None
    assert Notification.objects.filter(recipient=users["leader"], subject="主动治理任务已办结").exists()
    # roles: residents and dispatchers have no task pages
    assert login(users["resident"]).get("/insight/tasks/").status_code == 403
    assert login(users["dispatcher"]).get(f"/insight/tasks/{task.pk}/").status_code == 403


def test_the_deadline_counts_working_days_with_the_calendar(surge, users, units):
    today = timezone.localdate()
    plain = calendar.add_working_days(today, 1)
    CalendarOverride.objects.create(date=plain, is_working_day=False, note="测试调休")
    task = proactive.create_proactive_task(
        users["leader"],
        category=surge["category"],
        street=surge["street"],
        day=surge["day"],
        unit=units["housing"],
        working_days=1,
    )
    assert task.due_date > plain and calendar.is_working_day(task.due_date)


def test_only_real_alerts_once_per_unit_and_only_leaders(surge, users, units):
    kw = {"category": surge["category"], "street": surge["street"], "unit": units["housing"]}
    with pytest.raises(ServiceError) as exc:
        proactive.create_proactive_task(users["leader"], day=surge["day"] - timedelta(days=3), **kw)
    assert exc.value.code == "no_alert"
    with pytest.raises(PermissionDeniedError):
        proactive.create_proactive_task(users["dispatcher"], day=surge["day"], **kw)
    with pytest.raises(ServiceError):
        proactive.create_proactive_task(users["leader"], day=surge["day"], working_days=0, **kw)
    proactive.create_proactive_task(users["supervisor"], day=surge["day"], **kw)
    with pytest.raises(ServiceError) as exc:
        proactive.create_proactive_task(users["leader"], day=surge["day"], **kw)
    assert exc.value.code == "already_assigned"
    assert ProactiveTask.objects.count() == 1
    # bad form input is a message, not a 500
    response = login(users["leader"]).post(
        "/insight/tasks/new/", {"street": "x", "day": "2026-13-01"}, follow=True
    )
    assert response.status_code == 200 and ProactiveTask.objects.count() == 1
    assert login(users["handler"]).post("/insight/tasks/new/", {}).status_code == 403


def test_overdue_is_flagged(surge, users, units):
    task = proactive.create_proactive_task(
        users["leader"],
        category=surge["category"],
        street=surge["street"],
        day=surge["day"],
        unit=units["housing"],
    )
    assert not proactive.is_overdue(task)
    assert proactive.is_overdue(task, task.due_date + timedelta(days=1))
    assert not proactive.is_overdue(task, date(2000, 1, 1))


def test_tasks_api(surge, users, units):
    leader = APIClient()
    leader.force_authenticate(users["leader"])
    body = {
        "category": surge["category"].pk,
        "street": surge["street"].pk,
        "day": surge["day"].isoformat(),
        "unit": units["housing"].pk,
    }
    response = leader.post("/api/v1/insight/tasks/", body, format="json")
    assert response.status_code == 201, response.content
    task = response.json()
    assert task["state"] == "assigned" and task["unit_name"] == "县住建局" and task["alert_count"] == 4
    assert leader.post("/api/v1/insight/tasks/", body, format="json").json()["code"] == "already_assigned"
    bad = leader.post("/api/v1/insight/tasks/", {**body, "unit": 999999}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid"

    handler = APIClient()
    handler.force_authenticate(users["handler"])
    assert [t["id"] for t in handler.get("/api/v1/insight/tasks/").json()] == [task["id"]]
    assert (
        handler.post(f"/api/v1/insight/tasks/{task['id']}/complete/", {"note": ""}, format="json").status_code
        == 400
    )
    done = handler.post(
        f"/api/v1/insight/tasks/{task['id']}/complete/", {"note": "已排查整改完毕"}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    again = handler.post(
        f"/api/v1/insight/tasks/{task['id']}/complete/", {"note": "已排查整改完毕"}, format="json"
    )
    assert again.status_code == 409

    other = APIClient()
    other.force_authenticate(users["handler_other"])
    assert other.get("/api/v1/insight/tasks/").json() == []
    assert other.get(f"/api/v1/insight/tasks/{task['id']}/").status_code == 404
    resident = APIClient()
    resident.force_authenticate(users["resident"])
    assert resident.post("/api/v1/insight/tasks/", body, format="json").status_code == 403

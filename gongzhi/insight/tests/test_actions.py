"""The proactive task's action specs (insight/actions.py) and its transition table agree, and every task page
renders for every (state, role) pair showing what is offered: a transition added without its spec fails here with
the missing piece named."""

from django.urls import reverse
from django.utils import timezone

from gongzhi.core.choices import Role
from gongzhi.core.workflow import t
from gongzhi.core.workflow_testing import missing_specs, walk_pages
from gongzhi.insight import actions, proactive
from gongzhi.insight.models import ProactiveTask
from gongzhi.insight.models import ProactiveTaskState as S


def test_the_specs_and_the_table_agree():
    assert missing_specs(proactive.WORKFLOW, actions.ACTIONS, actions.MODULE) == []


def test_a_transition_without_its_spec_is_named(monkeypatch):
    monkeypatch.setitem(proactive.TRANSITIONS, (S.DONE, "reopen"), t(S.ASSIGNED, Role.LEADER))
    assert missing_specs(proactive.WORKFLOW, actions.ACTIONS, actions.MODULE) == [
        "insight/proactive: transition (done, reopen) has no action spec in gongzhi/insight/actions.py"
    ]


def test_every_task_page_renders_for_every_role(users, units, county):
    tasks = {
        state: ProactiveTask.objects.create(
            title=f"东风街道 城乡建设 诉求异常增长（{state}）",
            region=county["street"],
            alert_day=timezone.localdate(),
            alert_count=4,
            alert_baseline=0,
            unit=units["housing"],
            due_date=timezone.localdate(),
            created_by=users["leader"],
            state=state,
        )
        for state in S.values
    }
    problems = walk_pages(
        tasks,
        users,
        lambda task: reverse("insight:task", args=[task.pk]),
        lambda user, task: [a.name for a in actions.offered(user, task)],
        marker='id="{name}"',
    )
    assert problems == []
    assert [a.name for a in actions.offered(users["handler"], tasks[S.ASSIGNED])] == ["complete"]
    assert actions.offered(users["handler"], tasks[S.DONE]) == []
    assert actions.offered(users["handler_other"], tasks[S.ASSIGNED]) == []
    assert actions.offered(users["leader"], tasks[S.ASSIGNED]) == []

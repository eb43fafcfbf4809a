"""The action registry (appeals/actions.py) and the transition table agree, and every appeal page renders for every
(state, role) pair: adding a transition without its action fails here with the missing piece named, not as a 500
on a supervisor's page (issue M)."""

import pytest
from django.urls import reverse

from gongzhi.appeals import actions, api
from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.workflow import TRANSITIONS, WORKFLOW
from gongzhi.core.choices import Role
from gongzhi.core.testing import client_for
from gongzhi.core.workflow import t
from gongzhi.core.workflow_testing import missing_specs


def test_the_registry_and_the_table_agree():
    assert actions.disagreements(TRANSITIONS) == []
    assert missing_specs(WORKFLOW, actions.ACTIONS) == []


def test_the_kit_names_a_transition_added_without_its_action(monkeypatch):
    monkeypatch.setitem(
        TRANSITIONS, (AppealState.REPLIED, "escalate"), t(AppealState.REPLIED, Role.SUPERVISOR)
    )
    assert missing_specs(WORKFLOW, actions.ACTIONS) == [
        "appeals: transition (replied, escalate) has no action spec in gongzhi/appeals/actions.py"
    ]


def test_a_transition_without_its_action_is_named():
    table = {
        **TRANSITIONS,
        (AppealState.IN_PROGRESS, "escalate"): t(AppealState.IN_PROGRESS, Role.SUPERVISOR),
    }
    problems = actions.disagreements(table)
    assert (
        len(problems) == 1 and "'escalate' has no AppealAction in gongzhi/appeals/actions.py" in problems[0]
    )
    without = {k: v for k, v in TRANSITIONS.items() if k[1] != "sign"}
    assert any("AppealAction 'sign' has no transition" in p for p in actions.disagreements(without))


def test_every_api_action_has_its_url_and_input():
    for name, spec in api.ACTIONS.items():
        assert spec.input is not None
        assert reverse(f"appeals_api:appeal-{name}", args=[1]).endswith(f"/actions/{name}/")
    assert set(api.ACTIONS) == {a.name for a in actions.ACTIONS if a.in_table}


@pytest.mark.parametrize("state", list(AppealState))
def test_every_detail_page_renders_for_every_role(state, make_appeal, users, units):
    appeal = make_appeal()
    extra = {"master": make_appeal()} if state == AppealState.MERGED else {}
    Appeal.objects.filter(pk=appeal.pk).update(state=state, lead_unit=units["housing"], **extra)
    for key, user in users.items():
        response = client_for(user).get(reverse("appeals:detail", args=[appeal.pk]))
        assert response.status_code in (200, 404), (state, key, response.status_code)
        if response.status_code == 200:
            offered = [a.name for a in actions.offered(user, Appeal.objects.get(pk=appeal.pk))]
            for name in offered:
                assert f'value="{name}"' in response.content.decode(), (state, key, name)

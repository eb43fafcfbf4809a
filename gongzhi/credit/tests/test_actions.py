"""The action specs (credit/actions.py) and the transition table agree, and every case page renders for every
(state, role) pair showing what is offered: a transition added without its spec fails here with the missing piece
named, not as a 500 on an officer's page."""

from django.urls import reverse

from gongzhi.core.workflow import t
from gongzhi.core.workflow_testing import missing_specs, walk_pages
from gongzhi.credit import actions
from gongzhi.credit.choices import CaseState
from gongzhi.credit.workflow import OFFICER, TRANSITIONS, WORKFLOW

from .test_workflow import reach


def test_the_specs_and_the_table_agree():
    assert missing_specs(WORKFLOW, actions.ACTIONS) == []


def test_a_transition_without_its_spec_is_named(monkeypatch):
    monkeypatch.setitem(TRANSITIONS, (CaseState.WARNED, "escalate"), t(CaseState.DECIDED, OFFICER))
    assert missing_specs(WORKFLOW, actions.ACTIONS) == [
        "credit: transition (warned, escalate) has no action spec in gongzhi/credit/actions.py"
    ]


def test_every_case_page_renders_for_every_role(officer, boss, make_case, users):
    cases = {state: reach(state, officer, boss, make_case) for state in CaseState.values}
    everyone = {**users, "officer": officer, "boss": boss}
    problems = walk_pages(
        cases,
        everyone,
        lambda case: reverse("credit:case", args=[case.pk]),
        lambda user, case: [a.name for a in actions.offered(user, case)],
        marker='id="action-{name}"',
    )
    assert problems == []
    # the officer is offered every action with a form the table allows in each state
    for state, case in cases.items():
        expected = {a for a in WORKFLOW.available(state, {OFFICER}) if actions.BY_NAME[a].form is not None}
        assert {a.name for a in actions.offered(officer, case)} == expected

"""The action specs (deliberation/actions.py) and the phase table agree, and every topic page renders for every
(phase, role) pair showing what is offered: a transition added without its spec fails here with the missing piece
named, not as a 500 on a manager's page."""

from django.urls import reverse

from gongzhi.core.workflow import t
from gongzhi.core.workflow_testing import missing_specs, walk_pages
from gongzhi.deliberation import actions, api
from gongzhi.deliberation.choices import Phase
from gongzhi.deliberation.workflow import MANAGER, TRANSITIONS, WORKFLOW


def test_the_specs_and_the_table_agree():
    assert missing_specs(WORKFLOW, actions.ACTIONS) == []


def test_a_transition_without_its_spec_is_named(monkeypatch):
    monkeypatch.setitem(TRANSITIONS, (Phase.RESOLVED, "reopen"), t(Phase.DELIBERATING, MANAGER))
    assert missing_specs(WORKFLOW, actions.ACTIONS) == [
        "deliberation: transition (resolved, reopen) has no action spec in gongzhi/deliberation/actions.py"
    ]


def test_every_api_action_is_a_spec_with_its_input():
    assert set(api.TOPIC_ACTIONS) == {a.name for a in actions.ACTIONS} - {"resolve"}
    for name in api.TOPIC_ACTIONS:
        assert actions.BY_NAME[name].input is not None
        assert reverse("deliberation_api:topic-" + name, args=[1]).endswith(f"/actions/{name}/")


def test_every_topic_page_renders_for_every_role(make_topic, users, party_staff, party_member):
    topics = {phase: make_topic(phase) for phase in Phase.values}
    everyone = {**users, "party_staff": party_staff, "party_member": party_member}
    problems = walk_pages(
        topics,
        everyone,
        lambda topic: reverse("deliberation:topic", args=[topic.pk]),
        lambda user, topic: [a.name for a in actions.offered(user, topic)],
        marker='/actions/{name}/"',
    )
    assert problems == []
    # the topic's community staff is offered exactly what the table allows from each phase; a resident nothing
    for phase, topic in topics.items():
        assert [a.name for a in actions.offered(users["community_staff"], topic)] == WORKFLOW.available(phase)
        assert actions.offered(users["resident"], topic) == []

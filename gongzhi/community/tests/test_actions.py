"""The action specs (community/actions.py) and the two transition tables agree, and every organisation and
activity page renders for every (state, role) pair showing what is offered: a transition added without its spec
fails here with the missing piece named, not as a 500 on a manager's page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from gongzhi.community import actions, services
from gongzhi.community.choices import ActivityState, OrgStage
from gongzhi.community.models import Activity, SelfOrganization
from gongzhi.community.workflow import (
    ACTIVITY_TRANSITIONS,
    ACTIVITY_WORKFLOW,
    MANAGERS,
    ORGANIZER,
    STAGE_TRANSITIONS,
    STAGE_WORKFLOW,
)
from gongzhi.core.workflow import t
from gongzhi.core.workflow_testing import missing_specs, walk_pages

STAGE_PAGE = 'name="action" value="{name}"'
ACTIVITY_PAGE = '/actions/{name}/"'


def test_the_specs_and_the_tables_agree():
    assert missing_specs(STAGE_WORKFLOW, actions.STAGE_ACTIONS, actions.MODULE) == []
    assert missing_specs(ACTIVITY_WORKFLOW, actions.ACTIVITY_ACTIONS, actions.MODULE) == []
    # one API endpoint takes every stage review: they share its input
    assert {a.input for a in actions.STAGE_ACTIONS} == {actions.STAGE_ACTIONS[0].input}


def test_a_transition_without_its_spec_is_named(monkeypatch):
    monkeypatch.setitem(STAGE_TRANSITIONS, (OrgStage.MATURE, "suspend"), t(OrgStage.EXITED, *MANAGERS))
    monkeypatch.setitem(ACTIVITY_TRANSITIONS, (ActivityState.FINISHED, "reopen"), t(ActivityState.PUBLISHED))
    assert missing_specs(STAGE_WORKFLOW, actions.STAGE_ACTIONS, actions.MODULE) == [
        "community/stages: transition (mature, suspend) has no action spec in gongzhi/community/actions.py"
    ]
    assert missing_specs(ACTIVITY_WORKFLOW, actions.ACTIVITY_ACTIONS, actions.MODULE) == [
        "community/activities: transition (finished, reopen) has no action spec in gongzhi/community/actions.py"
    ]


def test_the_tables_name_who_the_services_allow():
    assert all(tr.roles == frozenset(MANAGERS) for tr in STAGE_TRANSITIONS.values())
    assert all(tr.roles == {ORGANIZER} for tr in ACTIVITY_TRANSITIONS.values())


@pytest.fixture
def everyone(users, party_member):
    return {**users, "party_member": party_member}


def test_every_organization_page_renders_for_every_role(users, county, everyone):
    orgs = {}
    for stage in OrgStage.values:
        org = services.register_organization(
            users["resident"], name=f"互助队{stage}", domain="mutual_aid", region=county["community"]
        )
        SelfOrganization.objects.filter(pk=org.pk).update(stage=stage)
        org.refresh_from_db()
        orgs[stage] = org
    problems = walk_pages(
        orgs,
        everyone,
        lambda org: reverse("community:organization", args=[org.pk]),
        lambda user, org: [a.name for a in actions.offered_stage_actions(user, org)],
        marker=STAGE_PAGE,
    )
    assert problems == []
    for stage, org in orgs.items():
        offered = [a.name for a in actions.offered_stage_actions(users["community_staff"], org)]
        assert offered == STAGE_WORKFLOW.available(stage)
        assert actions.offered_stage_actions(users["resident"], org) == []
        assert actions.offered_stage_actions(users["other_staff"], org) == []


def test_every_activity_page_renders_for_every_role(users, units, everyone):
    staff = users["community_staff"]
    activities = {}
    for state in ActivityState.values:
        activity = services.create_activity(
            staff,
            title=f"敬老志愿服务{state}",
            description="为辖区高龄老人理发、量血压。",
            region=staff.region,
            location="幸福社区党群服务中心",
            starts_at=timezone.now() + timedelta(days=2),
            ends_at=timezone.now() + timedelta(days=2, hours=3),
            capacity=2,
            hours="3",
            organizer_unit=units["community"],
        )
        Activity.objects.filter(pk=activity.pk).update(state=state)
        activity.refresh_from_db()
        activities[state] = activity
    problems = walk_pages(
        activities,
        everyone,
        lambda activity: reverse("community:activity", args=[activity.pk]),
        lambda user, activity: [a.name for a in actions.offered_activity_actions(user, activity)],
        marker=ACTIVITY_PAGE,
    )
    assert problems == []
    for state, activity in activities.items():
        offered = [a.name for a in actions.offered_activity_actions(staff, activity)]
        assert offered == [
            a.name for a in actions.ACTIVITY_ACTIONS if a.name in ACTIVITY_WORKFLOW.available(state)
        ]
        assert actions.offered_activity_actions(users["resident"], activity) == []

"""Issue O item 2: matching that acts. A need heard on a visit is matched to a volunteer who declared the skill (with
the reason); a community worker asks them; they accept (a task with a due date) or decline; they complete it with a
note and hours; the resident is told; another person confirms the hours, credited once; needs nobody can meet are
listed by community."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification

from .. import selectors, services
from ..choices import EntryKind, HelpState
from ..models import CommunityEvent, HelpRequest, LedgerAccount, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def need(users, county, center, party_member):
    """A visit that heard an elderly resident's need; the household is linked to the resident2 account."""
    from django.utils import timezone

    household = center.households.first()
    household.resident = users["resident2"]
    household.save(update_fields=["resident"])
    return services.record_visit(
        party_member,
        center.pk,
        visited_on=timezone.localdate(),
        household_ids=[household.pk],
        heard="独居老人王奶奶需要每周有人陪同买菜",
        needs=["elderly"],
    )


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def test_a_need_is_matched_asked_accepted_done_told_and_credited(
    users, county, need, django_capture_on_commit_callbacks
):
    staff, volunteer = users["community_staff"], users["resident"]
    services.save_volunteer_profile(
        volunteer, region=county["community"], skills=["elderly"], availability="周末上午"
    )
    found = [n for n in selectors.matches(county["community"]) if n.visit_id == need.pk]
    assert found and found[0].suggestions[0]["volunteer"] == volunteer.pk
    assert "周末上午" in found[0].suggestions[0]["reason"] and "同一社区" in found[0].suggestions[0]["reason"]

    page = client_for(staff).get(reverse("community:matches")).content.decode()
    assert "请其协助" in page and "独居老人王奶奶" in page
    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(
            reverse("community:help_ask"),
            {
                "kind": "elderly",
                "region": county["community"].pk,
                "summary": "独居老人王奶奶需要每周有人陪同买菜",
                "source": "入户走访",
                "visit": need.pk,
                "volunteer": volunteer.pk,
                "due_on": "2099-01-01",
            },
        )
    request = HelpRequest.objects.get()
    assert request.beneficiary == users["resident2"] and request.state == HelpState.ASKED
    assert Notification.objects.filter(recipient=volunteer, subject="社区请您协助").exists()
    assert "已请" in client_for(staff).get(reverse("community:matches")).content.decode()

    with pytest.raises(PermissionDeniedError):
        services.answer_help_request(users["resident2"], request.pk, accept=True)
    mine = client_for(volunteer).get(reverse("community:help_requests")).content.decode()
    assert "接受" in mine and "婉拒" in mine
    with django_capture_on_commit_callbacks(execute=True):
        client_for(volunteer).post(
            reverse("community:help_answer", args=[request.pk, "accept"]), {"note": ""}
        )
    request.refresh_from_db()
    assert request.state == HelpState.ACCEPTED
    assert Notification.objects.filter(recipient=staff, subject="协助请求的答复").exists()

    with django_capture_on_commit_callbacks(execute=True):
        client_for(volunteer).post(
            reverse("community:help_done", args=[request.pk]),
            {"note": "陪王奶奶去菜市场，帮她装了手机买菜软件", "hours": "2"},
        )
    request.refresh_from_db()
    assert request.state == HelpState.DONE and request.hours == 2
    assert Notification.objects.filter(recipient=users["resident2"], subject="您的需求已有人帮忙").exists()

    with pytest.raises(PermissionDeniedError):  # nobody confirms their own hours
        services.confirm_help_hours(volunteer, request.pk)
    client_for(staff).post(reverse("community:help_confirm", args=[request.pk]))
    entry = LedgerEntry.objects.get(help_request=request)
    assert entry.kind == EntryKind.CREDIT and entry.hours == 2
    assert LedgerAccount.objects.get(user=volunteer).balance_points == 20
    with pytest.raises(IllegalTransition):
        services.confirm_help_hours(staff, request.pk)
    actions = list(
        CommunityEvent.objects.filter(subject=f"help:{request.pk}").values_list("action", flat=True)
    )
    assert actions == ["ask_for_help", "accept_help", "complete_help"]


def test_asking_checks_the_skill_the_state_and_a_declined_request_says_why(users, county, need):
    staff, volunteer = users["community_staff"], users["resident"]
    with pytest.raises(ServiceError, match="没有登记"):
        services.ask_for_help(
            staff, kind="elderly", region=county["community"], summary="陪同买菜", volunteer=volunteer
        )
    services.save_volunteer_profile(volunteer, region=county["community"], skills=["elderly"])
    with pytest.raises(PermissionDeniedError):
        services.ask_for_help(
            users["other_staff"],
            kind="elderly",
            region=county["community"],
            summary="陪同买菜",
            volunteer=volunteer,
        )
    with pytest.raises(ServiceError, match="不属于本社区"):  # a visit of another community's household
        services.ask_for_help(
            users["other_staff"],
            kind="elderly",
            region=county["other_community"],
            summary="陪同买菜",
            volunteer=volunteer,
            visit=need,
        )
    request = services.ask_for_help(
        staff, kind="elderly", region=county["community"], summary="陪同买菜", volunteer=volunteer, visit=need
    )
    with pytest.raises(ServiceError):  # a decline needs its reason
        services.answer_help_request(volunteer, request.pk, accept=False)
    services.answer_help_request(volunteer, request.pk, accept=False, note="这周在外地")
    with pytest.raises(IllegalTransition):
        services.complete_help_request(volunteer, request.pk, note="做完了")
    assert [r.state for r in selectors.matches(county["community"])[0].requests] == ["declined"]


def test_needs_nobody_can_meet_are_listed_by_community(users, county, need):
    unmet = selectors.unmet_needs(selectors.matches(county["community"]))
    assert [(u["community"], u["kind"], u["count"]) for u in unmet] == [(county["community"], "elderly", 1)]
    services.save_volunteer_profile(users["resident"], region=county["community"], skills=["elderly"])
    assert selectors.unmet_needs(selectors.matches(county["community"])) == []


def test_the_api_asks_answers_and_lists(users, county, need):
    services.save_volunteer_profile(users["resident"], region=county["community"], skills=["elderly"])
    staff, volunteer = APIClient(), APIClient()
    staff.force_authenticate(users["community_staff"])
    volunteer.force_authenticate(users["resident"])
    made = staff.post(
        "/api/v1/community/help-requests/",
        {
            "kind": "elderly",
            "region": county["community"].code,
            "summary": "陪同买菜",
            "visit": need.pk,
            "volunteer": users["resident"].pk,
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    assert [r["id"] for r in volunteer.get("/api/v1/community/help-requests/").json()["results"]] == [pk]
    assert (
        volunteer.post(f"/api/v1/community/help-requests/{pk}/accept/", {}, format="json").json()["state"]
        == "accepted"
    )
    done = volunteer.post(
        f"/api/v1/community/help-requests/{pk}/complete/", {"note": "已陪同", "hours": "1.5"}, format="json"
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert staff.post(f"/api/v1/community/help-requests/{pk}/confirm/").status_code == 201
    other = APIClient()
    other.force_authenticate(users["resident2"])
    assert other.post(f"/api/v1/community/help-requests/{pk}/accept/", {}, format="json").status_code == 403

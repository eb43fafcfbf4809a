"""Issue O item 1: every community service reachable by the people it serves, with its checks and audit events —
central households, party-building projects, volunteer profiles, the time bank's catalogue, redemptions and
corrections — through pages and the API; and the admin read-only for those records."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.admin.sites import site
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification
from gongzhi.credit.models import AdministrativePenalty, EnforcementCase, RepairApplication

from .. import services
from ..choices import EntryKind, ProjectState, RedemptionState
from ..models import (
    Activity,
    CommunityEvent,
    HelpRequest,
    LedgerAccount,
    LedgerEntry,
    PartyBuildingProject,
    PartyMemberHousehold,
    Redemption,
    RewardItem,
    SelfOrganization,
    VolunteerProfile,
)

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def earned(users, activity, points: int = 30):
    """The resident served in `activity` and had 3 h / `points` points confirmed (a second organiser recorded)."""
    resident, staff = users["resident"], users["community_staff"]
    services.sign_up(resident, activity.pk)
    with time_machine.travel(activity.starts_at + timedelta(minutes=10), tick=False):
        services.sign_in_by_qr(resident, activity.pk, services.qr_token(activity))
        record = services.record_hours(users["grid_worker"], activity.pk, user=resident)
    services.confirm_hours(staff, record.pk)
    assert LedgerAccount.objects.get(user=resident).balance_points == points


# ---------------------------------------------------------------- central households


def test_a_community_worker_designates_a_central_household_on_the_page(users, county, party_member):
    staff = client_for(users["community_staff"])
    page = staff.get(reverse("community:households")).content.decode()
    assert "设立党员中心户" in page and party_member.display_name in page
    done = staff.post(
        reverse("community:household_new"),
        {"party_member": party_member.pk, "grid": county["grid"].pk, "address": "幸福小区2栋101"},
    )
    center = PartyMemberHousehold.objects.get(party_member=party_member)
    assert done.status_code == 302 and done["Location"] == reverse("community:household", args=[center.pk])
    assert CommunityEvent.objects.filter(
        action="create_central_household", subject=f"center:{center.pk}"
    ).exists()
    for i in range(1, 6):
        staff.post(
            reverse("community:household_link", args=[center.pk]),
            {"address": f"幸福小区2栋{i}02", "head_name": f"住户{i}", "phone": f"1390000001{i}"},
        )
    assert center.households.count() == 5
    assert CommunityEvent.objects.filter(action="link_household", subject=f"center:{center.pk}").count() == 5
    # A resident is not a party member: refused with the service's words, the typed address kept.
    bad = staff.post(
        reverse("community:household_new"),
        {"party_member": users["resident"].pk, "grid": county["grid"].pk, "address": "幸福小区3栋"},
        follow=True,
    ).content.decode()
    assert "幸福小区3栋" in bad and "党员" in bad


def test_central_household_api_checks_the_role_and_links_households(users, county, party_member):
    api = api_for(users["community_staff"])
    created = api.post(
        "/api/v1/community/households/",
        {"party_member": party_member.pk, "grid": county["grid"].code, "address": "幸福小区2栋101"},
        format="json",
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    linked = api.post(
        f"/api/v1/community/households/{pk}/households/",
        {"address": "幸福小区2栋102", "head_name": "张大爷", "notes": "独居老人"},
        format="json",
    )
    assert linked.status_code == 201 and linked.json()["head_name"] == "张大爷"
    again = api.post(
        "/api/v1/community/households/",
        {"party_member": users["resident"].pk, "grid": county["grid"].code, "address": "x"},
        format="json",
    )
    assert again.status_code == 400 and "党员" in again.content.decode()
    assert (
        api_for(users["resident"])
        .post(
            "/api/v1/community/households/",
            {"party_member": party_member.pk, "grid": county["grid"].code, "address": "y"},
            format="json",
        )
        .status_code
        == 403
    )


# ---------------------------------------------------------------- party-building projects


def test_a_project_runs_from_plan_to_a_published_result(users, county, party_unit, social_unit, activity):
    staff, partner = users["community_staff"], users["handler"]
    project = services.create_project(
        staff,
        title="红色物业共建",
        region=county["community"],
        party_unit=party_unit,
        social_orgs=[social_unit],
        description="党建引领物业",
        goals="物业投诉下降三成",
        budget="50000",
    )
    assert project.state == ProjectState.PLANNED and project.budget == 50000
    with pytest.raises(PermissionDeniedError):  # a handler of an unrelated department
        services.record_project_progress(partner, project.pk, note="我来记一笔")
    partner.unit = social_unit
    partner.save(update_fields=["unit"])
    services.record_project_progress(partner, project.pk, note="召开第一次三方联席会")  # the partner's staff
    project.refresh_from_db()
    assert project.state == ProjectState.RUNNING
    services.link_project_activity(staff, project.pk, activity=activity)
    with pytest.raises(ServiceError, match="10"):
        services.complete_project(staff, project.pk, result="完成")
    services.complete_project(staff, project.pk, result="物业投诉由每月40件降至12件，成立楼栋议事会8个。")
    project.refresh_from_db()
    assert project.state == ProjectState.DONE and project.completed_at
    with pytest.raises(IllegalTransition):
        services.record_project_progress(staff, project.pk, note="再记一笔")
    actions = set(
        CommunityEvent.objects.filter(subject=f"project:{project.pk}").values_list("action", flat=True)
    )
    assert actions == {
        "create_project",
        "record_project_progress",
        "link_project_activity",
        "complete_project",
    }
    # The result is public on the community's page and the project's page.
    anyone = Client()
    assert "物业投诉由每月40件降至12件" in anyone.get(reverse("community:overview")).content.decode()
    detail = anyone.get(reverse("community:project", args=[project.pk])).content.decode()
    assert (
        "物业投诉由每月40件降至12件" in detail
        and activity.title in detail
        and "召开第一次三方联席会" in detail
    )


def test_projects_through_the_pages_and_the_api(users, county, party_unit, social_unit):
    staff = client_for(users["community_staff"])
    page = staff.get(reverse("community:projects")).content.decode()
    assert "新建党建项目" in page
    made = staff.post(
        reverse("community:project_new"),
        {
            "title": "四点半课堂",
            "region": county["community"].pk,
            "party_unit": party_unit.pk,
            "social_orgs": [social_unit.pk],
            "goals": "放学后有人看护",
            "description": "党员和社工辅导作业",
        },
    )
    project = PartyBuildingProject.objects.get(title="四点半课堂")
    assert made["Location"] == reverse("community:project", args=[project.pk])
    staff.post(reverse("community:project_progress", args=[project.pk]), {"note": "招募志愿者12名"})
    assert project.updates.count() == 1
    api = api_for(users["community_staff"])
    body = api.get(f"/api/v1/community/projects/{project.pk}/").json()
    assert body["state"] == "running" and body["social_orgs"] == [social_unit.code]
    done = api.post(
        f"/api/v1/community/projects/{project.pk}/complete/",
        {"result": "一学期服务学生60名，家长满意率95%。"},
        format="json",
    )
    assert done.status_code == 200 and done.json()["state"] == "done"
    created = api.post(
        "/api/v1/community/projects/",
        {
            "title": "银龄互助",
            "region": county["community"].code,
            "party_unit": party_unit.code,
            "social_orgs": [social_unit.code],
            "description": "低龄老人帮高龄老人",
            "budget": "8000",
        },
        format="json",
    )
    assert created.status_code == 201 and created.json()["budget"] == "8000.00"
    assert APIClient().get("/api/v1/community/projects/").status_code == 200  # public
    assert (
        api_for(users["resident"])
        .post(
            "/api/v1/community/projects/",
            {
                "title": "x",
                "region": county["community"].code,
                "party_unit": party_unit.code,
                "social_orgs": [social_unit.code],
                "description": "x",
            },
            format="json",
        )
        .status_code
        == 403
    )


# ---------------------------------------------------------------- volunteer profiles


def test_a_resident_declares_skills_and_staff_record_one_at_the_counter(users, county):
    resident = client_for(users["resident"])
    page = resident.get(reverse("community:volunteer")).content.decode()
    assert "我能提供的服务" in page and "窗口登记" not in page
    refused = resident.post(
        reverse("community:volunteer"), {"availability": "周末上午", "region": county["community"].pk}
    )
    assert (
        refused.status_code == 200 and "周末上午" in refused.content.decode()
    )  # typed text kept, error shown
    saved = resident.post(
        reverse("community:volunteer"),
        {"skills": ["elderly", "legal"], "availability": "周末上午", "region": county["community"].pk},
    )
    assert saved.status_code == 302
    profile = VolunteerProfile.objects.get(user=users["resident"])
    assert profile.skill_list() == ["elderly", "legal"] and profile.availability == "周末上午"
    assert CommunityEvent.objects.filter(action="save_volunteer_profile").count() == 1

    staff = client_for(users["community_staff"])
    assert "窗口登记" in staff.get(reverse("community:volunteer")).content.decode()
    staff.post(
        reverse("community:volunteer_counter"),
        {"phone": "13900139000", "skills": ["childcare"], "region": county["community"].pk},
    )
    assert VolunteerProfile.objects.get(user=users["resident2"]).skill_list() == ["childcare"]
    event = CommunityEvent.objects.filter(action="save_volunteer_profile").latest("id")
    assert event.actor == users["community_staff"] and event.note == "窗口登记"
    with pytest.raises(PermissionDeniedError):  # another community's worker
        services.save_volunteer_profile(
            users["other_staff"], user=users["resident2"], region=county["community"], skills=["legal"]
        )

    api = api_for(users["resident"])
    assert api.get("/api/v1/community/volunteer-profile/").json()["skills"] == ["elderly", "legal"]
    put = api.put(
        "/api/v1/community/volunteer-profile/",
        {"region": county["community"].code, "skills": ["health"], "availability": "工作日晚上"},
        format="json",
    )
    assert put.status_code == 200 and put.json()["skill_labels"] == "医疗健康"
    assert (
        api.put(
            "/api/v1/community/volunteer-profile/",
            {"region": county["community"].code, "skills": []},
            format="json",
        ).status_code
        == 400
    )


# ---------------------------------------------------------------- the time bank


def test_points_are_redeemed_from_the_catalogue_and_confirmed_by_staff(
    users, county, activity, django_capture_on_commit_callbacks
):
    earned(users, activity)
    staff, resident = users["community_staff"], users["resident"]
    with pytest.raises(PermissionDeniedError):
        services.save_reward_item(
            users["other_staff"], region=county["community"], name="理发一次", points=10
        )
    haircut = services.save_reward_item(staff, region=county["community"], name="理发一次", points=20)
    soap = services.save_reward_item(staff, region=county["community"], name="洗衣液一瓶", points=15)

    mine = client_for(resident).get(reverse("community:my_hours")).content.decode()
    assert "理发一次" in mine and "洗衣液一瓶" in mine
    client_for(resident).post(reverse("community:reward_redeem", args=[haircut.pk]))
    first = Redemption.objects.get(user=resident)
    assert first.state == RedemptionState.REQUESTED and services.held_points(resident) == 20
    with pytest.raises(ServiceError, match="可用 10 积分"):  # 30 earned, 20 held
        services.request_redemption(resident, soap.pk)

    with pytest.raises(PermissionDeniedError):
        services.decide_redemption(users["other_staff"], first.pk, approve=True)
    with pytest.raises(ServiceError):  # declining needs a reason
        services.decide_redemption(staff, first.pk, approve=False)
    board = client_for(staff).get(reverse("community:time_bank")).content.decode()
    assert "待确认的积分兑换" in board and "理发一次" in board
    with django_capture_on_commit_callbacks(execute=True):
        client_for(staff).post(
            reverse("community:redemption_decide", args=[first.pk, "confirm"]), {"note": ""}
        )
    first.refresh_from_db()
    assert first.state == RedemptionState.CONFIRMED and first.entry.kind == EntryKind.REDEEM
    assert LedgerAccount.objects.get(user=resident).balance_points == 10
    assert Notification.objects.filter(recipient=resident, subject="积分兑换").exists()
    with pytest.raises(IllegalTransition):
        services.decide_redemption(staff, first.pk, approve=True)

    # The API: the catalogue, a request that cannot be met, mine.
    api = api_for(resident)
    assert {i["name"] for i in api.get("/api/v1/community/rewards/").json()["results"]} == {
        "理发一次",
        "洗衣液一瓶",
    }
    short = api.post(f"/api/v1/community/rewards/{soap.pk}/redeem/")
    assert short.status_code == 400 and "积分不足" in short.json()["detail"]
    assert [r["state"] for r in api.get("/api/v1/community/redemptions/").json()["results"]] == ["confirmed"]
    assert api.get("/api/v1/community/redemptions/?pending=1").status_code == 403


def test_a_wrong_entry_is_reversed_by_a_new_one_never_edited(users, county, activity):
    earned(users, activity)
    staff, resident = users["community_staff"], users["resident"]
    entry = LedgerEntry.objects.get(kind=EntryKind.CREDIT)
    page = client_for(staff).get(reverse("community:time_bank") + "?phone=13800138000").content.decode()
    assert "冲销" in page and "参加活动" in page
    client_for(staff).post(
        reverse("community:entry_correct", args=[entry.pk]),
        {"reason": "活动实际取消，误记", "phone": "13800138000"},
    )
    correction = LedgerEntry.objects.get(reverses=entry)
    assert correction.kind == EntryKind.CORRECTION and correction.points == entry.points
    assert LedgerAccount.objects.get(user=resident).balance_points == 0
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()  # the wrong entry stays
    again = api_for(staff).post(
        f"/api/v1/community/ledger/{entry.pk}/correct/", {"reason": "再冲一次"}, format="json"
    )
    assert again.status_code == 409
    assert api_for(resident).post(
        f"/api/v1/community/ledger/{correction.pk}/correct/", {"reason": "想改"}, format="json"
    ).status_code in (403, 409)
    assert not client_for(resident).get(reverse("community:time_bank")).status_code == 200


# ---------------------------------------------------------------- the admin looks, it does not change


@pytest.mark.parametrize(
    "model",
    [
        PartyMemberHousehold,
        PartyBuildingProject,
        VolunteerProfile,
        RewardItem,
        Redemption,
        LedgerEntry,
        SelfOrganization,
        Activity,
        HelpRequest,
        RepairApplication,
        EnforcementCase,
        AdministrativePenalty,
    ],
)
def test_the_admin_is_read_only_for_records_with_their_own_services(users, model):
    request = RequestFactory().get("/admin/")
    request.user = users["admin"]
    model_admin = site._registry[model]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    admin = client_for(users["admin"])
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert admin.get(url).status_code == 403
    assert admin.post(url, {}).status_code == 403
    assert (
        admin.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")).status_code
        == 200
    )

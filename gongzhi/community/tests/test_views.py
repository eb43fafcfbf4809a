from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from gongzhi.core.models import User
from gongzhi.core.testing import PASSWORD

from .. import services
from ..models import LedgerEntry, RedResource, Signup, Visit

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_public_pages_render(client, activity, users, county):
    RedResource.objects.create(
        name="示范区革命烈士纪念馆",
        kind="memorial",
        region=county["community"],
        address="烈士路1号",
        description="纪念",
        longitude="112.9",
        latitude="28.2",
    )
    for name in ("overview", "organizations", "activities", "red_resources"):
        response = client.get(reverse(f"community:{name}"))
        assert response.status_code == 200, name
    response = client.get(reverse("community:activity", args=[activity.pk]))
    assert "重阳节敬老志愿服务" in response.content.decode()
    assert "red-points" in client.get(reverse("community:red_resources")).content.decode()
    assert client.get(reverse("community:households")).status_code == 302  # login first
    login(client, users["resident"])
    assert client.get(reverse("community:households")).status_code == 403
    assert client.get(reverse("community:qr", args=[activity.pk])).status_code == 403


def test_resident_signs_up_is_signed_in_by_qr_and_gets_a_certificate(client, activity, users):
    resident, staff = users["resident"], users["community_staff"]
    login(client, resident)
    client.post(reverse("community:sign_up", args=[activity.pk]))
    assert Signup.objects.get(user=resident).state == "registered"
    staff_client = login(client.__class__(), staff)
    page = staff_client.get(reverse("community:activity", args=[activity.pk])).content.decode()
    assert "签到二维码" in page
    svg = staff_client.get(reverse("community:qr", args=[activity.pk]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    with time_machine.travel(activity.starts_at + timedelta(minutes=10), tick=False):  # during the activity
        url = reverse("community:check_in", args=[activity.pk]) + "?t=" + services.qr_token(activity)
        assert client.get(url).status_code == 200
        client.post(url.split("?")[0], {"t": services.qr_token(activity)})
        assert Signup.objects.get(user=resident).sign_in_method == "qr"
        staff_client.force_login(
            staff
        )  # days later: staff sessions end after 30 idle minutes (core.twofactor)
        staff_client.post(
            reverse("community:record_hours", args=[activity.pk]), {"user_id": resident.pk, "hours": "2.5"}
        )
    record = Signup.objects.get(user=resident).record
    staff_client.post(reverse("community:confirm_hours", args=[record.pk]))  # the recorder may not confirm
    assert not LedgerEntry.objects.filter(record=record).exists()
    second = login(client.__class__(), users["grid_worker"])  # a second organiser of the unit confirms
    second.post(reverse("community:confirm_hours", args=[record.pk]))
    second.post(reverse("community:confirm_hours", args=[record.pk]))  # a second click credits nothing
    assert LedgerEntry.objects.filter(record=record).count() == 1
    page = client.get(reverse("community:my_hours")).content.decode()
    assert "2.5 h" in page
    pdf = client.get(reverse("community:certificate"))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_bad_token_is_a_message_not_an_error(client, activity, users):
    login(client, users["resident"])
    client.post(reverse("community:sign_up", args=[activity.pk]))
    response = client.post(reverse("community:check_in", args=[activity.pk]), {"t": "nonsense"}, follow=True)
    assert response.status_code == 200 and "签到码无效" in response.content.decode()


def test_party_member_records_a_visit_that_raises_an_appeal(client, center, party_member, users):
    login(client, party_member)
    house = center.households.first()
    url = reverse("community:household_visit", args=[center.pk])
    data = {
        "visited_on": timezone.localdate().isoformat(),
        "household_ids": [house.pk],
        "heard": "独居老人反映楼道扶手松动，上下楼有危险。",
        "needs": ["elderly"],
        "raise_appeal": "on",
        "appeal_title": "楼道扶手松动",
    }
    response = client.post(url, data, follow=True)
    page = response.content.decode()
    assert "同意" in page and not Visit.objects.exists()
    assert "独居老人反映楼道扶手松动" in page and "楼道扶手松动" in page  # what was typed is still there
    client.post(url, {**data, "consent": "on", "consent_note": "口头同意"})
    visit = Visit.objects.get()
    assert visit.appeal.channel == "household_visit"
    dispatcher = login(client.__class__(), users["dispatcher"])
    assert dispatcher.get(reverse("appeals:detail", args=[visit.appeal.pk])).status_code == 200
    staff = login(client.__class__(), users["community_staff"])
    page = staff.get(reverse("community:households") + "?days=30").content.decode()
    assert "幸福一网格" in page and "20%" in page  # 1 of 5 households visited
    assert staff.get(reverse("community:matches")).status_code == 200


def test_api_sign_up_waiting_and_ledger(client, activity, users):
    from gongzhi.core.testing import make_user

    for u in (users["resident"], users["resident2"]):
        login(client, u)
        assert (
            client.post(f"/api/v1/community/activities/{activity.pk}/sign-up/").json()["state"]
            == "registered"
        )
    late = make_user("resident9", "resident", phone="13300133000")
    login(client, late)
    assert client.post(f"/api/v1/community/activities/{activity.pk}/sign-up/").json()["state"] == "waiting"
    response = client.post(
        f"/api/v1/community/activities/{activity.pk}/check-in/",
        {"token": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_token"
    assert client.get("/api/v1/community/my-ledger/").json()["balance_points"] == 0
    assert client.get("/api/v1/community/activities/").status_code == 200
    assert client.get("/api/v1/community/coverage/").status_code == 403


def test_activity_created_from_the_page_is_a_draft_until_published(client, users, county):
    staff = users["community_staff"]
    login(client, staff)
    start = timezone.localtime() + timedelta(days=3)
    client.post(
        reverse("community:activity_new"),
        {
            "title": "垃圾分类宣传",
            "description": "入户宣传垃圾分类",
            "region": county["community"].pk,
            "location": "幸福小区广场",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": 10,
            "hours": "2",
            "needs": ["environment"],
        },
    )
    from ..models import Activity

    activity = Activity.objects.get(title="垃圾分类宣传")
    assert activity.state == "draft" and activity.organizer_unit == staff.unit
    client.post(reverse("community:activity_advance", args=[activity.pk, "publish"]))
    activity.refresh_from_db()
    assert activity.state == "published"


def test_staff_of_a_community_see_the_red_resources_of_its_street_and_county(client, users, county):
    """The demo registers its memorials for the streets: staff1, gridworker1 and partymember1 (scoped to their
    community) saw an empty page while residents (not scoped) saw them all."""
    make = dict(kind="memorial", address="烈士路1号", description="纪念", longitude="112.9", latitude="28.2")
    RedResource.objects.create(name="东风街道革命烈士纪念馆", region=county["street"], **make)
    RedResource.objects.create(name="示范县档案馆红色档案展", region=county["county"], **make)
    RedResource.objects.create(name="幸福社区老党员故居", region=county["community"], **make)
    RedResource.objects.create(name="西湖街道讲习所旧址", region=county["other_street"], **make)
    for who in ("community_staff", "grid_worker"):
        login(client, users[who])
        page = client.get(reverse("community:red_resources")).content.decode()
        assert (
            "东风街道革命烈士纪念馆" in page
            and "示范县档案馆红色档案展" in page
            and "幸福社区老党员故居" in page
        ), who
        assert "西湖街道讲习所旧址" not in page, who
    names = {
        r["name"]
        for r in client.get("/api/v1/community/red-resources/", {"region": county["community"].code}).json()[
            "results"
        ]
    }
    assert names == {"东风街道革命烈士纪念馆", "示范县档案馆红色档案展", "幸福社区老党员故居"}


def test_the_coverage_api_keeps_to_the_readers_area(users, county):
    """GET /api/v1/community/coverage/?region= ignored the households page's scope (issue N item 12): community
    staff read another community's visit coverage. Now they read their own area, and another is refused."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(users["community_staff"])
    own = client.get("/api/v1/community/coverage/")
    assert own.status_code == 200
    assert client.get("/api/v1/community/coverage/", {"region": county["community"].code}).status_code == 200
    assert (
        client.get("/api/v1/community/coverage/", {"region": county["other_community"].code}).status_code
        == 403
    )
    assert client.get("/api/v1/community/coverage/", {"region": county["county"].code}).status_code == 403
    client.force_authenticate(users["leader"])
    assert (
        client.get("/api/v1/community/coverage/", {"region": county["other_community"].code}).status_code
        == 200
    )


def test_an_organisations_members_are_masked_to_the_public(client, users, county):
    """Self-organisation pages showed members' full names to anonymous visitors (issue N item 13)."""
    from ..services import join_organization, register_organization

    founder, other = users["resident"], users["resident2"]
    User.objects.filter(pk=founder.pk).update(display_name="张建国")
    User.objects.filter(pk=other.pk).update(display_name="李秀英")
    founder.refresh_from_db()
    other.refresh_from_db()
    org = register_organization(
        founder, name="银发互助队", domain="mutual_aid", region=county["community"], skills=["elderly"]
    )
    url = reverse("community:organization", args=[org.pk])
    page = client.get(url).content.decode()
    assert "张建国" not in page and "张**" in page
    login(client, other)
    assert "张建国" not in client.get(url).content.decode()  # a resident who is not a member
    join_organization(other, org.pk)
    assert "张建国" in client.get(url).content.decode()  # a member sees the other members
    login(client, users["community_staff"])
    assert "张建国" in client.get(url).content.decode()  # the community manages it


def test_a_refused_activity_keeps_what_was_typed(client, users, county):
    """Typed text is never lost: a refused form comes back open, filled, with the reason."""
    login(client, users["community_staff"])
    start = timezone.localtime() + timedelta(days=3)
    response = client.post(
        reverse("community:activity_new"),
        {
            "title": "重阳节敬老义诊",
            "description": "社区医院医生为60岁以上老人免费体检。",
            "region": county["community"].pk,
            "location": "社区活动室",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": 30,
        },
        follow=True,
    )
    page = response.content.decode()
    assert "重阳节敬老义诊" in page and "社区医院医生为60岁以上老人免费体检" in page
    assert '<details class="card" open>' in page

"""Hot spot → deliberation topic (issue C landed as gongzhi/deliberation): one click opens a topic of source
诉求汇集 with the hot spot's appeals, in the community they share, by a manager of that community."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.deliberation.models import DeliberationEvent, Topic
from gongzhi.insight import topics
from gongzhi.insight.models import HotSpot

from .test_live import insight_on, submit  # noqa: F401  (fixture re-used)


def login(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def spot(insight_on, make_appeal, users, django_capture_on_commit_callbacks):  # noqa: F811
    submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident"])
    submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident2"])
    return HotSpot.objects.get()


def test_one_click_from_the_hotspot_page(list_small_hotspots, spot, users, county):
    staff = login(users["community_staff"])
    html = staff.get("/insight/hotspots/").content.decode()
    assert f'action="/insight/hotspots/{spot.pk}/topic/"' in html
    response = staff.post(f"/insight/hotspots/{spot.pk}/topic/")
    topic = Topic.objects.get()
    assert response.status_code == 302 and response.url == f"/deliberation/topics/{topic.pk}/"
    assert topic.source == "appeals" and topic.region == county["community"]
    assert set(topic.appeals.values_list("pk", flat=True)) == set(
        spot.members.values_list("appeal_id", flat=True)
    )
    assert topic.title.startswith("热点问题：") and "由热点问题转入" in topic.description
    assert DeliberationEvent.objects.filter(topic=topic, action="create_topic").exists()
    spot.refresh_from_db()
    assert spot.topic == topic
    html = staff.get("/insight/hotspots/").content.decode()
    assert (
        f'href="/deliberation/topics/{topic.pk}/"' in html
        and f"/insight/hotspots/{spot.pk}/topic/" not in html
    )
    # a second click does not open a second topic
    staff.post(f"/insight/hotspots/{spot.pk}/topic/")
    assert Topic.objects.count() == 1
    with pytest.raises(ServiceError) as exc:
        topics.hotspot_to_topic(users["community_staff"], spot.pk)
    assert exc.value.code == "already_topic"


def test_only_managers_of_the_place(spot, users):
    assert "/topic/" not in login(users["leader"]).get("/insight/hotspots/").content.decode()
    with pytest.raises(PermissionDeniedError):
        topics.hotspot_to_topic(users["leader"], spot.pk)
    with pytest.raises(PermissionDeniedError):  # community staff of another community
        topics.hotspot_to_topic(users["other_staff"], spot.pk)
    assert login(users["resident"]).post(f"/insight/hotspots/{spot.pk}/topic/").status_code == 403
    assert not Topic.objects.exists()
    with pytest.raises(ServiceError):
        topics.hotspot_to_topic(users["community_staff"], 999999)


def test_topic_region_is_the_shared_community_else_the_street(spot, county, make_appeal):
    from gongzhi.appeals.models import Appeal

    members = list(Appeal.objects.filter(hotspot_membership__hotspot=spot))
    assert topics.topic_region(members) == county["community"]
    elsewhere = make_appeal(region=county["street"])
    assert topics.topic_region([*members, elsewhere]) == county["street"]
    other = make_appeal(region=county["other_community"])
    assert topics.topic_region([*members, other]) is None


def test_hotspot_topic_api(spot, users):
    leader = APIClient()
    leader.force_authenticate(users["leader"])
    assert leader.post(f"/api/v1/insight/hotspots/{spot.pk}/topic/").status_code == 403
    api = APIClient()
    api.force_authenticate(users["community_staff"])
    response = api.post(f"/api/v1/insight/hotspots/{spot.pk}/topic/")
    assert response.status_code == 201, response.content
    assert response.json()["topic"] == Topic.objects.get().pk
    assert api.post(f"/api/v1/insight/hotspots/{spot.pk}/topic/").json()["code"] == "already_topic"


def test_a_confidential_appeals_title_stays_out_of_the_public_topic(
    insight_on,  # noqa: F811
    make_appeal,
    users,
    django_capture_on_commit_callbacks,
):
    submit(make_appeal, django_capture_on_commit_callbacks, actor=users["resident"])
    secret = submit(
        make_appeal,
        django_capture_on_commit_callbacks,
        actor=users["resident2"],
        title="小区违章建筑没人管，举报人住3栋",
        confidential=True,
    )
    spot = HotSpot.objects.get()
    assert spot.members.filter(appeal=secret).exists()
    topic = topics.hotspot_to_topic(users["community_staff"], spot.pk)
    assert secret in topic.appeals.all()
    assert secret.title not in topic.description
    page = Client().get(f"/deliberation/topics/{topic.pk}/").content.decode()
    assert secret.title not in page

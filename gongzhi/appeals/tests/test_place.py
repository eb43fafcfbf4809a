"""An appeal's place (issue J): with coordinates and no region the region is the one whose boundary holds them;
a region the resident chose is kept even when the point lies outside it (docs/decisions.md)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from gongzhi.appeals.models import Appeal
from gongzhi.core.testing import client_for, give_boundaries, text

pytestmark = pytest.mark.django_db

CONTENT = "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。"


@pytest.fixture
def bounded(county):
    return give_boundaries(county)


def submit(client, **fields):
    body = {"kind": "complaint", "channel": "mobile", "title": "小区路灯坏了", "content": CONTENT, **fields}
    return client.post("/api/v1/appeals/", body, format="json")


def test_api_coordinates_without_region_are_located(bounded, users):
    client = APIClient()
    client.force_authenticate(users["resident"])
    response = submit(client, longitude="112.1", latitude="28.2")
    assert response.status_code == 201, response.json()
    appeal = Appeal.objects.get()
    assert appeal.region == bounded["grid"]
    assert (appeal.longitude, appeal.latitude) == (Decimal("112.100000"), Decimal("28.200000"))


def test_api_coordinates_outside_the_county_are_refused_in_chinese(bounded, users):
    client = APIClient()
    client.force_authenticate(users["resident"])
    response = submit(client, longitude="100.1", latitude="28.2")
    assert response.status_code == 400
    assert response.json()["fields"] == {"region": ["该位置不在本县范围内，请重新选择。"]}
    assert not Appeal.objects.exists()


def test_api_neither_region_nor_place_is_refused(bounded, users):
    client = APIClient()
    client.force_authenticate(users["resident"])
    response = submit(client)
    assert response.status_code == 400 and "region" in response.json()["fields"]


def test_a_chosen_region_is_kept_when_the_point_is_elsewhere(bounded, users):
    client = APIClient()
    client.force_authenticate(users["resident"])
    response = submit(client, region=bounded["other_community"].code, longitude="112.1", latitude="28.2")
    assert response.status_code == 201
    assert Appeal.objects.get().region == bounded["other_community"]


def test_resident_form_with_a_place_and_no_region(bounded, users):
    client = client_for(users["resident"])
    page = text(client.get(reverse("appeals:new")))
    assert 'name="longitude"' in page and 'name="latitude"' in page and 'id="place-picker"' in page
    response = client.post(
        reverse("appeals:new"),
        {
            "kind": "complaint",
            "title": "小区路灯坏了",
            "content": CONTENT,
            "region": "",
            "longitude": "112.4",
            "latitude": "28.2",
        },
    )
    assert response.status_code == 302, text(response)
    assert Appeal.objects.get().region == bounded["community"]


def test_resident_form_without_region_or_place_says_what_to_do(bounded, users):
    client = client_for(users["resident"])
    response = client.post(
        reverse("appeals:new"),
        {"kind": "complaint", "title": "小区路灯坏了", "content": CONTENT, "region": ""},
    )
    assert response.status_code == 200
    assert "请选择诉求发生的区域，或在地图上点选位置。" in text(response)
    outside = client.post(
        reverse("appeals:new"),
        {
            "kind": "complaint",
            "title": "小区路灯坏了",
            "content": CONTENT,
            "region": "",
            "longitude": "100",
            "latitude": "28",
        },
    )
    assert "该位置不在本县范围内，请重新选择。" in text(outside) and CONTENT in text(outside)
    assert not Appeal.objects.exists()


def test_a_chosen_community_is_made_precise_by_a_point_in_its_grid(bounded, users):
    client = APIClient()
    client.force_authenticate(users["resident"])
    response = submit(client, region=bounded["community"].code, longitude="112.1", latitude="28.2")
    assert response.status_code == 201
    assert Appeal.objects.get().region == bounded["grid"]


# ---------------------------------------------------------------- the map of appeals


@pytest.fixture
def placed(bounded, users, units, make_appeal):
    """Three appeals with a place: two led by the housing bureau (one overdue), one by the HR bureau; one without."""
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.appeals import services

    made = []
    for lon, unit in ((112.1, units["housing"]), (112.2, units["housing"]), (112.4, units["hrss"])):
        appeal = make_appeal(longitude=Decimal(str(lon)), latitude=Decimal("28.2"))
        services.dispatch(users["dispatcher"], appeal.pk, lead_unit=unit)
        made.append(appeal)
    make_appeal()  # no place: not on the map
    Appeal.objects.filter(pk=made[0].pk).update(next_due=timezone.now() - timedelta(hours=1))
    return made


def test_api_map_is_scoped_like_the_list(placed, users):
    client = APIClient()
    client.force_authenticate(users["handler"])
    body = client.get("/api/v1/appeals/map/").json()
    assert body["count"] == 2 and not body["truncated"]
    assert {p["id"] for p in body["points"]} == {placed[0].pk, placed[1].pk}
    assert {p["id"]: p["light"] for p in body["points"]}[placed[0].pk] == "red"
    point = next(p for p in body["points"] if p["id"] == placed[1].pk)
    assert (point["longitude"], point["latitude"]) == (112.2, 28.2) and point["number"] == placed[1].number
    client.force_authenticate(users["supervisor"])
    assert client.get("/api/v1/appeals/map/").json()["count"] == 3
    assert client.get("/api/v1/appeals/map/", {"light": "red"}).json()["count"] == 1
    assert client.get("/api/v1/appeals/map/", {"light": "purple"}).status_code == 400
    assert APIClient().get("/api/v1/appeals/map/").status_code == 401


def test_map_page_shows_the_scope_and_filters(placed, users):
    page = text(client_for(users["handler"]).get(reverse("appeals:map")))
    assert "共 2 件有位置的诉求" in page and placed[2].number not in page and placed[0].number in page
    page = text(client_for(users["supervisor"]).get(reverse("appeals:map"), {"light": "red"}))
    assert "共 1 件有位置的诉求" in page
    assert client_for(users["resident"]).get(reverse("appeals:map")).status_code == 302


def test_map_points_are_capped(placed, users):
    from django.utils import timezone

    from gongzhi.appeals.selectors import map_points, visible_appeals

    data = map_points(visible_appeals(users["supervisor"]), timezone.now(), limit=2)
    assert data["count"] == 2 and data["truncated"]
    assert [p["id"] for p in data["points"]] == [placed[2].pk, placed[1].pk]  # the newest


def test_open311_places_narrow_the_county_to_the_grid(bounded, category):
    """Open311 carries no region: its appeals were filed under the county; with lat/long they go to the grid."""
    from gongzhi.appeals.open311.models import Open311Key

    _key, secret = Open311Key.issue("巡查App")
    response = APIClient().post(
        "/open311/v2/requests.json",
        {
            "api_key": secret,
            "service_code": category.code,
            "lat": "28.2",
            "long": "112.1",
            "description": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        },
    )
    assert response.status_code in (200, 201), response.content
    assert Appeal.objects.get().region == bounded["grid"]


def test_the_detail_page_shows_the_place_on_a_map(placed, users):
    page = text(client_for(users["handler"]).get(reverse("appeals:detail", args=[placed[0].pk])))
    assert 'id="appeal-place-map"' in page and "112.100000, 28.200000" in page
    unplaced = Appeal.objects.filter(longitude__isnull=True).get()
    assert 'id="appeal-place-map"' not in text(
        client_for(users["supervisor"]).get(reverse("appeals:detail", args=[unplaced.pk]))
    )

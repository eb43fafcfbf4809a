"""A resident filing under their account is the appellant, reached on the account's verified number (issue N item
11): through the API they could name anyone ("冒名") and send every notice to someone else's number."""

from rest_framework.test import APIClient

from gongzhi.appeals.models import Appeal
from gongzhi.core.models import Notification, User


def _body(county, category, **extra):
    return {
        "kind": "complaint",
        "title": "小区路灯坏了",
        "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
        "region": county["grid"].code,
        "category": category.code,
        **extra,
    }


def test_a_resident_cannot_file_under_another_name_or_number(users, county, category):
    resident = users["resident"]
    User.objects.filter(pk=resident.pk).update(display_name="赵居民")
    resident.refresh_from_db()
    api = APIClient()
    api.force_authenticate(resident)
    response = api.post(
        "/api/v1/appeals/",
        _body(county, category, appellant_name="冒名", appellant_phone="13912345678"),
        format="json",
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.appellant_name == "赵居民" and appeal.appellant_phone == resident.phone
    assert appeal.contact_phone == "13912345678"  # kept for the handler, unverified
    assert not Notification.objects.filter(phone="13912345678").exists()
    assert response.json()["appellant"]["contact_phone"] == "13912345678"  # their own, unmasked to them


def test_a_residents_landline_is_kept_as_the_other_number(users, county, category):
    api = APIClient()
    api.force_authenticate(users["resident"])
    response = api.post(
        "/api/v1/appeals/", _body(county, category, appellant_phone="0731-84561234"), format="json"
    )
    assert response.status_code == 201, response.content
    appeal = Appeal.objects.get()
    assert appeal.appellant_phone == users["resident"].phone and appeal.contact_phone == "0731-84561234"
    same = api.post(
        "/api/v1/appeals/",
        _body(county, category, appellant_phone=users["resident"].phone, client_key="k2"),
        format="json",
    )
    assert Appeal.objects.get(number=same.json()["number"]).contact_phone == ""


def test_staff_see_the_other_number_masked(users, county, category):
    api = APIClient()
    api.force_authenticate(users["resident"])
    number = api.post(
        "/api/v1/appeals/", _body(county, category, appellant_phone="13912345678"), format="json"
    ).json()["number"]
    appeal = Appeal.objects.get(number=number)
    supervisor = APIClient()
    supervisor.force_authenticate(users["supervisor"])
    shown = supervisor.get(f"/api/v1/appeals/{appeal.pk}/").json()["appellant"]
    assert shown["contact_phone"] == "139****5678"

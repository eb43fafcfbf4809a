"""附近提醒 (issue J item 5): subscribe to a community or a radius and a category; new hot spots and replies there
are told at once or gathered in a daily digest; never anyone's personal data; audited."""

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from gongzhi.appeals import services
from gongzhi.core.choices import Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import AuditEvent, Notification
from gongzhi.core.testing import client_for, make_user, text
from gongzhi.insight import alerts, tasks
from gongzhi.insight.models import AlertItem, AlertSubscription, HotSpot, HotSpotMember

LAT, LON = Decimal("28.228512"), Decimal("112.938814")
CONTENT = "我叫王建国，幸福小区3栋201室门口的路灯坏了两周了，电话13812345678。"


@pytest.fixture
def appeal(make_appeal, county, category):
    return make_appeal(
        title="王建国反映路灯坏了",
        content=CONTENT,
        region=county["grid"],
        category=category,
        latitude=LAT,
        longitude=LON,
    )


def nearby_notices(user, kind="nearby_alert"):
    return Notification.objects.filter(recipient=user, kind=kind, channel="site")


def make_spot(appeals, commit):
    with commit(execute=True):
        spot = HotSpot.objects.create(label="幸福小区路灯损坏", size=len(appeals))
        for a in appeals:
            HotSpotMember.objects.create(hotspot=spot, appeal=a)
    return spot


def test_subscribe_validates_in_chinese_and_is_audited(users, county):
    resident = users["resident"]
    with pytest.raises(ServiceError, match="社区"):
        alerts.subscribe(resident, scope="community", region=county["street"].pk)
    with pytest.raises(ServiceError, match="半径"):
        alerts.subscribe(resident, scope="radius", latitude=LAT, longitude=LON, radius_m=50)
    with pytest.raises(ServiceError, match="经纬度"):
        alerts.subscribe(resident, scope="radius", latitude="95", longitude=LON, radius_m=500)
    with pytest.raises(PermissionDeniedError):
        alerts.subscribe(users["handler"], scope="community", region=county["community"].pk)
    sub = alerts.subscribe(resident, scope="community", region=county["community"].pk, frequency="daily")
    assert AuditEvent.objects.filter(action="alert_subscribe", target=f"alert:{sub.pk}").exists()
    alerts.unsubscribe(resident, sub.pk)
    assert not AlertSubscription.objects.exists()
    assert AuditEvent.objects.filter(action="alert_unsubscribe", target=f"alert:{sub.pk}").exists()
    with pytest.raises(ServiceError):
        alerts.unsubscribe(users["resident2"], sub.pk)  # nobody cancels another person's subscription


def test_a_new_hot_spot_is_told_at_once_in_the_area_only(
    appeal, users, county, category, django_capture_on_commit_callbacks
):
    here = alerts.subscribe(users["resident2"], scope="community", region=county["community"].pk)
    worker = users["community_staff"]
    alerts.subscribe(worker, scope="radius", latitude=LAT + Decimal("0.002"), longitude=LON, radius_m=300)
    elsewhere = make_user("resident9", Role.RESIDENT, phone="13600136009")
    alerts.subscribe(elsewhere, scope="community", region=county["other_community"].pk)
    other_topic = make_user("resident8", Role.RESIDENT, phone="13600136008")
    other_top = type(category).objects.filter(level=1).exclude(pk=category.top.pk).first()
    alerts.subscribe(other_topic, scope="community", region=county["community"].pk, category=other_top.pk)

    spot = make_spot([appeal], django_capture_on_commit_callbacks)
    row = nearby_notices(users["resident2"]).get()
    assert "幸福社区" in row.body and "新的热点问题" in row.body and row.link == "/insight/nearby-alerts/"
    assert nearby_notices(worker).count() == 1  # 222 m from the point, inside its 300 m
    assert not nearby_notices(elsewhere).exists() and not nearby_notices(other_topic).exists()
    assert AlertItem.objects.get(subscription=here).sent_at is not None
    # refreshed, saved again: told once
    spot.save()
    alerts.hotspot_created(spot.pk)
    assert nearby_notices(users["resident2"]).count() == 1


def test_a_reply_is_told_without_personal_data_and_not_to_the_appellant(
    appeal, users, county, django_capture_on_commit_callbacks
):
    alerts.subscribe(users["resident2"], scope="community", region=county["community"].pk)
    alerts.subscribe(users["resident"], scope="community", region=county["community"].pk)  # the appellant
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_directly(users["operator"], appeal.pk, text="路灯已安排维修，今晚恢复照明。")
    row = nearby_notices(users["resident2"]).get()
    assert "已答复" in row.body
    for secret in ("王建国", "13812345678", "201室"):
        assert secret not in row.body
    assert not nearby_notices(users["resident"]).exists()


def test_confidential_appeals_are_never_mentioned(
    make_appeal, users, county, category, django_capture_on_commit_callbacks
):
    secret = make_appeal(
        title="路灯坏了", content=CONTENT, region=county["grid"], category=category, confidential=True
    )
    alerts.subscribe(users["resident2"], scope="community", region=county["community"].pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_directly(users["operator"], secret.pk, text="路灯已安排维修，今晚恢复照明。")
    make_spot([secret], django_capture_on_commit_callbacks)
    assert not nearby_notices(users["resident2"]).exists()


def test_daily_digest_gathers_and_sends_once(
    appeal, make_appeal, users, county, category, django_capture_on_commit_callbacks
):
    alerts.subscribe(users["resident2"], scope="community", region=county["community"].pk, frequency="daily")
    make_spot([appeal], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_directly(users["operator"], appeal.pk, text="路灯已安排维修，今晚恢复照明。")
    assert (
        not Notification.objects.filter(recipient=users["resident2"])
        .exclude(kind="")
        .filter(kind__startswith="nearby")
        .exists()
    )  # nothing before the digest
    assert AlertItem.objects.filter(sent_at__isnull=True).count() == 2
    assert tasks.send_nearby_digests.call() == 1
    digest = nearby_notices(users["resident2"], "nearby_digest").get()
    assert "2条" in digest.subject and "新的热点问题" in digest.body and "已答复" in digest.body
    assert "王建国" not in digest.body
    assert alerts.send_daily_digests() == 0  # nothing left


def test_the_page_subscribes_lists_and_cancels(users, county):
    client = client_for(users["resident"])
    page = text(client.get("/insight/nearby-alerts/"))
    assert "附近提醒" in page and "还没有订阅" in page
    response = client.post(
        "/insight/nearby-alerts/",
        {"scope": "radius", "latitude": "", "longitude": "", "radius_m": "500", "frequency": "instant"},
    )
    assert response.status_code == 200 and "请填写地点的经纬度" in text(response)
    response = client.post(
        "/insight/nearby-alerts/",
        {"scope": "community", "region": county["community"].pk, "frequency": "daily", "category": ""},
    )
    assert response.status_code == 302
    sub = AlertSubscription.objects.get()
    assert "幸福社区" in text(client.get("/insight/nearby-alerts/"))
    assert client.post(f"/insight/nearby-alerts/{sub.pk}/cancel/").status_code == 302
    assert not AlertSubscription.objects.exists()
    assert client_for(users["handler"]).get("/insight/nearby-alerts/").status_code == 403


def test_the_api(users, county):
    api = APIClient()
    api.force_authenticate(users["grid_worker"])
    response = api.post(
        "/api/v1/insight/alerts/subscriptions/",
        {
            "scope": "radius",
            "latitude": "28.2285",
            "longitude": "112.9388",
            "radius_m": 800,
            "frequency": "daily",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert [s["id"] for s in api.get("/api/v1/insight/alerts/subscriptions/").json()] == [pk]
    bad = api.post("/api/v1/insight/alerts/subscriptions/", {"scope": "community"}, format="json")
    assert bad.status_code == 400 and "社区" in bad.content.decode()
    assert api.delete(f"/api/v1/insight/alerts/subscriptions/{pk}/").status_code == 204
    assert not AlertSubscription.objects.exists()

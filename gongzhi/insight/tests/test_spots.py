"""Stored hot spots as people meet them: listed when hot, the heat in words, a name that sticks, cooling."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.core.errors import ServiceError
from gongzhi.core.models import AuditEvent
from gongzhi.core.testing import client_for, text
from gongzhi.insight import spots
from gongzhi.insight.models import HotSpot, HotSpotMember


def _spot(appeals, **fields):
    now = timezone.now()
    values = {
        "label": "幸福小区 路灯不亮",
        "place": "幸福小区",
        "heat": 5.0,
        "size": len(appeals),
        "residents": 2,
        "start": now - timedelta(days=3),
        "end": now - timedelta(days=1),
    } | fields
    spot = HotSpot.objects.create(**values)
    HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal=a) for a in appeals])
    return spot


@pytest.fixture
def three(make_appeal, users):
    return [make_appeal(), make_appeal(users["resident2"]), make_appeal()]


def test_only_what_is_hot_is_listed(users, three, make_appeal):
    hot = _spot(three)
    _spot([make_appeal(), make_appeal(users["resident2"])], label="两件")  # fewer than 3 appeals
    _spot([make_appeal() for _ in range(3)], label="一人三件", residents=1)  # one person
    assert [r["spot"].pk for r in spots.hotspot_rows(users["leader"])] == [hot.pk]


def test_the_heat_in_words():
    now = timezone.now()
    spot = HotSpot(
        size=15, residents=12, growth=0.4, start=now - timedelta(days=10), end=now - timedelta(hours=2)
    )
    words = spots.heat_words(spot, now)
    start = timezone.localtime(spot.start)
    assert (
        words
        == f"12 位居民反映 15 件 · 自 {start.year}年{start.month}月{start.day}日起 · 近两周明显增多，仍在升温"
    )
    spot.end = now - timedelta(days=40)
    assert spots.heat_words(spot, now).endswith("已 40 天无新诉求，正在降温")
    spot.end, spot.growth = now, 0.0
    assert spots.heat_words(spot, now).endswith("近两周持平")
    assert "log2" not in words and "热度" not in words


def test_a_name_sticks_and_is_audited(users, three):
    spot = _spot(three)
    spots.rename_hotspot(users["dispatcher"], spot.pk, "  幸福小区  路灯长期不亮 ")
    spot.refresh_from_db()
    assert spot.name == "幸福小区 路灯长期不亮" and spot.title == "幸福小区 路灯长期不亮"
    event = AuditEvent.objects.get(action="hotspot_rename")
    assert (
        event.target == f"hotspot:{spot.pk}"
        and event.before["name"] == ""
        and event.after["name"] == spot.name
    )
    # the clustering goes on relabelling; the name stays what people read
    HotSpot.objects.filter(pk=spot.pk).update(label="幸福小区 电灯坏了")
    spot.refresh_from_db()
    assert spot.title == "幸福小区 路灯长期不亮"
    spots.rename_hotspot(users["dispatcher"], spot.pk, "")
    spot.refresh_from_db()
    assert spot.title == "幸福小区 电灯坏了"
    assert AuditEvent.objects.filter(action="hotspot_rename").count() == 2


def test_who_may_name_and_how_long(users, three):
    spot = _spot(three)
    with pytest.raises(ServiceError) as denied:
        spots.rename_hotspot(users["handler"], spot.pk, "随便")
    assert denied.value.code == "forbidden"
    with pytest.raises(ServiceError) as long:
        spots.rename_hotspot(users["leader"], spot.pk, "长" * 61)
    assert long.value.field == "name"
    with pytest.raises(ServiceError):
        spots.rename_hotspot(users["leader"], 999999, "无")


def test_the_page_names_and_explains(users, three):
    spot = _spot(three)
    client = client_for(users["leader"])
    page = text(client.get(reverse("insight:hotspots")))
    assert "幸福小区 路灯不亮" in page and "2 位居民反映 3 件" in page
    assert "log2" not in page and "泊松" not in page
    response = client.post(reverse("insight:hotspot_rename", args=[spot.pk]), {"name": "幸福小区路灯"})
    assert response.status_code == 302 and response["Location"].endswith(f"#hotspot-{spot.pk}")
    page = text(client.get(reverse("insight:hotspots")))
    assert "幸福小区路灯" in page and "自动生成的名称：幸福小区 路灯不亮" in page
    # too long: told under the box, with what was typed still in it; nothing changed
    response = client.post(reverse("insight:hotspot_rename", args=[spot.pk]), {"name": "长" * 70})
    page = text(response)
    assert response.status_code == 400 and f'id="name-error-{spot.pk}" role="alert"' in page
    assert "名称最多 60 个字" in page and f'value="{"长" * 70}"' in page
    spot.refresh_from_db()
    assert spot.name == "幸福小区路灯"
    # a handler may not; a hot spot the user cannot see is not found
    assert (
        client_for(users["handler"])
        .post(reverse("insight:hotspot_rename", args=[spot.pk]), {"name": "x"})
        .status_code
        == 403
    )
    other = _spot([], label="看不见")
    assert client.post(reverse("insight:hotspot_rename", args=[other.pk]), {"name": "x"}).status_code == 404


def test_the_api_lists_and_names(users, three):
    spot = _spot(three)
    api = APIClient()
    api.force_authenticate(users["leader"])
    body = api.get("/api/v1/insight/hotspots/").json()
    assert [r["id"] for r in body] == [spot.pk]
    assert body[0]["title"] == "幸福小区 路灯不亮" and body[0]["heat_words"].startswith("2 位居民反映 3 件")
    assert sorted(body[0]["appeals"]) == sorted(a.pk for a in three)
    assert spots.hotspot_rows(users["leader"], only=spot.pk)[0]["rank"] == 1
    assert spots.hotspot_rows(users["leader"], only=999999) == []
    response = api.patch(f"/api/v1/insight/hotspots/{spot.pk}/", {"name": "幸福小区路灯"}, format="json")
    assert response.status_code == 200 and response.json()["title"] == "幸福小区路灯"
    assert response.json()["label"] == "幸福小区 路灯不亮"
    too_long = api.patch(f"/api/v1/insight/hotspots/{spot.pk}/", {"name": "长" * 70}, format="json")
    assert too_long.status_code == 400
    resident = APIClient()
    resident.force_authenticate(users["resident"])
    assert resident.get("/api/v1/insight/hotspots/").status_code == 403
    handler = APIClient()
    handler.force_authenticate(users["handler"])
    assert handler.patch(
        f"/api/v1/insight/hotspots/{spot.pk}/", {"name": "x"}, format="json"
    ).status_code in (403, 404)


def test_quiet_hot_spots_cool(users, make_appeal):
    from gongzhi.insight import live

    old = timezone.now() - timedelta(days=200)
    appeals = [
        make_appeal(
            users["resident" if i % 2 else "resident2"],
            title="幸福小区路灯不亮",
            content="幸福小区3栋门口的路灯坏了，晚上出行不安全。",
        )
        for i in range(3)
    ]
    from gongzhi.appeals.models import Appeal

    for i, a in enumerate(appeals):
        Appeal.objects.filter(pk=a.pk).update(received_at=old + timedelta(hours=i))
    spot = _spot(appeals, start=old, end=old + timedelta(hours=2), updated_at=old + timedelta(hours=2))
    live.refresh(spot)  # as when its last appeal came: heat counted at that time…
    HotSpot.objects.filter(pk=spot.pk).update(updated_at=old + timedelta(hours=2), heat=9.0)
    assert spots.cool_hotspots() == 1
    spot.refresh_from_db()
    assert spot.heat < 9.0  # …and 200 quiet days later it has cooled
    assert spots.cool_hotspots() == 0  # fresh today: nothing to do

"""Hot spots on the map and the leaders' map on the dashboard (issue J)."""

import json
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from gongzhi.core.testing import client_for, give_boundaries, text
from gongzhi.insight.models import HotSpot, HotSpotMember
from gongzhi.insight.spots import hotspot_points, hotspot_rows

pytestmark = pytest.mark.usefixtures("list_small_hotspots")


def _spot(label, heat, appeals):
    spot = HotSpot.objects.create(label=label, heat=heat, size=len(appeals))
    HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal=a) for a in appeals])
    return spot


def _json(page: str, element_id: str):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no #{element_id} on the page"
    return json.loads(found.group(1))


def test_a_hot_spot_stands_at_the_centre_of_its_placed_appeals(users, county, make_appeal):
    give_boundaries(county)
    a = make_appeal(longitude=Decimal("112.1"), latitude=Decimal("28.2"))
    b = make_appeal(longitude=Decimal("112.2"), latitude=Decimal("28.4"))
    c = make_appeal()  # no place: not in the centre's sum
    spot = _spot("路灯不亮", 3.0, [a, b, c])
    _spot("无位置", 2.0, [make_appeal()])
    points = hotspot_points(hotspot_rows(users["leader"]))
    assert len(points) == 1
    assert (points[0]["longitude"], points[0]["latitude"]) == (112.15, 28.3)
    assert points[0]["url"] == f"#hotspot-{spot.pk}" and points[0]["kind_class"] == "hot"
    page = text(client_for(users["leader"]).get(reverse("insight:hotspots")))
    assert 'id="hotspot-map"' in page and _json(page, "hotspot-points") == points


def test_the_leaders_map_has_the_week_and_the_hot_spots(users, county, make_appeal):
    from datetime import timedelta

    from django.utils import timezone

    from gongzhi.appeals.models import Appeal

    give_boundaries(county)
    recent = make_appeal(longitude=Decimal("112.1"), latitude=Decimal("28.2"))
    old = make_appeal(longitude=Decimal("112.1"), latitude=Decimal("28.3"))
    Appeal.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(days=9))
    _spot("路灯不亮", 3.0, [recent, old])
    client = client_for(users["leader"])
    page = text(client.get(reverse("insight:overview")))
    assert [p["id"] for p in _json(page, "leaders-appeals")] == [recent.pk]
    assert len(_json(page, "leaders-hotspots")) == 1
    other = text(client.get(reverse("insight:street", args=[county["other_street"].pk])))
    assert _json(other, "leaders-appeals") == [] and _json(other, "leaders-hotspots") == []
    today = text(client.get(reverse("insight:overview"), {"map": "today"}))
    assert [p["id"] for p in _json(today, "leaders-appeals")] == [recent.pk]

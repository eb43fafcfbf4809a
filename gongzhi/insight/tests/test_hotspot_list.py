"""The hot-spot list reads the stored hot spots in heat order and shows each user only what they may see."""

import pytest

from gongzhi.appeals import services
from gongzhi.insight.models import HotSpot, HotSpotMember
from gongzhi.insight.spots import hotspot_rows

pytestmark = pytest.mark.usefixtures("list_small_hotspots")


def _spot(label, heat, appeals):
    spot = HotSpot.objects.create(label=label, heat=heat, size=len(appeals))
    HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal=a) for a in appeals])
    return spot


def test_heat_order_scope_and_members(users, units, make_appeal):
    a, b, c, d = (make_appeal(title=f"路灯不亮第{i}处") for i in range(4))
    services.dispatch(users["dispatcher"], a.pk, lead_unit=units["housing"])
    services.dispatch(users["dispatcher"], c.pk, lead_unit=units["hrss"])
    cool = _spot("冷", 1.0, [a, b])
    hot = _spot("热", 5.0, [c, d])
    HotSpot.objects.create(label="空", heat=9.0)  # no members (its appeals were deleted): never listed

    rows = hotspot_rows(users["leader"])
    assert [r["spot"].pk for r in rows] == [hot.pk, cool.pk]
    assert [m.pk for m in rows[0]["members"]] == [c.pk, d.pk] and [m.pk for m in rows[1]["members"]] == [
        a.pk,
        b.pk,
    ]
    assert [r["rank"] for r in rows] == [1, 2]
    assert [r["spot"].pk for r in hotspot_rows(users["leader"], limit=1)] == [hot.pk]
    # one hot spot's row, with its place in the ranking (the rename's check and answer)
    [row] = hotspot_rows(users["leader"], only=cool.pk)
    assert row["rank"] == 2 and [m.pk for m in row["members"]] == [a.pk, b.pk]
    assert hotspot_rows(users["handler"], only=hot.pk) == []

    # The housing handler sees only appeals led by their unit: one hot spot, one member of it.
    rows = hotspot_rows(users["handler"])
    assert [r["spot"].pk for r in rows] == [cool.pk]
    assert [m.pk for m in rows[0]["members"]] == [a.pk]
    assert hotspot_rows(users["community_handler"]) == []

"""The platform's gazetteer: regions, learnt names and edited entries, and the live hot spots that read it."""

import pytest
from django.contrib.admin.sites import AdminSite
from django.test import RequestFactory

from gongzhi.core.models import AuditEvent
from gongzhi.insight import gazetteer, hotspots
from gongzhi.insight.admin import PlaceAdmin
from gongzhi.insight.models import Place, PlaceSource


@pytest.fixture(autouse=True)
def _fresh():
    gazetteer.invalidate()
    yield
    gazetteer.invalidate()


def test_learnt_from_the_appeals_and_counted(make_appeal, users):
    for i in range(3):
        make_appeal(title=f"丽发新城小区附近搅拌站噪音{i}", content="丽发新城小区旁边建搅拌站，日夜施工。")
    make_appeal(
        title="伊景园滨河苑捆绑销售车位", content="伊景园滨河苑强制捆绑销售车位，请有关部门处理。"
    )  # once: not learnt
    result = gazetteer.learn_places()
    place = Place.objects.get(key="丽发新城")
    assert place.name == "丽发新城小区" and place.appeals == 3 and place.source == PlaceSource.LEARNT
    assert not Place.objects.filter(key__contains="伊景园").exists()
    assert result["added"] >= 1
    assert gazetteer.learn_places() == {"added": 0, "updated": 0}  # idempotent


def test_regions_are_places(county):
    g = gazetteer.current()
    assert county["community"].name in g.names.values() or any(
        county["community"].name.startswith(k) for k in g.names
    )


def test_an_editor_refuses_a_word_and_learning_leaves_the_entry_alone(make_appeal, users):
    for i in range(2):
        make_appeal(
            title=f"请A市市委市政府加快银杉路建设{i}",
            content="银杉路一直没有修好，出行很不方便，请加快建设。",
        )
    gazetteer.learn_places()
    place = Place.objects.get(key="银杉路")
    admin = PlaceAdmin(Place, AdminSite())
    request = RequestFactory().post("/")
    request.user = users["admin"]
    admin.refuse(request, Place.objects.filter(pk=place.pk))
    place.refresh_from_db()
    assert place.refused and place.source == PlaceSource.EDITED
    event = AuditEvent.objects.get(action="place_edit")
    assert event.before["refused"] is False and event.after["refused"] is True
    g = gazetteer.current()
    assert g.locate("银杉路又堵了") == ("", "")
    gazetteer.learn_places()
    place.refresh_from_db()
    assert place.refused  # learning never overwrites an edit


def test_an_alias_joins_two_spellings(users):
    place = Place.objects.create(key="伊景园滨河苑", name="伊景园滨河苑", aliases="武广新城，滨河院小区")
    gazetteer.record_edit(users["admin"], place, None)
    g = gazetteer.current()
    assert g.locate("投诉武广新城捆绑车位")[1] == "伊景园滨河苑"
    item = hotspots.make_item("1", "投诉武广新城捆绑车位", "", gazetteer=g)
    assert item.place == "伊景园滨河苑"


def test_live_hot_spots_use_the_gazetteer(make_appeal, users):
    from gongzhi.insight import live

    Place.objects.create(key="幸福小区", name="幸福家园小区", source=PlaceSource.EDITED)
    live._INDEXES.clear()
    appeal = make_appeal(title="幸福小区路灯不亮", content="幸福小区3栋门口路灯坏了。")
    try:
        assert live._item(appeal).place == "幸福家园小区"
    finally:
        live._INDEXES.clear()

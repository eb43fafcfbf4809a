"""The demo joins its replayed appeals to hot spots after each chunk (the replay queues no analysis task)."""

from gongzhi.demo.loader import join_hotspots
from gongzhi.insight import live
from gongzhi.insight.models import HotSpot

LEAK = ("小区违章建筑没人管", "A3区幸福小区一楼住户违章搭建，占用消防通道，城管不管。")


def test_demo_appeals_join_hot_spots_in_the_order_they_came(make_appeal, users):
    live._INDEXES.clear()
    first = make_appeal(title=LEAK[0], content=LEAK[1])  # on-commit analysis never runs in a test transaction
    second = make_appeal(users["resident2"], title=LEAK[0], content=LEAK[1] + "请尽快处理。")
    other = make_appeal(title="公交站台缺少遮雨棚", content="幸福路公交站台没有遮雨棚，雨天候车的老人淋雨。")
    assert not HotSpot.objects.exists()
    try:
        join_hotspots([first.pk, second.pk, other.pk])
    finally:
        live._INDEXES.clear()
    spot = HotSpot.objects.get()
    assert set(spot.members.values_list("appeal_id", flat=True)) == {first.pk, second.pk}

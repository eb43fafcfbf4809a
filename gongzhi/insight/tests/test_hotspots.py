import json

from django.core.management import call_command

from gongzhi.insight import hotspots

from .conftest import write_csv

ROWS = [
    {"id": "1", "title": "A2区丽发新城附近修建搅拌站，噪音污染严重", "detail": "A市暮云街道丽发新城小区旁边建搅拌站，日夜施工，灰尘大。",
     "time": "2019-12-02 10:00:00", "likes": "10", "dislikes": "0", "user": "u1"},
    {"id": "2", "title": "丽发新城小区旁搅拌站粉尘大", "detail": "A市丽发新城小区附近搅拌站粉尘大，噪音扰民，孩子没法睡觉。",
     "time": "2019-12-05 09:00:00", "likes": "3", "dislikes": "1", "user": "u2"},
    {"id": "3", "title": "投诉A市丽发新城小区搅拌站扰民", "detail": "A市暮云街道丽发新城小区附近的搅拌站噪音扰民，灰尘严重。",
     "time": "2019-12-20 21:00:00", "likes": "0", "dislikes": "0", "user": "u3"},
    {"id": "4", "title": "A7县星沙一桥从早堵到晚", "detail": "A7县星沙一桥每天从早堵到晚，建议拓宽。",
     "time": "2019-06-01 08:00:00", "likes": "0", "dislikes": "0", "user": "u4"},
    {"id": "5", "title": "A7县星沙一桥从早堵到晚不见整改", "detail": "A7县星沙一桥每天从早堵到晚，什么时候拓宽？",
     "time": "2019-06-10 08:00:00", "likes": "0", "dislikes": "0", "user": "u4"},
    {"id": "6", "title": "咨询A市人才购房补贴", "detail": "请问硕士毕业在A市买房能领补贴吗？", "time": "2019-03-01 08:00:00",
     "likes": "0", "dislikes": "0", "user": "u6"},
]


def test_clusters_and_heat_ranking():
    result = hotspots.find_hotspots(ROWS)
    assert [r["ids"] for r in result] == [["1", "2", "3"], ["4", "5"]]  # singletons are not hot spots
    first = result[0]
    assert first["rank"] == 1 and first["size"] == 3
    assert "丽发新城" in first["place"] and first["label"].startswith("丽发新城小区")
    assert first["start"] == "2019-12-02 10:00:00" and first["end"] == "2019-12-20 21:00:00"
    assert first["heat"] > result[1]["heat"]
    assert first["residents"] == 3 and result[1]["residents"] == 1
    assert first["net_likes"] == 12


def test_incremental_index_joins_or_opens():
    index = hotspots.HotspotIndex()
    roots = [index.add(hotspots.make_item(r["id"], r["title"], r["detail"], r["time"])) for r in ROWS[:4]]
    assert roots[0] == roots[1] == roots[2]
    assert roots[3] != roots[0]
    assert index.add(hotspots.make_item("7", "星沙一桥太堵了，从早堵到晚", "A7县星沙一桥从早堵到晚，建议拓宽改造",
                                        "2019-06-12")) == roots[3]


def test_far_apart_in_time_do_not_link():
    rows = [dict(ROWS[3]), dict(ROWS[4], time="2020-06-10 08:00:00")]
    assert all(r["size"] == 1 for r in hotspots.find_hotspots(rows))


def test_command_prints_the_contract(tmp_path, capsys):
    path = write_csv(tmp_path / "in.csv", [{k: v for k, v in r.items() if k in ("id", "title", "detail", "time")}
                                           for r in ROWS], ["id", "title", "detail", "time"])
    call_command("hotspots", input=str(path), top=1)
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert len(result) == 1
    assert set(result[0]) == {"rank", "heat", "label", "place", "start", "end", "size", "ids"}
    assert result[0]["ids"] == ["1", "2", "3"]

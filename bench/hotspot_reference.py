"""The labelled reference set of hot spots, and the clustering measured against it.

How the reference was made (issue L): for each problem that appeals of ../shared/data/appeals/hotspot_messages.csv
raise again and again, a pattern for its place (and, where the place has several problems, one for the problem)
found the candidates; every candidate's title and text were then read and the ones about another problem or
another place were struck out by id (EXCLUDE below). What is left is one reference hot spot: one problem in one
place. Messages in no reference hot spot are treated as unknown (they may form hot spots nobody labelled), so
precision is counted over the predicted pairs that touch at least one reference message.

    .venv/bin/python bench/hotspot_reference.py          # figures on the whole file (needs ../shared)
    .venv/bin/python bench/hotspot_reference.py --write  # rewrite the reference kept in the tests

--write stores the reference (gongzhi/insight/tests/data/hotspot_reference.csv) and the messages the tests read
(every reference message and a fixed sample of 900 others as distractors, details cut to 300 characters).
"""

import csv
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SOURCE = ROOT.parent / "shared" / "data" / "appeals" / "hotspot_messages.csv"
TEST_DATA = ROOT / "gongzhi" / "insight" / "tests" / "data"

# (place, problem, place pattern, problem pattern, ids struck out after reading them)
REFERENCE = [
    ("伊景园滨河苑", "捆绑销售车位", r"滨河苑|伊景园|广铁", r"车位|购房|霸王|捆绑", ""),
    ("丽发新城小区", "搅拌站噪音粉尘扰民", r"丽发", r"搅拌", ""),
    (
        "魅力之城小区",
        "底层商铺油烟噪音扰民",
        r"魅力之城",
        r"油烟|烧烤|夜宵|噪音|排烟|门面|商铺|门店",
        "204697",
    ),
    ("魅力之城小区", "楼板墙面开裂", r"魅力之城", r"开裂", ""),
    ("A市经济学院", "强制学生外出实习", r"经济学院", r"实习", ""),
    ("A市58车贷", "立案后案件无进展", r"58车[贷货]", r"", "275171"),
    ("星沙凉塘路", "旧城改造迟迟不启动", r"凉塘", r"改造", "197964 199330 261776"),
    ("月亮岛路", "架设110kV高压线", r"月亮岛路", r"高压", "200480 225849"),
    ("泉星公园", "项目规划优化", r"泉星公园", r"规划|效果图", "256263 245801 193337 278099"),
    ("经开区东六线以西", "片区规划", r"东六线以西", r"", ""),
    (
        "江山帝景",
        "新房安全隐患",
        r"江山帝景",
        r"安全隐患|脏乱差",
        "192257 198225 199836 208669 212901 219454 249262 269465 289012",
    ),
    ("新国道107", "距房屋3米不拆迁", r"国道107", r"拆迁|3米|三米", ""),
    ("诺亚山林小区", "门口设置医院", r"诺亚山林", r"医院", ""),
    ("辉煌国际城二期", "居民楼下违法开饭店", r"辉煌国际城", r"", ""),
    ("星沙中茂城", "拖欠购房资金不退", r"中[茂贸]城", r"", "200944 227925 237500 280718 280776 289783"),
    ("805路公交", "改道走木莲中路", r"805", r"木莲", "191111 224586 239190 242542"),
    ("楚郡未来实验学校", "四年级上调学费", r"楚郡未来", r"学费", ""),
    ("兰亭湾畔小区", "违规开餐饮", r"兰亭湾畔", r"餐", "201930 216785 284065"),
    ("茶场村五组", "征地拆迁规划", r"茶场村", r"", "238352"),
    ("福满新城二期", "施工噪音扰民", r"福满新城", r"施工|噪音", ""),
    ("中海国际社区", "夜间施工噪音", r"中海国际", r"施工|噪音", ""),
    ("青青家园", "消防通道架设烟道", r"青青家园|青山新村", r"烟道|消防", "206379 267713"),
    ("圣力华苑", "两证合一", r"圣力华苑", r"两证", ""),
    ("晟福兴汝金城二期", "虚假宣传", r"汝金城", r"虚假宣传", ""),
    ("梅溪湖嘉顺苑安置小区", "房屋质量差", r"嘉顺苑|梅溪湖安置", r"质量", ""),
    ("保利大都汇", "虚假宣传调整规划", r"大都汇", r"", ""),
    ("星沙派小区", "违法建设", r"星沙派", r"违|不符", "194168 206197 219170 239227 245722 257747"),
    ("南塘", "增设城轨公交站", r"南塘城轨", r"", ""),
    ("聚利网", "涉嫌诈骗", r"聚利|利聚人", r"", ""),
    (
        "五矿万境",
        "交房后房屋质量问题",
        r"五矿万境",
        r"质量|开裂|隐患|问题|缩水",
        "198961 200754 202575 208577 212349 216316 243551 252786 266931 271488 283732",
    ),
    ("绿地海外滩", "高铁线路太近噪音", r"海外滩", r"高铁|噪音", "238400 246974"),
    ("建发泱玺雅苑", "学区划分不合理", r"[泱央]玺", r"学区", ""),
    ("地铁1号线北延线", "何时开工", r"1号线|一号线", r"北延|延长线", ""),
]


def read_source() -> list[dict]:
    with SOURCE.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build(rows: list[dict]) -> list[dict]:
    out = []
    for n, (place, problem, place_re, problem_re, excluded) in enumerate(REFERENCE, 1):
        struck = set(excluded.split())
        for row in rows:
            text = row["title"] + row["detail"]
            if (
                row["id"] in struck
                or not re.search(place_re, text)
                or (problem_re and not re.search(problem_re, text))
            ):
                continue
            out.append({"spot": n, "place": place, "problem": problem, "id": row["id"]})
    return out


def write(rows: list[dict], reference: list[dict]) -> None:
    TEST_DATA.mkdir(parents=True, exist_ok=True)
    with (TEST_DATA / "hotspot_reference.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, ["spot", "place", "problem", "id"])
        w.writeheader()
        w.writerows(reference)
    members = {r["id"] for r in reference}
    others = sorted(r["id"] for r in rows if r["id"] not in members)
    sample = set(random.Random(19).sample(others, 900)) | members
    with (TEST_DATA / "hotspot_messages.csv").open("w", encoding="utf-8", newline="") as f:
        keys = ["id", "user", "title", "time", "detail", "likes", "dislikes"]
        w = csv.DictWriter(f, keys)
        w.writeheader()
        for row in rows:
            if row["id"] in sample:
                w.writerow({k: (row[k][:300] if k == "detail" else row[k]) for k in keys})


def main() -> None:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    os.environ.setdefault("GONGZHI_DEBUG", "1")
    django.setup()
    from gongzhi.insight import hotspots

    rows = read_source()
    reference = build(rows)
    if "--write" in sys.argv:
        write(rows, reference)
    started = time.perf_counter()
    found = hotspots.find_hotspots(rows)
    seconds = time.perf_counter() - started
    every = hotspots.find_hotspots(rows, min_size=1, min_residents=1)  # the clusters, small ones included
    figures = hotspots.compare_with_reference(
        [r["ids"] for r in every], {r["id"]: r["spot"] for r in reference}
    )
    by_spot = {}
    for r in reference:
        by_spot.setdefault(r["spot"], []).append(r["id"])
    print(f"messages {len(rows)}, reference hot spots {len(by_spot)} holding {len(reference)} messages")
    for r in found[:10]:
        print(f"  {r['rank']:>2} {r['size']:>3} {r['label']}")
    big = [s for s, ids in by_spot.items() if len(ids) >= 7]
    top_ids = [set(r["ids"]) for r in found[:10]]
    in_top = [
        s for s in big if any(len(set(by_spot[s]) & t) / len(set(by_spot[s]) | t) >= 0.5 for t in top_ids)
    ]
    print(
        json.dumps(
            {
                **figures,
                "reference_7_plus": len(big),
                "reference_7_plus_in_top10": len(in_top),
                "seconds": round(seconds, 2),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()

"""Build the annotated set that measures gongzhi.core.redaction (tests: gongzhi/core/tests/data/redaction_set.json).

How the set was made (docs/privacy.md):
1. From ../shared/data/appeals (TipDM 2020 problem C: real messages residents left on a city's message board),
   every text of at most 320 characters, deduplicated by text, in a fixed pseudo-random order (seed 20261207).
2. The first 140 that contain a cue of personal data (a digit run, 我叫/我是/本人/联系人/姓名, 栋/单元/室/门牌,
   先生/女士, a plate-like letter run) and the first 60 that contain none: 200 texts.
3. Spans are proposed by broad rules independent of the redactor (any run of 7+ digits, an intro word and the
   2–3 characters after it, a number with 栋/单元/室/号/楼, a letter+5 alnum run after a CJK character,
   a character + 先生/女士), then each text was read and the proposals corrected by hand: the corrections
   (REMOVE: proposals that are not personal data, ADD: spans the rules missed) are the lists below, keyed by
   the text's position in the set. What counts as personal data: a person's name, phone and ID numbers, a
   building/unit/room number of a home or shop, a plate number. A street, a community, a company, a number
   already masked by the publisher (x, *), a floor alone, a road number are not.
Run: .venv/bin/python scripts/build_redaction_set.py [--review]  (--review prints the proposals to read).
"""

import csv
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data" / "appeals"
OUT = ROOT / "gongzhi" / "core" / "tests" / "data" / "redaction_set.json"
FILES = ("labeled.csv", "unlabeled.csv", "hotspot_messages.csv", "replies.csv")

CUE = re.compile(r"\d{3,}|我叫|我是|本人|联系人|姓名|栋|单元|室|门牌|先生|女士|[A-Z][A-Z0-9]{4,}")
PROPOSERS = {
    "phone_or_id": re.compile(r"(?<![\dA-Za-z])[\d\-+ ]{7,}[\dXx](?![\dA-Za-z])"),
    "name": re.compile(r"(?:我叫|我是|本人叫|联系人[:：]?|姓名[:：]?|户主[:：]?)([\u4e00-\u9fa5]{2,3})"),
    "house": re.compile(
        r"(?:[A-Za-z]?\d{1,4}|[一二三四五六七八九十]{1,3})(?:栋|幢|号楼|单元|室|号房|户)"
        r"(?:[\-]?(?:\d{1,4}|[一二三四五六七八九十]{1,3})(?:单元|楼|层|室|号|户)?){0,3}"
    ),
    "plate": re.compile(r"[\u4e00-\u9fa5][A-Z][·•]?[A-Z0-9]{5,6}(?![A-Z0-9])"),
    "honorific": re.compile(r"[\u4e00-\u9fa5](?:先生|女士|小姐)"),
}
KIND = {"phone_or_id": "number", "name": "name", "house": "house", "plate": "plate", "honorific": "name"}

# Hand corrections after reading every text (index in the set → spans as exact substrings).
# Names: every full name (surname + given name) of a resident, a named worker, owner or local cadre; not the
# leaders a letter is addressed to by title (胡书记, 张健厅长, 市委书记易炼红), not a surname alone (曾姓, 田老板).
REMOVE: dict[int, list[str]] = {
    5: ["榔梨镇"],
    12: ["3室2", "5室1", "0000-00000000"],
    13: ["来自"],
    14: ["一驻"],
    18: ["住在楚"],
    20: ["3522户"],
    23: ["西地省"],
    24: ["一名货"],
    27: ["西地省"],
    40: ["在某单"],
    50: ["建楚新"],
    61: ["怀铁一"],
    74: ["一栋", "一个打"],
    78: ["286户"],
    80: ["来自宁"],
    81: ["一西地"],
    82: ["流沙河"],
    85: ["虾先生"],
    96: ["四户"],
    102: ["西地省"],
    111: ["一位大"],
    112: ["6栋8"],
    114: ["1栋"],
    119: ["一名已"],
    122: ["一名"],
    123: ["住在"],
    128: ["一名货"],
    129: ["2012-2014"],
    130: ["500户"],
    132: ["一户"],
    134: ["西地省"],
}
ADD: dict[int, list[tuple[str, str]]] = {
    0: [("name", "高红晓")],
    12: [("house", "2-204"), ("house", "304")],
    13: [("name", "徐莎")],
    55: [("name", "何强毅")],
    63: [("name", "刘瑶琼")],
    78: [("name", "蒋松海"), ("name", "罗辉丘")],
    82: [("name", "王初阳")],
    91: [("name", "蒋情")],
    102: [("name", "王芳仁")],
    103: [("name", "胡兴德")],
    107: [("name", "李邦安")],
    112: [("house", "6栋"), ("house", "8栋")],
    114: [("house", "T9-1栋")],
    124: [("name", "涂华昌")],
}


# A second set, read after the rules were written and before they were changed again (a held-out measurement):
# the next 60 cued texts with a strong cue (HELD_CUE) after the 140 above, each annotated by reading.
HELD_CUE = re.compile(
    r"我叫|联系人|姓名|栋|单元|室|门牌|先生|女士|[\u4e00-\u9fa5][A-Z][A-Z0-9]{5}|村民|户主|"
    r"业主[\u4e00-\u9fa5]{2,3}[，,]"
)
HELD: dict[int, list[tuple[str, str]]] = {
    1: [("house", "12栋二单元1407")],
    2: [("house", "25-26#楼"), ("house", "25#楼")],
    3: [("name", "黄新乃")],
    4: [("house", "10栋1单元")],
    6: [("name", "陈红扬"), ("house", "65栋")],
    7: [("house", "16栋")],
    8: [("house", "10栋")],
    11: [("house", "R栋")],
    13: [("name", "刘永光"), ("house", "1栋2单元407"), ("house", "411房")],
    15: [("house", "2栋")],
    16: [("house", "54，55栋")],
    17: [("name", "贺山立")],
    18: [("house", "7、8栋")],
    19: [("name", "王先生")],
    20: [("house", "B8栋")],
    21: [("house", "1栋")],
    23: [("house", "4栋")],
    24: [("house", "14栋"), ("house", "15栋"), ("house", "14、15栋")],
    25: [("house", "17栋")],
    27: [("name", "舒军社"), ("name", "舒勇")],
    28: [("house", "41、42、44栋")],
    29: [("house", "1栋")],
    30: [("name", "龚超")],
    31: [("house", "27栋"), ("house", "32栋")],
    33: [("house", "1栋二单元")],
    35: [("house", "7栋1单元201室")],
    36: [("name", "邓成楚"), ("house", "405号"), ("house", "25栋101号")],
    37: [("house", "3栋2单元5楼505室")],
    38: [("house", "84栋")],
    39: [("house", "A栋")],
    42: [("house", "A6栋")],
    47: [("house", "七栋")],
    48: [
        ("house", "23栋101"),
        ("house", "11栋101"),
        ("house", "16栋101"),
        ("house", "17栋102"),
        ("house", "55栋101"),
        ("house", "54栋105"),
    ],
    50: [("name", "田强益")],
    52: [("name", "陈新华")],
    53: [("house", "7栋2单元20层")],
    54: [("house", "4栋")],
    55: [("house", "H栋")],
    56: [("house", "9栋1819号房"), ("house", "9栋1412号房")],
    59: [("name", "屈维新"), ("house", "B1栋（706）")],
}


def texts(held: bool = False) -> list[dict]:
    seen, rows = set(), []
    for name in FILES:
        with open(DATA / name, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                text = (r.get("detail") or "").strip()
                if 20 <= len(text) <= 320 and text not in seen:
                    seen.add(text)
                    rows.append({"source": f"{name}:{r.get('id') or ''}", "text": text})
    random.Random(20261207).shuffle(rows)
    cued = [r for r in rows if CUE.search(r["text"])]
    plain = [r for r in rows if not CUE.search(r["text"])][:60]
    if held:
        return [r for r in cued[140:] if HELD_CUE.search(r["text"])][:60]
    return cued[:140] + plain


def propose(text: str) -> list[dict]:
    spans = []
    for key, regex in PROPOSERS.items():
        for m in regex.finditer(text):
            g = 1 if regex.groups else 0
            spans.append({"start": m.start(g), "end": m.end(g), "kind": KIND[key], "text": m.group(g)})
    return sorted(spans, key=lambda s: s["start"])


def build() -> list[dict]:
    out = []
    for i, row in enumerate(texts()):
        spans = [s for s in propose(row["text"]) if s["text"] not in REMOVE.get(i, [])]
        for kind, sub in ADD.get(i, []):  # every occurrence
            spans += [
                {"start": m.start(), "end": m.end(), "kind": kind, "text": sub}
                for m in re.finditer(re.escape(sub), row["text"])
            ]
        out.append({"n": i, **row, "spans": sorted(spans, key=lambda s: s["start"])})
    return out


def build_held() -> list[dict]:
    out = []
    for i, row in enumerate(texts(held=True)):
        spans = [
            {"start": m.start(), "end": m.end(), "kind": kind, "text": sub}
            for kind, sub in HELD.get(i, [])
            for m in re.finditer(re.escape(sub), row["text"])
        ]
        out.append({"n": i, **row, "spans": sorted(spans, key=lambda s: s["start"])})
    return out


if __name__ == "__main__":
    if "--held" in sys.argv:
        rows = build_held()
        path = OUT.with_name("redaction_heldout.json")
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{len(rows)} texts, {sum(len(r['spans']) for r in rows)} spans → {path}")
        sys.exit()
    rows = build()
    if "--review" in sys.argv:
        for r in rows:
            print(f"[{r['n']}] {r['text']}\n    -> {[(s['kind'], s['text']) for s in r['spans']]}")
    else:
        OUT.write_text(json.dumps(rows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        print(f"{len(rows)} texts, {sum(len(r['spans']) for r in rows)} spans → {OUT}")

"""The place gazetteer: which words of an appeal name a place (an estate/小区, a road, a village, a school, a
landmark), and the one key several spellings of that place share.

A hot spot is one problem in one place, so the place must be a real one: "如果政府", "A市市委市政府" or "F6县恳请
政府" are not places, and "A5区劳动东路魅力之城小区", "A市万科魅力之城" and "魅力之城小区" are one place.

* `candidates(text)` finds the place-like names in a text (regular expressions over the suffixes places carry,
  administrative prefixes and filler words removed, names of authorities refused);
* `core(name)` is the key: the name without its street/road prefix and its generic suffix (小区, 社区, 二期…);
* a `Gazetteer` holds the known keys with the name to show for each. It is learnt from the appeals themselves
  (`learn`: a name seen in at least two appeals) and, in the running platform, from the county's regions and
  the editable `Place` entries (insight.services.gazetteer); a key that contains a known shorter key maps to it
  ("万科魅力之城" → "魅力之城"), and a refused entry is never a place.
"""

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from .text import _ADMIN, _FUNCTION_CHARS, _LEADING_NOISE

_SUFFIX = (
    r"小区|社区|花园|家园|公寓|新村|村|组|广场|大厦|中学|小学|学校|幼儿园|学院|大学|医院|公园|市场|苑|府|公馆|"
    r"新城|国际城|城|大道|路|街|巷|桥|站|湾|湖|山|岛|园"
)
_NAME = re.compile(
    r"[\u4e00-\u9fa5A-Za-z0-9·]{2,12}?(?:街道|"
    + _SUFFIX
    + r")(?:大道|路|街(?!道))?(?![市区县轨])(?:小区|社区|新村)?(?:[一二三四五六七八九十\d]+期)?"
)
# How specific a name is: an estate, school or landmark before a road or village, before a street or town.
_BROAD = re.compile(r"(?:街道|镇|乡)$")
_ROAD = re.compile(r"(?:大道|路|街|巷|桥|村|组|湖|山|岛)$")
# What makes a name an authority, a person or a phrase rather than a place.
_NOT_PLACE = re.compile(
    r"政府|市委|党委|部门|领导|书记|市长|局长|单位|公司|集团|开发商|物业|派出所|公安|法院|银行|"
    r"局|委员会|办公室|热线|社保|公积金|恳请|请求|如果|关于|为什么|怎么|能否|是否|什么|哪个|这个|那个|一个|我们|你们|他们|大家|"
    r"周边|附近|旁边|对面|门口|楼下|里面|所有|全体|整个|各个|其他|相关|有关|"
    r"^(?:小区|社区|新村|农村|城市|城区|城乡|老城|主城|县城|全城|新城|路口|道路|马路|公路|街道|"
    r"学校|医院|公园|市场|车站|高铁站|地铁站|公交站|加油站)$"
)
_AFTER_ADMIN = re.compile(r"^.*(?:" + _ADMIN + r")")
_FILLER = re.compile(
    r"^(?:咨询|举报|投诉|反映|反应|关于|请问|问问|建议|希望|要求|恳请|请求|再次|坚决|反对|强烈|我们|咱们|我|来|去|"
    r"在|从|到|给|让|对|为|与|和|及|请|的|否|设立|设置|增设|修建|建设|开设|买|卖|租|住|建|修|办|上|去|回|街道|社区|镇|乡)+"
)
_EXTEND = re.compile(r"[\u4e00-\u9fa5A-Za-z0-9]{0,3}?(?:小区|社区|花园|家园|公寓)")
_ROAD_PREFIX = re.compile(r"^.{2,8}?(?:街道|镇|乡|大道|路|街)(?=.{3,})")
_GENERIC_SUFFIX = re.compile(r"(?:小区|社区|[一二三四五六七八九十\d]+期)+$")
MIN_KEY = 3
# A known name followed by one of these is the start of a longer name ("诺亚山" + "林小区"), not that place.
_CONTINUES = re.compile(r"[\u4e00-\u9fa5]{1,2}(?:小区|社区|花园|家园|公寓)$")


def clean(name: str) -> str:
    """A matched name without the administrative prefix ("A市A3区", "西地省") and leading filler ("位于", "投诉")."""
    previous = None
    while previous != name:
        previous = name
        name = _FILLER.sub("", _LEADING_NOISE.sub("", _AFTER_ADMIN.sub("", name)))
    return name


_ONLY_SUFFIX = re.compile(r"^(?:" + _SUFFIX + r"|小区|社区|新村|[一二三四五六七八九十\d]+期)+$")
_STARTS_WITH_SUFFIX = re.compile(r"^(?:园|苑|府|城|村|路|街|湖|山|岛|站|组|桥|巷)")


def is_place(name: str) -> bool:
    return (
        len(name) >= MIN_KEY
        and not _NOT_PLACE.search(name)
        and not _FUNCTION_CHARS.search(name)
        and not _ONLY_SUFFIX.match(name)
        and not _STARTS_WITH_SUFFIX.match(name)
    )


def core(name: str) -> str:
    """The key several spellings share: "劳动东路魅力之城小区" → "魅力之城", "兴汝金城二期" → "兴汝金城"."""
    name = clean(name)
    road_less = _ROAD_PREFIX.sub("", name)  # "学士街道裕园小区" → "裕园小区"
    name = road_less if len(road_less) >= MIN_KEY else name
    key = _GENERIC_SUFFIX.sub("", name)
    if len(key) < MIN_KEY:  # "雅园小区": the suffix is part of a short name
        key = name
    return key if len(key) >= MIN_KEY else ""


def specificity(name: str) -> int:
    """0 for an estate, school or landmark, 1 for a road or village, 2 for a street or town (lower is finer)."""
    return 2 if _BROAD.search(name) else 1 if _ROAD.search(name) else 0


def candidates(text: str) -> list[str]:
    """The place-like names of a text in the order they appear, cleaned and filtered."""
    found = []
    text = text or ""
    for m in _NAME.finditer(text):
        name = m.group(0)
        if (
            not name.endswith(("小区", "社区", "花园", "家园", "公寓"))
            and not _BROAD.search(name)
            and (more := _EXTEND.match(text, m.end()))
        ):
            name += more.group(0)  # "诺亚山" + "林小区": the estate, not the hill
        name = clean(name)
        # A match may start with a clause ("投诉小区旁边的丽发新城"): keep what follows the last function word.
        name = clean(_FUNCTION_CHARS.split(name)[-1])
        if is_place(name) and core(name):
            found.append(name)
    return found


@dataclass
class Gazetteer:
    """Known place keys → the name to show; `refused` keys are never places (an editor said so)."""

    names: dict[str, str] = field(default_factory=dict)
    refused: set[str] = field(default_factory=set)
    aliases: dict[str, str] = field(default_factory=dict)  # another spelling's key → the entry's key

    def add(self, name: str, key: str | None = None) -> None:
        key = key or core(name)
        if key and key not in self.refused:
            self.names.setdefault(key, clean(name))

    def canonical(self, key: str) -> str:
        """The known key this key is, or contains (the longest such), else the key itself."""
        if key in self.names:
            return key
        if key in self.aliases:
            return self.aliases[key]
        # the known keys inside it, longest first: its substrings looked up (≤ 190 for a 20-character key), so
        # the cost does not grow with the gazetteer
        for length in range(len(key) - 1, MIN_KEY - 1, -1):
            inside = [
                key[i : i + length]
                for i in range(len(key) - length + 1)
                if key[i : i + length] in self.names and not _CONTINUES.match(key, i + length)
            ]
            if inside:
                return max(inside)
        return key

    def locate(self, title: str, detail: str = "") -> tuple[str, str]:
        """(name to show, key) of the place an appeal is about: the title's first known place, else its first
        place-like name, else the first known place of the first 200 characters of the detail (a detail's
        unknown names are too often a clause: "提供学校", "来A市上大学"); ("", "") when none."""
        for text, known_only in ((title or "", False), ((detail or "")[:200], True)):
            names = candidates(text)
            keys = [self.canonical(core(n)) for n in names]
            pairs = [(n, k) for n, k in zip(names, keys, strict=True) if k not in self.refused]
            known = [(n, k) for n, k in pairs if k in self.names]
            if known or (pairs and not known_only):
                name, key = min(known or pairs, key=lambda nk: specificity(nk[0]))
                return self.names.get(key, name), key
        return "", ""

    def keys(self, title: str, detail: str = "") -> frozenset[str]:
        """Every place key of the title and the known ones of the detail's first 200 characters: an appeal
        about "武广新城伊景园滨河苑" is about both names."""
        found = {self.canonical(core(n)) for n in candidates(title or "")}
        found |= {
            k for k in (self.canonical(core(n)) for n in candidates((detail or "")[:200])) if k in self.names
        }
        return frozenset(k for k in found if k and k not in self.refused)

    @classmethod
    def learn(
        cls, texts: Iterable[tuple[str, str]], min_count: int = 2, base: "Gazetteer | None" = None
    ) -> "Gazetteer":
        """A gazetteer of the names seen in at least `min_count` appeals ((title, detail) pairs), on top of
        `base` (the county's regions and the edited entries). A longer key containing a known shorter one is
        the same place and is not added; each key shows its most frequent spelling."""
        counts: Counter = Counter()
        spellings: dict[str, Counter] = {}
        for title, detail in texts:
            seen = set()
            for name in candidates(f"{title or ''} {(detail or '')[:200]}"):
                key = core(name)
                spellings.setdefault(key, Counter())[name] += 1
                seen.add(key)
            counts.update(seen)
        gazetteer = (
            Gazetteer(dict(base.names), set(base.refused), dict(base.aliases)) if base else Gazetteer()
        )
        for key in sorted((k for k, c in counts.items() if c >= min_count), key=lambda k: (len(k), k)):
            if key in gazetteer.refused or key in gazetteer.names or gazetteer.canonical(key) != key:
                continue
            shortest = min(spellings[key].items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0]
            gazetteer.names[key] = shortest
        return gazetteer

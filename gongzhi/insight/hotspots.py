"""Hot spots: clusters of appeals about one problem in one place, ranked by a heat index.

Clustering is incremental (`HotspotIndex.add` joins a new appeal to a hot spot or opens one; a batch is
the same thing in time order). Two appeals are linked when
  (a) their texts are near-duplicates (MinHash LSH on character 3-grams, Jaccard ≥ 0.3), or
  (b) they name the same place (estate, road, village… extracted from the text) and share key words
      (Jaccard of jieba content words ≥ 0.15), or
  (c) their titles share at least two content words, one of them rare (in at most max(30, 1%) of the
      appeals so far), with a Jaccard ≥ 0.4,
within `LINK_DAYS` of each other (a missing time does not block a link);
clusters are the connected components (union–find).

Heat index (documented in docs/insight.md):
  heat = log2(1+appeals) + log2(1+residents) + 0.5·log2(1+max(0, likes−dislikes))
         + growth + log2(1+appeals per week over the time span)
where growth ∈ [−1, 1] compares the last 14 days before the newest appeal in the input with the 14 days
before that: (recent − previous) / appeals.
"""

import bisect
import csv
import functools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .duplicates import DuplicateIndex, appeal_text, minhash
from .text import DATA_DIR, extract_place, words

LINK_DAYS = 90
WORD_JACCARD = 0.15
TITLE_JACCARD = 0.4
MAX_POSTING = 300
RARE_MIN, RARE_SHARE = 30, 0.01
GROWTH_DAYS = 14
_ADMIN_PREFIX = re.compile(r"^(?:[A-Z]\d{0,2}(?:市|区|县)|西地省)+")
_STOP = set("""的 了 是 在 我 我们 你 您 他 她 它 和 与 及 或 也 都 就 还 又 很 太 更 最 不 没 没有 有 无 被 把 将 对 向 从 到
为 为了 以 及其 其 这 那 这个 那个 这些 那些 这样 什么 怎么 如何 为何 为什么 哪里 何时 什么时候 是否 能否 可以 能 会 要
请 请问 希望 建议 要求 反映 投诉 举报 咨询 关于 问题 情况 相关 有关 部门 政府 领导 书记 市长 你好 您好 谢谢 感谢 一个
已经 现在 目前 一直 至今 多次 严重 非常 特别 还是 但是 因为 所以 如果 而且 并且 然后 可能 应该 需要 进行 解决 处理 给予
得到 一下 一些 这里 那里 我家 本人 大家 业主 居民 市民 老百姓 群众 小区 社区 年 月 日 号 栋 等""".split())


def _time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not value:
        return None
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
        try:
            return datetime.strptime(str(value).strip(), fmt)
        except ValueError:
            continue
    return None


def _int(value) -> int:
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return 0


@dataclass
class Item:
    id: str
    title: str
    detail: str
    time: datetime | None
    likes: int = 0
    dislikes: int = 0
    user: str = ""
    place: str = ""
    place_key: str = ""
    terms: frozenset = frozenset()
    title_terms: frozenset = frozenset()


def heat_index(n: int, residents: int, net_likes: int, growth: float, start, end) -> float:
    """The documented heat index (module docstring) of a hot spot of `n` appeals from `start` to `end`."""
    span_weeks = max(1.0, ((end - start).total_seconds() / 86400 / 7) if start else 1.0)
    return round(math.log2(1 + n) + math.log2(1 + residents) + 0.5 * math.log2(1 + net_likes) + growth
                 + math.log2(1 + n / span_weeks), 3)


def key_terms(counts: Counter, doc_freq, n_docs: int, place: str) -> list[str]:
    """The label's three key words: members' term counts weighted by inverse document frequency, the place's
    own words left out."""
    scored = sorted(counts.items(), key=lambda kv: (-kv[1] * math.log((1 + n_docs) / (1 + doc_freq[kv[0]])), kv[0]))
    return [t for t, _ in scored if t not in place][:3]


BACKGROUND_JSON = DATA_DIR / "term_df.json"


def count_background_doc_freq() -> tuple[Counter, int]:
    """(document frequency of every key word, number of documents) over the project's shipped labelled appeals
    (data/labeled.csv): how common a word is in appeals at large. ≈ 1.7 s of CPU (jieba on 2,710 texts), so it
    is stored in data/term_df.json (`write_background_doc_freq`); a test checks the file against this count."""
    doc_freq: Counter = Counter()
    with (DATA_DIR / "labeled.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        doc_freq.update(item_terms(row.get("title") or "", row.get("detail") or "")[0])
    return doc_freq, len(rows)


def write_background_doc_freq() -> None:
    """Rebuild data/term_df.json after the labelled data or the key-word rules (`item_terms`) change."""
    doc_freq, documents = count_background_doc_freq()
    BACKGROUND_JSON.write_text(json.dumps({"documents": documents, "doc_freq": dict(sorted(doc_freq.items()))},
                                          ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


@functools.cache
def background_doc_freq() -> tuple[Counter, int]:
    """`count_background_doc_freq()` as stored, read once per process: the corpus a live hot spot's words are
    weighed against (a word every appeal uses says nothing about this hot spot)."""
    data = json.loads(BACKGROUND_JSON.read_text(encoding="utf-8"))
    return Counter(data["doc_freq"]), data["documents"]


def _times_text(start, end) -> tuple[str, str]:
    return (start.strftime("%Y-%m-%d %H:%M:%S") if start else "", end.strftime("%Y-%m-%d %H:%M:%S") if end else "")


@dataclass
class Hotspot:
    members: list[Item] = field(default_factory=list)

    def summary(self, latest: datetime | None, doc_freq: Counter, n_docs: int, extra_residents=()) -> dict:
        """`extra_residents`: people who joined a member without an appeal of their own (附议), by the same
        identity as `Item.user`, so a co-signer who also wrote an appeal is counted once."""
        times = sorted(m.time for m in self.members if m.time)
        start, end = (times[0], times[-1]) if times else (None, None)
        n = len(self.members)
        people = {m.user for m in self.members if m.user} or {m.id for m in self.members}
        residents = len(people | set(extra_residents))
        net_likes = max(0, sum(m.likes - m.dislikes for m in self.members))
        growth = 0.0
        if latest is not None and times:
            recent = sum(1 for t in times if t > latest - timedelta(days=GROWTH_DAYS))
            previous = sum(1 for t in times if latest - timedelta(days=2 * GROWTH_DAYS) < t
                           <= latest - timedelta(days=GROWTH_DAYS))
            growth = (recent - previous) / n
        places = Counter(m.place for m in self.members if m.place)
        place = places.most_common(1)[0][0] if places else ""
        first, last = _times_text(start, end)
        return {"heat": heat_index(n, residents, net_likes, growth, start, end),
                "label": self.label(doc_freq, n_docs, place), "place": place, "start": first, "end": last,
                "size": n, "residents": residents, "net_likes": net_likes, "growth": round(growth, 3),
                "ids": [m.id for m in self.members]}

    def label(self, doc_freq: Counter, n_docs: int, place: str) -> str:
        terms = key_terms(Counter(t for m in self.members for t in m.terms), doc_freq, n_docs, place)
        key = self.members[0].place_key
        return " ".join(([key] if key else []) + terms)


class SpotAggregate:
    """What `Hotspot.summary` reads from the members, kept so that adding one costs O(its key words) instead of
    re-reading the whole hot spot: key-word document frequencies, places (count and first member), residents,
    sorted times, net likes, and the first member's place key. `summary` equals
    `Hotspot(members in order).summary(latest, *background_doc_freq(), extra_residents)` whatever order the
    members are added in (test_hotspots proves it on random sequences); `order` is a member's position key
    (live.py: (received_at, pk)), which is what "first" means."""

    def __init__(self):
        self.n = 0
        self.doc_freq: Counter = Counter()
        self.places: dict[str, list] = {}  # place → [count, order of its first member]
        self.users: set[str] = set()
        self.ids: set[str] = set()
        self.times: list[datetime] = []
        self.net = 0
        self.first: tuple | None = None  # (order, place_key) of the first member

    def add(self, item: Item, order) -> None:
        self.n += 1
        self.doc_freq.update(item.terms)
        if item.place:
            entry = self.places.setdefault(item.place, [0, order])
            entry[0] += 1
            entry[1] = min(entry[1], order)
        if item.user:
            self.users.add(item.user)
        self.ids.add(item.id)
        if item.time:
            bisect.insort(self.times, item.time)
        self.net += item.likes - item.dislikes
        if self.first is None or order < self.first[0]:
            self.first = (order, item.place_key)

    def summary(self, latest: datetime | None, extra_residents=()) -> dict:
        """`Hotspot.summary` without "ids" (the caller holds them)."""
        times, n = self.times, self.n
        start, end = (times[0], times[-1]) if times else (None, None)
        residents = len((self.users or self.ids) | set(extra_residents))
        net_likes = max(0, self.net)
        growth = 0.0
        if latest is not None and times:
            cut, cut2 = latest - timedelta(days=GROWTH_DAYS), latest - timedelta(days=2 * GROWTH_DAYS)
            recent = len(times) - bisect.bisect_right(times, cut)
            previous = bisect.bisect_right(times, cut) - bisect.bisect_right(times, cut2)
            growth = (recent - previous) / n
        place = min(self.places.items(), key=lambda kv: (-kv[1][0], kv[1][1]))[0] if self.places else ""
        # Weighted against the background corpus, not the members themselves: against its own members a word that
        # every member uses would weigh nothing, and the label would be made of one-off words ("厅长 一名 一次").
        terms = key_terms(self.doc_freq, *background_doc_freq(), place)
        key = self.first[1] if self.first else ""
        first, last = _times_text(start, end)
        return {"heat": heat_index(n, residents, net_likes, growth, start, end),
                "label": " ".join(([key] if key else []) + terms), "place": place, "start": first, "end": last,
                "size": n, "residents": residents, "net_likes": net_likes, "growth": round(growth, 3)}


def _content(tokens: Iterable[str]) -> frozenset:
    return frozenset(w for w in tokens if len(w) >= 2 and w not in _STOP and not w.isdigit()
                     and not _ADMIN_PREFIX.fullmatch(w))


def content_terms(title: str, detail: str) -> frozenset:
    """Key words of the title and the first 120 characters of the detail."""
    return _content(words(f"{title} {title} {(detail or '')[:120]}", hmm=True))


def item_terms(title: str, detail: str) -> tuple[frozenset, frozenset]:
    """(content_terms(title, detail), content_terms(title, "")) with the title segmented once: jieba cuts a text
    into blocks at every whitespace and segments each block alone, so the words of "title title detail" are the
    title's words twice and then the detail's (test_hotspots checks the equality on the shipped appeals)."""
    title_words = words(title, hmm=True)
    title_terms = _content(title_words)
    return title_terms | _content(words((detail or "")[:120], hmm=True)), title_terms


def make_item(id, title, detail, time=None, likes=0, dislikes=0, user="") -> Item:
    place, key = "", ""
    for source in (title or "", detail or ""):
        found = extract_place(source)
        found_key = re.sub(r"^.*?(?:街道|镇|乡)(?=.{2,})", "", _ADMIN_PREFIX.sub("", found))
        if len(found_key) >= 3:
            place, key = found, found_key
            break
        place = place or found
    terms, title_terms = item_terms(title or "", detail or "")
    return Item(str(id), title or "", detail or "", _time(time), _int(likes), _int(dislikes), str(user or ""),
                place, key, terms, title_terms)


class HotspotIndex:
    """Incremental clustering: `add` links a new appeal to the hot spots it touches (merging them)."""

    def __init__(self):
        self.parent: dict[str, str] = {}
        self.items: dict[str, Item] = {}
        self.dup = DuplicateIndex(0.3)
        self.by_place: dict[str, list[str]] = {}
        self.by_term: dict[str, list[str]] = {}
        self.doc_freq: Counter = Counter()
        self.groups: dict[str, list[str]] = {}  # root → the ids of its cluster (`cluster` without a scan)

    def _find(self, x: str) -> str:
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            self.parent[rb] = ra
            big, small = self.groups.pop(ra), self.groups.pop(rb)
            if len(big) < len(small):
                big, small = small, big
            big.extend(small)  # the larger list grows: O(smaller) per union
            self.groups[ra] = big

    def cluster(self, item_id: str) -> list[str]:
        """The ids of the item's cluster (in no particular order)."""
        return list(self.groups[self._find(item_id)])

    def _close_in_time(self, a: Item, b: Item) -> bool:
        return a.time is None or b.time is None or abs(a.time - b.time) <= timedelta(days=LINK_DAYS)

    def add(self, item: Item) -> str:
        """Adds an appeal; returns the id of its hot spot's root (a new root when it opens one)."""
        if item.id in self.items:
            return self._find(item.id)
        self.items[item.id] = item
        self.parent[item.id] = item.id
        self.groups[item.id] = [item.id]
        self.doc_freq.update(item.terms)
        text = appeal_text(item.title, item.detail)
        signature = minhash(text)  # once for the query and the insert
        for cand in self.dup.query(text, minhash_=signature):
            if self._close_in_time(item, self.items[cand.key]):
                self._union(cand.key, item.id)
        if item.place_key:
            for other_id in self.by_place.get(item.place_key, ()):
                other = self.items[other_id]
                inter = len(item.terms & other.terms)
                union = len(item.terms | other.terms) or 1
                if inter / union >= WORD_JACCARD and self._close_in_time(item, other):
                    self._union(other_id, item.id)
            self.by_place.setdefault(item.place_key, []).append(item.id)
        shared: Counter = Counter()
        rare_limit = max(RARE_MIN, RARE_SHARE * len(self.items))
        rare = {t for t in item.title_terms if len(self.by_term.get(t, ())) <= rare_limit}
        rare_shared: set[str] = set()
        for term in item.title_terms:
            posting = self.by_term.setdefault(term, [])
            if len(posting) < MAX_POSTING:
                shared.update(posting)
                if term in rare:
                    rare_shared.update(posting)
            posting.append(item.id)
        for other_id, k in shared.items():
            other = self.items[other_id]
            if k >= 2 and other_id in rare_shared and k / len(item.title_terms | other.title_terms) >= TITLE_JACCARD \
                    and self._close_in_time(item, other):
                self._union(other_id, item.id)
        self.dup.add(item.id, text, minhash_=signature)
        return self._find(item.id)

    def clusters(self) -> list[Hotspot]:
        groups: dict[str, Hotspot] = {}
        for item_id, item in self.items.items():
            groups.setdefault(self._find(item_id), Hotspot()).members.append(item)
        return list(groups.values())

    def ranking(self, top: int | None = None, min_size: int = 2) -> list[dict]:
        times = [i.time for i in self.items.values() if i.time]
        latest = max(times) if times else None
        n_docs = len(self.items)
        spots = [h for h in self.clusters() if len(h.members) >= min_size] or self.clusters()
        rows = [h.summary(latest, self.doc_freq, n_docs) for h in spots]
        for row in rows:
            row["ids"].sort()
        rows.sort(key=lambda r: (-r["heat"], -r["size"], r["ids"][0] if r["ids"] else ""))
        rows = rows[:top] if top else rows
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        return rows


def find_hotspots(records: Iterable[dict], top: int | None = None) -> list[dict]:
    """records: dicts with id, title, detail, time and optionally likes, dislikes, user."""
    items = [make_item(r.get("id"), r.get("title"), r.get("detail"), r.get("time"), r.get("likes"),
                       r.get("dislikes"), r.get("user")) for r in records]
    items.sort(key=lambda i: (i.time or datetime.min, i.id))
    index = HotspotIndex()
    for item in items:
        index.add(item)
    keys = ["rank", "heat", "label", "place", "start", "end", "size", "ids"]
    return [{k: r[k] for k in keys} | {"residents": r["residents"], "net_likes": r["net_likes"],
                                       "growth": r["growth"]} for r in index.ranking(top)]

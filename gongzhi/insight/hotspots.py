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
from .places import Gazetteer, candidates, core
from .text import DATA_DIR, words

LINK_DAYS = 90
WORD_JACCARD = 0.15
TITLE_JACCARD = 0.4
CENTROID_COSINE = 0.25
PLACE_SHARE = 3  # a hot spot's place is the one at least a third of its appeals name
MAX_POSTING = 300
RARE_MIN, RARE_SHARE = 30, 0.01
GROWTH_DAYS = 14
COOLING_DAYS = 90
MIN_SIZE, MIN_RESIDENTS = (
    3,
    2,
)  # what the list calls hot (settings GONGZHI["HOTSPOT_MIN_SIZE"/"_RESIDENTS"] live)
_ADMIN_PREFIX = re.compile(r"^(?:[A-Z]\d{0,2}(?:市|区|县)|西地省)+")
_ADMIN_ANYWHERE = re.compile(r"(?:[A-Z]\d{0,2}(?:市|区|县)|西地省)+")
_STOP = set(
    """的 了 是 在 我 我们 你 您 他 她 它 和 与 及 或 也 都 就 还 又 很 太 更 最 不 没 没有 有 无 被 把 将 对 向 从 到
为 为了 以 及其 其 这 那 这个 那个 这些 那些 这样 什么 怎么 如何 为何 为什么 哪里 何时 什么时候 是否 能否 可以 能 会 要
请 请问 希望 建议 要求 反映 投诉 举报 咨询 关于 问题 情况 相关 有关 部门 政府 领导 书记 市长 你好 您好 谢谢 感谢 一个
已经 现在 目前 一直 至今 多次 严重 非常 特别 还是 但是 因为 所以 如果 而且 并且 然后 可能 应该 需要 进行 解决 处理 给予
得到 一下 一些 这里 那里 我家 本人 大家 业主 居民 市民 老百姓 群众 小区 社区 年 月 日 号 栋 等""".split()
)


def _time(value) -> datetime | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if not value:
        return None
    for fmt in (
        "%Y-%m-%d %H:%M:%S",
        "%Y/%m/%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%d",
        "%Y/%m/%d",
    ):
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
    place_keys: frozenset = frozenset()  # every place the appeal names (`place_key` is the finest)


def heat_index(n: int, residents: int, net_likes: int, growth: float, start, end, latest=None) -> float:
    """The documented heat index (module docstring) of a hot spot of `n` appeals from `start` to `end`, cooled
    by the days from its last appeal to `latest` (now, or the newest appeal of a batch)."""
    span_weeks = max(1.0, ((end - start).total_seconds() / 86400 / 7) if start else 1.0)
    idle_days = (
        max(0.0, (latest - end).total_seconds() / 86400) if latest is not None and end is not None else 0.0
    )
    return round(
        math.log2(1 + n)
        + math.log2(1 + residents)
        + 0.25 * math.log2(1 + net_likes)
        + growth
        + 0.5 * math.log2(1 + n / span_weeks)
        - math.log2(1 + idle_days / COOLING_DAYS),
        3,
    )


_PHRASE_LEAD = re.compile(
    r"^(?:[，,、：:；;\s]|关于|有关|对于|针对|投诉|举报|反映|反应|再次|强烈|坚决|请问|咨询|问问|建议|"
    r"希望|恳请|请求|要求|请|求|给|在|对|的|位于|地处|我们|我|业主|居民|市民)+"
)
_PHRASE_TAIL = re.compile(r"(?:的问题|问题|的投诉|的建议|的情况|一事|事宜|[？?！!。.，,、…\s])+$")
PHRASE_CHARS = 18


def problem_phrase(title: str, place_names: Iterable[str] = ()) -> str:
    """The problem a title states, without its places and its filler: "投诉A市伊景园滨河苑捆绑车位销售" →
    "捆绑车位销售"; cut at the first comma past six characters, at most PHRASE_CHARS characters."""
    text = _ADMIN_ANYWHERE.sub("", title or "")
    keys = [k for k in (core(n) for n in place_names) if k]
    # a longer name holding the place ("诺亚山林小区" for "诺亚山") goes whole, not leaving "林小区" behind
    for name in sorted(candidates(text), key=len, reverse=True):
        if any(k in core(name) for k in keys):
            text = text.replace(name, "")
    for name in sorted(place_names, key=len, reverse=True):
        if name:
            text = text.replace(name, "")
        if key := core(name):  # other spellings of the same place: "绿地海外滩二期" for "绿地海外滩小区"
            text = re.sub(re.escape(key) + r"(?:小区|社区|[一二三四五六七八九十\d]+期)*", "", text)
    text = _PHRASE_LEAD.sub("", text.strip())
    while leading := [
        n for n in candidates(text) if text.startswith(n)
    ]:  # "…小区…路": places before the problem
        text = _PHRASE_LEAD.sub("", text[len(leading[0]) :])
    parts = re.split(r"[，,；;。！!？?]", text)
    phrase = parts[0]
    for part in parts[1:]:
        if len(phrase) >= 6:
            break
        phrase = f"{phrase}，{part}"
    phrase = _PHRASE_TAIL.sub("", _PHRASE_LEAD.sub("", phrase))
    return phrase[:PHRASE_CHARS]


def representative(titles: Iterable[tuple[str, frozenset, str]], place: str = "") -> str:
    """The title that best stands for the others: the one whose key words the members share most (the sum of
    their counts over the square root of its number of words); ties go to the shorter title, then the id."""
    titles = list(titles)
    counts = Counter(t for _, terms, _ in titles for t in terms)
    doc_freq, n_docs = background_doc_freq()
    problem = [
        (c * math.log((1 + n_docs) / (1 + doc_freq[t])), t)
        for t, c in counts.items()
        if t not in place and place not in t
    ]
    if problem:  # the problem's main word (搅拌站, 捆绑) should be in the title that names it
        top = max(problem)[1]
        titles = [e for e in titles if top in e[1]] or titles

    def score(entry):
        title, terms, item_id = entry
        return (-sum(counts[t] for t in terms) / math.sqrt(len(terms) + 1), len(title), title, item_id)

    return min(titles, key=score)[0] if titles else ""


def spot_label(place: str, titles: Iterable[tuple[str, frozenset, str]]) -> str:
    """What a person reads: the place, then the problem ("丽发新城小区 附近建搅拌站噪音扰民")."""
    phrase = problem_phrase(representative(titles, place), [place] if place else [])
    return " ".join(p for p in (place, phrase) if p) or place


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
    BACKGROUND_JSON.write_text(
        json.dumps(
            {"documents": documents, "doc_freq": dict(sorted(doc_freq.items()))},
            ensure_ascii=False,
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )


@functools.cache
def background_doc_freq() -> tuple[Counter, int]:
    """`count_background_doc_freq()` as stored, read once per process: the corpus a live hot spot's words are
    weighed against (a word every appeal uses says nothing about this hot spot)."""
    data = json.loads(BACKGROUND_JSON.read_text(encoding="utf-8"))
    return Counter(data["doc_freq"]), data["documents"]


def _times_text(start, end) -> tuple[str, str]:
    return (
        start.strftime("%Y-%m-%d %H:%M:%S") if start else "",
        end.strftime("%Y-%m-%d %H:%M:%S") if end else "",
    )


@dataclass
class Hotspot:
    members: list[Item] = field(default_factory=list)

    def summary(
        self, latest: datetime | None, doc_freq: Counter, n_docs: int, extra_residents=(), cool=True
    ) -> dict:
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
            previous = sum(
                1
                for t in times
                if latest - timedelta(days=2 * GROWTH_DAYS) < t <= latest - timedelta(days=GROWTH_DAYS)
            )
            growth = (recent - previous) / n
        places = Counter(m.place for m in self.members if m.place)
        place = places.most_common(1)[0][0] if places else ""
        place = place if places[place] * PLACE_SHARE >= n else ""
        first, last = _times_text(start, end)
        return {
            "heat": heat_index(n, residents, net_likes, growth, start, end, latest if cool else None),
            "label": self.label(doc_freq, n_docs, place),
            "place": place,
            "start": first,
            "end": last,
            "size": n,
            "residents": residents,
            "net_likes": net_likes,
            "growth": round(growth, 3),
            "ids": [m.id for m in self.members],
        }

    def label(self, doc_freq: Counter, n_docs: int, place: str) -> str:
        return spot_label(place, ((m.title, m.title_terms, m.id) for m in self.members))


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
        self.titles: list[tuple[str, frozenset, str]] = []  # (title, title words, id): the label's candidates

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
        self.titles.append((item.title, item.title_terms, item.id))

    def summary(self, latest: datetime | None, extra_residents=(), cool=True) -> dict:
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
        place = place if place and self.places[place][0] * PLACE_SHARE >= n else ""
        first, last = _times_text(start, end)
        return {
            "heat": heat_index(n, residents, net_likes, growth, start, end, latest if cool else None),
            "label": spot_label(place, self.titles),
            "place": place,
            "start": first,
            "end": last,
            "size": n,
            "residents": residents,
            "net_likes": net_likes,
            "growth": round(growth, 3),
        }


def _content(tokens: Iterable[str]) -> frozenset:
    return frozenset(
        w
        for w in tokens
        if len(w) >= 2 and w not in _STOP and not w.isdigit() and not _ADMIN_PREFIX.fullmatch(w)
    )


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


def make_item(
    id, title, detail, time=None, likes=0, dislikes=0, user="", gazetteer: Gazetteer | None = None
) -> Item:
    """An appeal as the clustering reads it; its place from `gazetteer` (an empty one knows no place yet and takes
    the title's first place-like name)."""
    gazetteer = gazetteer or Gazetteer()
    place, key = gazetteer.locate(title or "", detail or "")
    terms, title_terms = item_terms(title or "", detail or "")
    return Item(
        str(id),
        title or "",
        detail or "",
        _time(time),
        _int(likes),
        _int(dislikes),
        str(user or ""),
        place,
        key,
        terms,
        title_terms,
        gazetteer.keys(title or "", detail or "") | ({key} if key else set()),
    )


def same_place(a: Item, b: Item) -> bool:
    """Two appeals may be one problem unless each names a place and the places differ."""
    return not a.place_keys or not b.place_keys or bool(a.place_keys & b.place_keys)


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
        self.centroids: dict[str, Counter] = {}  # root → its members' key-word counts

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
            big_terms, small_terms = self.centroids.pop(ra), self.centroids.pop(rb)
            if len(big) < len(small):
                big, small = small, big
                big_terms, small_terms = small_terms, big_terms
            big.extend(small)  # the larger list grows: O(smaller) per union
            big_terms.update(small_terms)
            self.groups[ra] = big
            self.centroids[ra] = big_terms

    def _fits(self, item: "Item", other_id: str) -> bool:
        """Whether an appeal is about what the other's hot spot is about: the cosine of its key words and the
        hot spot's word counts is at least CENTROID_COSINE. Without it one shared word chains a wide net of
        different problems ("请加快…建设力度") into one hot spot."""
        centroid = self.centroids[self._find(other_id)]
        if not item.terms or not centroid:
            return False
        norm = math.sqrt(sum(c * c for c in centroid.values()))
        return sum(centroid[t] for t in item.terms) / (norm * math.sqrt(len(item.terms))) >= CENTROID_COSINE

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
        self.centroids[item.id] = Counter(item.terms)
        self.doc_freq.update(item.terms)
        text = appeal_text(item.title, item.detail)
        signature = minhash(text)  # once for the query and the insert
        for cand in self.dup.query(text, minhash_=signature):
            if self._close_in_time(item, self.items[cand.key]) and same_place(item, self.items[cand.key]):
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
            if (
                k >= 2
                and other_id in rare_shared
                and k / len(item.title_terms | other.title_terms) >= TITLE_JACCARD
                and self._close_in_time(item, other)
                and same_place(item, other)
                and (item.place_keys & other.place_keys or self._fits(item, other_id))
            ):
                self._union(other_id, item.id)
        self.dup.add(item.id, text, minhash_=signature)
        return self._find(item.id)

    def clusters(self) -> list[Hotspot]:
        groups: dict[str, Hotspot] = {}
        for item_id, item in self.items.items():
            groups.setdefault(self._find(item_id), Hotspot()).members.append(item)
        return list(groups.values())

    def ranking(
        self, top: int | None = None, min_size: int = MIN_SIZE, min_residents: int = MIN_RESIDENTS
    ) -> list[dict]:
        """The hot spots of a batch (a past period: growth is counted at its newest appeal, nothing cools), at
        least `min_size` appeals from `min_residents` people (smaller ones only when there is nothing else)."""
        times = [i.time for i in self.items.values() if i.time]
        latest = max(times) if times else None
        n_docs = len(self.items)
        rows = [h.summary(latest, self.doc_freq, n_docs, cool=False) for h in self.clusters()]
        rows = [r for r in rows if r["size"] >= min_size and r["residents"] >= min_residents] or rows
        for row in rows:
            row["ids"].sort()
        rows.sort(key=lambda r: (-r["heat"], -r["size"], r["ids"][0] if r["ids"] else ""))
        rows = rows[:top] if top else rows
        for rank, row in enumerate(rows, 1):
            row["rank"] = rank
        return rows


def find_hotspots(
    records: Iterable[dict],
    top: int | None = None,
    min_size: int = MIN_SIZE,
    min_residents: int = MIN_RESIDENTS,
) -> list[dict]:
    """records: dicts with id, title, detail, time and optionally likes, dislikes, user."""
    records = list(records)
    gazetteer = Gazetteer.learn((r.get("title") or "", r.get("detail") or "") for r in records)
    items = [
        make_item(
            r.get("id"),
            r.get("title"),
            r.get("detail"),
            r.get("time"),
            r.get("likes"),
            r.get("dislikes"),
            r.get("user"),
            gazetteer,
        )
        for r in records
    ]
    items.sort(key=lambda i: (i.time or datetime.min, i.id))
    index = HotspotIndex()
    for item in items:
        index.add(item)
    keys = ["rank", "heat", "label", "place", "start", "end", "size", "ids"]
    return [
        {k: r[k] for k in keys}
        | {"residents": r["residents"], "net_likes": r["net_likes"], "growth": r["growth"]}
        for r in index.ranking(top, min_size, min_residents)
    ]


def compare_with_reference(clusters: Iterable[Iterable[str]], reference: dict[str, object]) -> dict:
    """How predicted clusters (lists of message ids) agree with a labelled reference ({message id: hot spot}).

    Pairwise: recall is the share of the reference's same-hot-spot pairs that one predicted cluster holds;
    precision the share of predicted same-cluster pairs touching a reference message that the reference also
    puts together (a pair of two unlabelled messages is unknown, not wrong). `recovered`: reference hot spots
    that some predicted cluster matches with a Jaccard of at least 0.5."""
    cluster_of: dict[str, int] = {}
    for n, ids in enumerate(clusters):
        for i in ids:
            cluster_of[str(i)] = n
    members: dict[int, list[str]] = {}
    for i, n in cluster_of.items():
        members.setdefault(n, []).append(i)
    spots: dict[object, set[str]] = {}
    for i, spot in reference.items():
        spots.setdefault(spot, set()).add(str(i))
    reference_pairs = sum(len(s) * (len(s) - 1) // 2 for s in spots.values())
    both = predicted_pairs = 0
    for ids in members.values():
        labelled = Counter(reference[i] for i in ids if i in reference)
        k, m = len(ids), sum(labelled.values())
        predicted_pairs += k * (k - 1) // 2 - (k - m) * (k - m - 1) // 2  # pairs with a reference message
        both += sum(c * (c - 1) // 2 for c in labelled.values())
    recovered = 0
    for ids in spots.values():
        best = max(
            (
                len(ids & set(members[n])) / len(ids | set(members[n]))
                for n in {cluster_of[i] for i in ids if i in cluster_of}
            ),
            default=0.0,
        )
        recovered += best >= 0.5
    return {
        "pairwise_precision": round(both / predicted_pairs, 3) if predicted_pairs else 0.0,
        "pairwise_recall": round(both / reference_pairs, 3) if reference_pairs else 0.0,
        "recovered": recovered,
        "reference_spots": len(spots),
    }

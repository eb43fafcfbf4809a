"""Near-duplicate appeals: MinHash (128 permutations) of character 3-gram shingles of title + content,
banded LSH (datasketch) for candidates, then filters on region, category and a time window, and the
Jaccard estimate of each candidate. Default threshold 0.3 (see docs/insight.md for precision/recall on
the labelled pairs in tests/data/duplicate_pairs.csv)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import numpy as np

from .text import shingles

NUM_PERM = 128
THRESHOLD = 0.3
WINDOW_DAYS = 30
_SEED = 7


_TEMPLATE = None


def minhash(text: str):
    """MinHash of the 3-gram shingles (an empty template copied: the permutations are computed once)."""
    global _TEMPLATE
    from datasketch import MinHash

    if _TEMPLATE is None:
        _TEMPLATE = MinHash(num_perm=NUM_PERM, seed=_SEED)
    m = _TEMPLATE.copy()
    sh = shingles(text)
    if sh:
        m.update_batch([s.encode("utf-8") for s in sh])
    return m


def appeal_text(title: str, content: str) -> str:
    return f"{title or ''} {content or ''}"


@dataclass
class Candidate:
    key: object
    jaccard: float


@cache
def lsh_bands(threshold: float, num_perm: int = NUM_PERM) -> tuple[int, int]:
    """datasketch's optimal (bands, rows) for a threshold: a numerical integration (tens of milliseconds) that
    MinHashLSH would otherwise repeat for every new index, so it is computed once per process."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return lsh.b, lsh.r


class DuplicateIndex:
    """An in-memory LSH index of texts with optional attributes (region path, category, time)."""

    def __init__(self, threshold: float = THRESHOLD):
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM, params=lsh_bands(threshold, NUM_PERM))
        self.items: dict = {}
        # Every signature is also a row of one matrix (key → row), so that a query scores all its candidates in
        # one array operation: a hot spot's appeals are each other's candidates, hundreds per query, and
        # MinHash.jaccard one by one costs ≈ 8 µs each.
        self.rows: dict = {}
        self.signatures = np.empty((64, NUM_PERM), dtype=np.uint64)

    def add(
        self,
        key,
        text: str,
        *,
        region_path: str = "",
        category=None,
        time: datetime | None = None,
        minhash_=None,
    ) -> None:
        m = minhash_ if minhash_ is not None else minhash(text)
        self.items[key] = (m, region_path, category, time)
        self.lsh.insert(key, m)
        row = self.rows.setdefault(key, len(self.rows))
        if row == len(self.signatures):
            self.signatures = np.concatenate([self.signatures, np.empty_like(self.signatures)])
        self.signatures[row] = m.hashvalues

    def query(
        self,
        text: str,
        *,
        region_path: str = "",
        category=None,
        since: datetime | None = None,
        until: datetime | None = None,
        exclude=None,
        minhash_=None,
    ) -> list[Candidate]:
        m = minhash_ if minhash_ is not None else minhash(text)
        keys = []
        for key in self.lsh.query(m):
            if key == exclude:
                continue
            _m, path, cat, time = self.items[key]
            if region_path and path and not path.startswith(region_path):
                continue
            if category is not None and cat is not None and cat != category:
                continue
            if since is not None and time is not None and time < since:
                continue
            if until is not None and time is not None and time > until:
                continue
            keys.append(key)
        if not keys:
            return []
        # MinHash.jaccard of every candidate at once (all come from one template: the same permutations).
        rows = self.signatures[[self.rows[key] for key in keys]]
        same = np.count_nonzero(rows == m.hashvalues, axis=1) / NUM_PERM
        out = [
            Candidate(key, round(float(j), 3))
            for key, j in zip(keys, same, strict=True)
            if j >= self.threshold
        ]
        return sorted(out, key=lambda c: (-c.jaccard, str(c.key)))


def pairs_above(texts: dict, threshold: float = THRESHOLD) -> set[frozenset]:
    """Every pair of keys the index calls duplicates (for evaluation)."""
    index = DuplicateIndex(threshold)
    for key, text in texts.items():
        index.add(key, text)
    found = set()
    for key, text in texts.items():
        for c in index.query(text, exclude=key, minhash_=index.items[key][0]):
            found.add(frozenset((key, c.key)))
    return found


def exact_jaccard(a: str, b: str) -> float:
    sa, sb = shingles(a), shingles(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


# --- appeals in the database ------------------------------------------------------------------------


def _scope(region):
    from gongzhi.core.choices import RegionLevel

    if region is None:
        return None
    street = region.ancestor_at(RegionLevel.STREET)
    return street or region


def find_similar(
    appeal_or_text,
    region=None,
    category=None,
    since: datetime | None = None,
    *,
    queryset=None,
    limit: int = 10,
    threshold: float = THRESHOLD,
) -> list[dict]:
    """Open or recent appeals that look like `appeal_or_text` (an Appeal, or a text), in the same street
    as `region`, the same top-level category as `category` (when both sides have one), received since
    `since` (default: 30 days before the appeal, or before now). Returns dicts
    {"appeal": Appeal, "jaccard": float}, most similar first; merged appeals are left out."""
    from django.utils import timezone

    from gongzhi.appeals.choices import AppealState
    from gongzhi.appeals.models import Appeal

    exclude = None
    if isinstance(appeal_or_text, Appeal):
        appeal = appeal_or_text
        text = appeal_text(appeal.title, appeal.content)
        region = region or appeal.region
        category = category or appeal.category
        exclude = appeal.pk
        anchor = appeal.received_at
    else:
        text, anchor = str(appeal_or_text or ""), timezone.now()
    since = since or anchor - timedelta(days=WINDOW_DAYS)
    qs = queryset if queryset is not None else Appeal.objects.all()
    qs = qs.filter(received_at__gte=since).exclude(state=AppealState.MERGED)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    scope = _scope(region)
    if scope is not None:
        qs = qs.filter(region__path__startswith=scope.path)
    top = category.top if category is not None else None
    index = DuplicateIndex(threshold)
    by_pk = {}
    for a in qs.select_related("category__parent__parent").order_by("-received_at")[:5000]:
        if top is not None and a.category is not None and a.category.top.pk != top.pk:
            continue
        by_pk[a.pk] = a
        index.add(a.pk, appeal_text(a.title, a.content))
    found = index.query(text)[:limit]
    return [{"appeal": by_pk[c.key], "jaccard": c.jaccard} for c in found]


def precision_recall(
    pairs: Iterable[tuple[str, str, int]], texts: dict, threshold: float = THRESHOLD
) -> dict:
    """Precision and recall of the LSH on labelled pairs (id_a, id_b, is_duplicate)."""
    pairs = list(pairs)
    keys = {k for a, b, _ in pairs for k in (a, b)}
    found = pairs_above({k: texts[k] for k in keys}, threshold)
    tp = sum(1 for a, b, y in pairs if y and frozenset((a, b)) in found)
    fp = sum(1 for a, b, y in pairs if not y and frozenset((a, b)) in found)
    fn = sum(1 for a, b, y in pairs if y and frozenset((a, b)) not in found)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return {
        "pairs": len(pairs),
        "positives": int(np.sum([y for *_, y in pairs])),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "threshold": threshold,
    }

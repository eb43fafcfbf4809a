"""Routing to the lead unit (issue 19, part 2): which unit should handle an appeal, with the reason in words.

The catalogue (派单目录, appeals.DispatchRule: category × region → unit) is the prior: on a fresh install with no
history the router suggests what the catalogue says for the classifier's top-3 categories (and for a second- or
third-level category whose name the text names, e.g. 城市公共设施). Once the database has a dispatch history the
router also learns (first-level category × region × text) → unit from it: every dispatch whose unit kept the
appeal is a positive for that unit, every approved return (退回) a negative for the unit that returned it. The
learnt part is one binary logistic regression per unit over TF-IDF character 1–2-grams of title + content and
one-hot category, region and category × region features (scikit-learn); its normalised probabilities are blended
with the prior, the history's weight growing with its size (`history_weight`).

The model is trained from the database (`gongzhi train_router`, daily through the scheduler) and stored with
joblib at settings.INSIGHT_ROUTER_MODEL (outside git: it is learnt from this installation's appeals). Without a
model file the catalogue alone routes.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.utils.translation import gettext as _

from .classifier import FastTfidf, _identity
from .text import normalize, words

VERSION = 1
TEXT_CHARS = 1000  # title + content read up to this many characters
RECENT_DAYS = 90  # the window of the reasons' counts ("近90天")
NEGATIVE_WEIGHT = 3.0  # an approved return weighs this many ordinary examples in its unit's model
LR_C = 4.0
# history_weight = n / (n + PRIOR_HALF) for n kept dispatches of the category (at most the max): the catalogue
# counts as much as PRIOR_HALF dispatches of the category's history.
PRIOR_HALF = 5
MAX_HISTORY_WEIGHT = (
    0.9  # the catalogue keeps a tenth; demo back-test: 0.6 gains 2 of 230 appeals (noise) and lets a
)
# first-level rule outvote a small but clear history (the street lamp of issue 19)
MIN_POSITIVES = 2  # a unit is learnt once it has this many positives (else the prior alone speaks for it)
TOP = 3
# Words of category names too general to say which subcategory a text is about.
_GENERIC = {
    "管理",
    "问题",
    "其他",
    "服务",
    "建设",
    "城市",
    "城乡",
    "公共",
    "相关",
    "工作",
    "政策",
    "综合",
    "行为",
    "事项",
    "政务",
    "经济",
    "社会",
    "城镇",
    "发展",
    "市场",
    "居民",
    "人员",
    "信息",
    "办理",
    "登记",
    "咨询",
    "投诉",
    "其它",
    "有关",
    "方面",
    "单位",
}


def model_path() -> Path:
    return Path(
        getattr(settings, "INSIGHT_ROUTER_MODEL", Path(settings.MEDIA_ROOT).parent / "var" / "router.joblib")
    )


def _grams(text: str) -> list[str]:
    s = normalize(text)[:TEXT_CHARS]
    return [s[i : i + n] for n in (1, 2) for i in range(len(s) - n + 1)]


# ------------------------------------------------------------------------------------------ the catalogue


@dataclass
class Catalogue:
    """What the router needs of the database's reference data, read once: categories, region ancestors, rules."""

    categories: dict[int, tuple[str, int | None, int]]  # id → (name, parent id, level)
    parents: dict[int, int | None]  # region id → parent id
    levels: dict[int, str]  # region id → level
    rules: dict[tuple[int, int | None], int]  # (category id, region id or None) → unit id
    by_name: dict[str, int] = field(default_factory=dict)  # first-level name → id
    memo: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_db(cls) -> Catalogue:
        from gongzhi.appeals.models import Category, DispatchRule
        from gongzhi.core.models import Region

        cats = {
            c["pk"]: (c["name"], c["parent_id"], c["level"])
            for c in Category.objects.values("pk", "name", "parent_id", "level")
        }
        regions = list(Region.objects.values("pk", "parent_id", "level"))
        rules = {
            (r["category_id"], r["region_id"]): r["unit_id"]
            for r in DispatchRule.objects.filter(unit__is_active=True).values(
                "category_id", "region_id", "unit_id"
            )
        }
        return cls(
            cats,
            {r["pk"]: r["parent_id"] for r in regions},
            {r["pk"]: r["level"] for r in regions},
            rules,
            {name: pk for pk, (name, parent, level) in cats.items() if level == 1},
        )

    @classmethod
    def current(cls) -> Catalogue:
        """`from_db`, cached per process until a category, rule, region or unit is written (core.refcache)."""
        from gongzhi.core import refcache

        return refcache.cached(refcache.REFERENCE, ("router_catalogue",), cls.from_db)

    def region_chain(self, region_id: int | None) -> list[int]:
        chain, seen = [], set()
        while region_id is not None and region_id not in seen:
            seen.add(region_id)
            chain.append(region_id)
            region_id = self.parents.get(region_id)
        return chain

    def lineage(self, category_id: int | None) -> list[int]:
        chain = []
        while category_id is not None and category_id in self.categories and category_id not in chain:
            chain.append(category_id)
            category_id = self.categories[category_id][1]
        return chain

    def top(self, category_id: int | None) -> str:
        chain = self.lineage(category_id)
        return self.categories[chain[-1]][0] if chain else ""

    def rule(self, category_id: int, region_id: int | None) -> tuple[int, int] | None:
        """(unit id, the rule's category id) of the most specific rule (appeals.services.pick_dispatch_rule)."""
        regions = [*self.region_chain(region_id), None]
        for cat in self.lineage(category_id):
            for reg in regions:
                unit = self.rules.get((cat, reg))
                if unit is not None:
                    return unit, cat
        return None

    def descendants_with_rules(self, category_id: int) -> list[int]:
        """Categories below `category_id` that have a rule of their own (computed once per catalogue)."""
        key = ("below", category_id)
        if key not in self.memo:
            ruled = {cat for cat, _reg in self.rules}
            self.memo[key] = sorted(c for c in ruled if c != category_id and category_id in self.lineage(c))
        return self.memo[key]

    def name_words(self, category_id: int) -> list[str]:
        """The telling words of a category's name (市政管理 → 市政; 城市公共设施 → 公共设施)."""
        key = ("words", category_id)
        if key not in self.memo:
            self.memo[key] = self._name_words(category_id)
        return self.memo[key]

    def _name_words(self, category_id: int) -> list[str]:
        found = []
        for w in words(self.categories[category_id][0]):
            for suffix in _GENERIC:
                if w.endswith(suffix) and len(w) - len(suffix) >= 2:
                    w = w[: -len(suffix)]
            if len(w) >= 2 and w not in _GENERIC and w not in found:
                found.append(w)
        return found


# ------------------------------------------------------------------------------------------ history


@dataclass
class Record:
    """One (appeal, unit) of the dispatch history: positive (the unit kept it) or negative (an approved return)."""

    appeal: int
    at: datetime
    title: str
    content: str
    top: str  # first-level category name ("" if the appeal has none)
    region: int | None
    unit: int
    positive: bool
    community: int | None = None


def history(catalogue: Catalogue | None = None, *, since: datetime | None = None) -> list[Record]:
    """The dispatch history of the database, oldest first: per appeal, each unit it was dispatched to is a
    positive unless that unit's return was approved afterwards (then a negative)."""
    from gongzhi.appeals.models import Appeal, AppealEvent
    from gongzhi.core.choices import RegionLevel

    catalogue = catalogue or Catalogue.from_db()
    events = AppealEvent.objects.filter(action__in=("dispatch", "approve_return"), unit__isnull=False)
    if since is not None:
        events = events.filter(created_at__gte=since)
    per_appeal: dict[int, dict[int, tuple[datetime, bool]]] = defaultdict(dict)
    for e in (
        events.order_by("created_at", "pk").values("appeal_id", "action", "unit_id", "created_at").iterator()
    ):
        per_appeal[e["appeal_id"]][e["unit_id"]] = (e["created_at"], e["action"] == "dispatch")
    out = []
    ids = list(per_appeal)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for a in Appeal.objects.filter(pk__in=chunk).values(
            "pk", "title", "content", "category_id", "region_id"
        ):
            chain = catalogue.region_chain(a["region_id"])
            community = next((r for r in chain if catalogue.levels.get(r) == RegionLevel.COMMUNITY), None)
            for unit, (at, positive) in per_appeal[a["pk"]].items():
                out.append(
                    Record(
                        a["pk"],
                        at,
                        a["title"],
                        a["content"],
                        catalogue.top(a["category_id"]),
                        a["region_id"],
                        unit,
                        positive,
                        community,
                    )
                )
    out.sort(key=lambda r: (r.at, r.appeal, r.unit))
    return out


# ------------------------------------------------------------------------------------------ the model


def _meta_tokens(top: str, chain: Sequence[int]) -> list[str]:
    tokens = ["c:" + top] if top else []
    for r in chain[:3]:  # the appeal's region and its two parents (grid/community/street)
        tokens.append(f"r:{r}")
        if top:
            tokens.append(f"cr:{top}|{r}")
    return tokens


@dataclass
class RouterModel:
    text_vec: object
    meta_vec: object
    units: list[int]
    coef: np.ndarray  # features × units (float32)
    intercept: np.ndarray
    stats: dict  # "recent": {(top, unit): n}, "community": {(community, top, unit): n}, "returns": {(top, unit): n}
    meta: dict = field(default_factory=dict)

    def features(self, texts: Sequence[str], metas: Sequence[list[str]]):
        return sp.hstack([self.text_vec.transform(texts), self.meta_vec.transform(metas)]).tocsr()

    def proba(self, texts: Sequence[str], metas: Sequence[list[str]]) -> np.ndarray:
        """Each row: the units' probabilities (sigmoid of each unit's model), normalised to sum to 1."""
        scores = self.features(texts, metas) @ self.coef + self.intercept
        p = 1.0 / (1.0 + np.exp(-scores))
        total = p.sum(axis=1, keepdims=True)
        total[total == 0] = 1.0
        return p / total


def history_weight(n_positive: int) -> float:
    """How much the learnt part counts against the catalogue, for a category with this many kept dispatches."""
    return min(MAX_HISTORY_WEIGHT, n_positive / (n_positive + PRIOR_HALF)) if n_positive > 0 else 0.0


def train(
    records: Sequence[Record], catalogue: Catalogue, *, now: datetime | None = None, n_jobs: int = 2
) -> RouterModel | None:
    """Fit the units' models on `records` (None when fewer than two units have MIN_POSITIVES positives)."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression

    started = time.perf_counter()
    positives = Counter(r.unit for r in records if r.positive)
    units = sorted(u for u, n in positives.items() if n >= MIN_POSITIVES)
    if len(units) < 2:
        return None
    texts = [f"{r.title}\n{r.content}" for r in records]
    metas = [_meta_tokens(r.top, catalogue.region_chain(r.region)) for r in records]
    text_vec = FastTfidf(_grams, min_df=2 if len(records) > 200 else 1, max_features=20000)
    meta_vec = CountVectorizer(analyzer=_identity, binary=True, dtype=np.float32)
    x = sp.hstack([text_vec.fit_transform(texts), meta_vec.fit_transform(metas)]).tocsr()
    unit_of = np.array([r.unit for r in records])
    positive = np.array([r.positive for r in records])
    # Positives of every unit are the negatives of the others; an approved return is a negative for its unit only.
    shared = np.flatnonzero(positive)

    def fit(u):
        own_neg = np.flatnonzero(~positive & (unit_of == u))
        rows = np.concatenate([shared, own_neg])
        y = np.concatenate([unit_of[shared] == u, np.zeros(len(own_neg), dtype=bool)])
        weight = np.concatenate([np.ones(len(shared)), np.full(len(own_neg), NEGATIVE_WEIGHT)])
        lr = LogisticRegression(C=LR_C, solver="liblinear", class_weight=None)
        lr.fit(x[rows], y.astype(np.int8), sample_weight=weight)
        return lr.coef_.ravel().astype(np.float32), float(lr.intercept_[0])

    with ThreadPoolExecutor(max(1, n_jobs)) as pool:  # liblinear releases the GIL
        fitted = list(pool.map(fit, units))
    coef = np.column_stack([w for w, _b in fitted]).astype(np.float32)
    intercept = np.array([b for _w, b in fitted], dtype=np.float32)
    model = RouterModel(
        text_vec,
        meta_vec,
        units,
        np.ascontiguousarray(coef),
        intercept,
        history_stats(records, now=now),
        {
            "version": VERSION,
            "n_records": len(records),
            "n_positive": int(positive.sum()),
            "n_negative": int((~positive).sum()),
            "units": len(units),
            "trained_at": (now or max(r.at for r in records)).isoformat(),
        },
    )
    model.meta["train_seconds"] = round(time.perf_counter() - started, 2)
    return model


def history_stats(records: Sequence[Record], *, now: datetime | None = None) -> dict:
    """The counts the reasons quote: dispatches kept by each unit per first-level category in the last
    RECENT_DAYS, per community and category, and approved returns per category and unit."""
    now = now or (max(r.at for r in records) if records else None)
    recent, community, returns, by_top = Counter(), Counter(), Counter(), Counter()
    for r in records:
        if r.positive:
            by_top[r.top] += 1
            if now is None or r.at >= now - timedelta(days=RECENT_DAYS):
                recent[(r.top, r.unit)] += 1
            if r.community is not None:
                community[(r.community, r.top, r.unit)] += 1
        else:
            returns[(r.top, r.unit)] += 1
    return {
        "recent": dict(recent),
        "community": dict(community),
        "returns": dict(returns),
        "by_top": dict(by_top),
    }


def save(model: RouterModel, path: str | Path | None = None) -> Path:
    import joblib

    path = Path(path or model_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)  # a reader never sees half a file
    _cache.clear()
    return path


_cache: dict = {}


def load(path: str | Path | None = None) -> RouterModel | None:
    """The stored model, reloaded when its file changes; None when there is none (or it cannot be read)."""
    import joblib

    path = Path(path or model_path())
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return None
    hit = _cache.get(str(path))
    if hit and hit[0] == mtime:
        return hit[1]
    try:
        model = joblib.load(path)
    except Exception:  # a damaged file must not break intake: the catalogue still routes
        model = None
    _cache[str(path)] = (mtime, model)
    return model


# ------------------------------------------------------------------------------------------ suggesting


@dataclass
class Query:
    title: str
    content: str
    region: int | None
    categories: list[tuple[str, float]]  # the classifier's top-3 (first-level name, confidence)
    category: int | None = None  # a confirmed category (any level), if the appeal has one


def prior(q: Query, catalogue: Catalogue) -> dict[int, tuple[float, list[tuple[int, str]]]]:
    """The catalogue's distribution over units: {unit: (weight, [(rule category id, how)])}. A confirmed category
    counts fully; else each predicted first-level category by its confidence, shared with the subcategories
    whose names the text names."""
    out: dict[int, list] = {}

    def add(unit_cat, weight):
        if unit_cat is None or weight <= 0:
            return
        unit, cat = unit_cat
        entry = out.setdefault(unit, [0.0, []])
        entry[0] += weight
        if cat not in entry[1]:
            entry[1].append(cat)

    text = normalize(f"{q.title}\n{q.content}")
    if q.category is not None and q.category in catalogue.categories:
        add(catalogue.rule(q.category, q.region), 1.0)
    else:
        for name, confidence in q.categories:
            cat = catalogue.by_name.get(name)
            if cat is None:
                continue
            named = [
                c
                for c in catalogue.descendants_with_rules(cat)
                if any(w in text for w in catalogue.name_words(c))
            ]
            if named:
                add(catalogue.rule(cat, q.region), confidence * 0.4)
                for c in named:
                    add(catalogue.rule(c, q.region), confidence * 0.6 / len(named))
            else:
                add(catalogue.rule(cat, q.region), confidence)
    total = sum(w for w, _c in out.values()) or 1.0
    return {u: (w / total, cats) for u, (w, cats) in out.items()}


def suggest_many(
    queries: Sequence[Query],
    *,
    catalogue: Catalogue | None = None,
    model: RouterModel | None = None,
    use_model: bool = True,
    top: int = TOP,
) -> list[list[dict]]:
    """For each query the `top` units, best first: {"unit", "name", "score", "reasons": [words]}."""
    from gongzhi.core.models import Unit

    if not queries:
        return []
    catalogue = catalogue or Catalogue.current()
    if use_model and model is None:
        model = load()
    ranked = rank_many(queries, catalogue, model)
    unit_ids = {u for row in ranked for u, _s, _p in row[: 2 * top]}
    # Units closed since the model learnt them are left out (a dispatch to them would be refused).
    names = dict(Unit.objects.filter(pk__in=unit_ids, is_active=True).values_list("pk", "name"))
    out = []
    for q, row in zip(queries, ranked, strict=True):
        items = []
        for unit, score, prior_cats in row:
            if len(items) == top:
                break
            if unit not in names:
                continue
            items.append(
                {
                    "unit": unit,
                    "name": names[unit],
                    "score": round(float(score), 4),
                    "reasons": reasons(q, unit, names[unit], prior_cats, catalogue, model),
                }
            )
        out.append(items)
    return out


def rank_many(queries: Sequence[Query], catalogue: Catalogue, model: RouterModel | None) -> list[list[tuple]]:
    """Each query's units by blended score, best first: [(unit, score, the prior's rule categories)]. The learnt
    part reads the confirmed category, else the classifier's best (a mixture over its top three, each weighted
    by its confidence, lost 3 of 230 appeals' top-3 in the demo back-test)."""
    priors = [prior(q, catalogue) for q in queries]
    learnt = None
    if model is not None:
        texts = [f"{q.title}\n{q.content}" for q in queries]
        metas = [_meta_tokens(_top_of(q, catalogue), catalogue.region_chain(q.region)) for q in queries]
        learnt = model.proba(texts, metas)
    out = []
    for i, p in enumerate(priors):
        weight = 0.0
        if learnt is not None:
            weight = history_weight(model.stats["by_top"].get(_top_of(queries[i], catalogue), 0))
        scores: dict[int, float] = {u: (1 - weight) * w for u, (w, _c) in p.items()}
        if learnt is not None:
            row = learnt[i]
            best = np.argsort(-row)[: 2 * TOP]  # only the best few learnt units can enter the top three
            if not p:  # no catalogue rule: the history alone
                scores = {model.units[j]: float(row[j]) for j in best}
            else:
                for j in best:
                    u = model.units[j]
                    scores[u] = scores.get(u, 0.0) + weight * float(row[j])
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        out.append([(u, s, p.get(u, (0.0, []))[1]) for u, s in ranked])
    return out


def _top_of(q: Query, catalogue: Catalogue) -> str:
    if q.category is not None and q.category in catalogue.categories:
        return catalogue.top(q.category)
    return q.categories[0][0] if q.categories else ""


def reasons(
    q: Query, unit: int, name: str, prior_cats: list[int], catalogue: Catalogue, model: RouterModel | None
) -> list[str]:
    """Why this unit, in words a dispatcher reads (no scores, no codes)."""
    out = []
    top = _top_of(q, catalogue)
    stats = model.stats if model is not None else {}
    for cat in prior_cats[:2]:
        out.append(
            _("目录规定：%(category)s → %(unit)s") % {"category": catalogue.categories[cat][0], "unit": name}
        )
    recent = stats.get("recent", {}).get((top, unit), 0)
    if recent:
        out.append(
            _("该类诉求近%(days)d天由%(unit)s办理 %(n)d 件")
            % {"days": RECENT_DAYS, "unit": name, "n": recent}
        )
    chain = catalogue.region_chain(q.region)
    from gongzhi.core.choices import RegionLevel

    community = next((r for r in chain if catalogue.levels.get(r) == RegionLevel.COMMUNITY), None)
    if community is not None and stats.get("community"):
        here = {u: n for (c, t, u), n in stats["community"].items() if c == community and t == top}
        if here.get(unit, 0) >= 2 and here[unit] == max(here.values()):
            out.append(_("本社区同类诉求多由%(unit)s办理（%(n)d 件）") % {"unit": name, "n": here[unit]})
    returned = stats.get("returns", {}).get((top, unit), 0)
    if returned:
        out.append(_("同类诉求曾被%(unit)s退回 %(n)d 件") % {"unit": name, "n": returned})
    if not out:
        out.append(_("内容与以往由%(unit)s办理的诉求相近") % {"unit": name})
    return out


# ------------------------------------------------------------------------------------------ back-test


def backtest(
    records: Sequence[Record],
    catalogue: Catalogue,
    *,
    test_share: float = 0.2,
    categories: dict[int, list[tuple[str, float]]] | None = None,
) -> dict:
    """Time split: the appeals first dispatched in the older (1 − test_share) part train the router, the newer
    appeals test it: how often the unit that finally kept the appeal is the router's first / among its three.
    `categories`: {appeal: the classifier's top-3} as the router sees them at dispatch (default: the appeal's
    confirmed first-level category with confidence 1). Also for comparison: the catalogue alone (the router with
    no history) and the rule of the first-level category (what gongzhi suggested before the router)."""
    first_at: dict[int, datetime] = {}
    for r in records:
        first_at.setdefault(r.appeal, r.at)
    order = sorted(first_at, key=lambda a: (first_at[a], a))
    if len(order) < 10:
        raise ValueError("too little history for a back-test")
    cut = order[int(len(order) * (1 - test_share))]
    cut_at = first_at[cut]
    train_ids = {a for a in order if first_at[a] < cut_at}
    train_records = [r for r in records if r.appeal in train_ids and r.at < cut_at]
    final: dict[int, Record] = {}
    for r in records:
        if r.appeal not in train_ids and r.positive:
            final[r.appeal] = r  # the last unit that kept it
    tests = list(final.values())
    queries = [
        Query(
            r.title,
            r.content,
            r.region,
            (categories or {}).get(r.appeal) or ([(r.top, 1.0)] if r.top else []),
        )
        for r in tests
    ]
    started = time.perf_counter()
    model = train(train_records, catalogue, now=cut_at)
    train_seconds = time.perf_counter() - started
    result = {
        "train_appeals": len(train_ids),
        "train_records": len(train_records),
        "test_appeals": len(tests),
        "train_seconds": round(train_seconds, 2),
        "split_at": cut_at.isoformat(),
    }
    for label, m in (("router", model), ("catalogue", None)):
        rank_many(queries[:8], catalogue, m)  # warm-up, untimed: jieba's dictionary loads once per process
        started = time.perf_counter()
        ranked = rank_many(queries, catalogue, m)
        elapsed = max(time.perf_counter() - started, 1e-9)
        top1 = np.mean([bool(row) and row[0][0] == r.unit for row, r in zip(ranked, tests, strict=True)])
        top3 = np.mean(
            [r.unit in [u for u, _s, _c in row[:TOP]] for row, r in zip(ranked, tests, strict=True)]
        )
        result[label] = {
            "top1": round(float(top1), 4),
            "top3": round(float(top3), 4),
            "per_second": round(len(tests) / elapsed, 1),
        }
    # What gongzhi suggested before the router: the rule of each predicted first-level category, in their order.
    before = []
    for q in queries:
        units = []
        for name, _conf in q.categories:
            found = catalogue.rule(catalogue.by_name[name], q.region) if name in catalogue.by_name else None
            if found is not None and found[0] not in units:
                units.append(found[0])
        before.append(units)
    result["first_level_rule"] = {
        "top1": round(
            float(np.mean([bool(u) and u[0] == r.unit for u, r in zip(before, tests, strict=True)])), 4
        ),
        "top3": round(float(np.mean([r.unit in u[:TOP] for u, r in zip(before, tests, strict=True)])), 4),
    }
    return result

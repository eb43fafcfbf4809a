"""5-fold CV of classifier variants on the shared labelled appeals (issue 3): why the shipped model sits below a
plain TF-IDF + linear SVM, and what gets closer to the 0.94 macro-F1 / 0.99 top-3 targets.

    .venv/bin/python bench/classifier_variants.py [--only "NAME;NAME"] [--folds 5] [--extra]

Splits are those of `classifier.cross_validate`: labeled.csv deduplicated by normalised text, GroupKFold(5)
grouped by normalised title; titles.csv examples join training unless their title is a test-fold title.
`--extra` also adds to training the full texts of hotspot/replies/unlabeled messages whose normalised title is
a labelled title of titles.csv (never one of the test fold's titles). Each row: the 5-fold mean of macro-F1,
accuracy and top-3 accuracy, with the top-1 taken from the raw decision and from the calibrated probabilities.
Rows "5: …" (fifth round, docs/insight.md §1) share one feature computation per fold within a run; the ones with
"pool" also read the unlabelled shared texts (hotspot_messages, replies, unlabeled).
"""

import argparse
import itertools
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import GroupKFold  # noqa: E402

from gongzhi.insight import classifier  # noqa: E402
from gongzhi.insight.text import dedup_key, normalize, words  # noqa: E402

SHARED = Path(os.environ.get("GONGZHI_SHARED", "/work/shared")) / "data" / "appeals"


def load(extra: bool):
    labeled = classifier.dedupe(classifier.examples_from_rows(classifier.read_csv(SHARED / "labeled.csv")))
    titles = [
        classifier.Example(e.title, "", e.label)
        for e in classifier.examples_from_rows(classifier.read_csv(SHARED / "titles.csv"))
    ]
    more = []
    if extra:
        by_title = {}
        for t in titles:
            by_title.setdefault(dedup_key(t.title), set()).add(t.label)
        seen = {dedup_key(e.detail) for e in labeled}
        for name in ("hotspot_messages.csv", "replies.csv", "unlabeled.csv"):
            for r in classifier.read_csv(SHARED / name):
                labels = by_title.get(dedup_key(r.get("title")))
                key = dedup_key(r.get("detail"))
                if labels and len(labels) == 1 and len(dedup_key(r.get("title"))) >= 6 and key not in seen:
                    seen.add(key)
                    more.append(classifier.Example(r["title"], r["detail"], next(iter(labels))))
    return labeled, titles, more


# ------------------------------------------------------------------------------------------- features

_tok_cache: dict[str, list[str]] = {}


def jieba_words(text: str) -> list[str]:
    got = _tok_cache.get(text)
    if got is None:
        got = _tok_cache[text] = words(normalize(text))
    return got


def char_grams(lo, hi, chars=None):
    def analyzer(text):
        s = normalize(text)[:chars] if chars else normalize(text)
        return [s[i : i + n] for n in range(lo, hi + 1) for i in range(len(s) - n + 1)]

    return analyzer


def word_grams(lo, hi, chars=None):
    def analyzer(text):
        w = jieba_words(normalize(text)[:chars] if chars else text)
        out = list(w) if lo == 1 else []
        if hi >= 2:
            out += [a + " " + b for a, b in itertools.pairwise(w)]
        return out

    return analyzer


class Blocks:
    """Union of TF-IDF blocks, each on the title, the detail or the joined text, each with a weight."""

    def __init__(self, blocks):
        self.blocks = blocks  # (field, analyzer, weight, min_df)

    @staticmethod
    def _field(ex, field):
        if field == "title":
            return ex.title
        if field == "detail":
            return ex.detail
        return (ex.title or "") + " " + (ex.detail or "")

    def fit_transform(self, exs):
        self.vecs = []
        mats = []
        for field, analyzer, weight, min_df in self.blocks:
            if isinstance(analyzer, dict):  # the shipped numpy-hashed character n-grams
                v = classifier.HashedNgramTfidf(min_df=min_df, **analyzer)
            else:
                v = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, min_df=min_df, dtype=np.float32)
            mats.append(weight * v.fit_transform([self._field(e, field) for e in exs]))
            self.vecs.append(v)
        return sp.hstack(mats).tocsr()

    def transform(self, exs):
        return sp.hstack(
            [
                w * v.transform([self._field(e, f) for e in exs])
                for (f, _, w, _), v in zip(self.blocks, self.vecs, strict=True)
            ]
        ).tocsr()


# ------------------------------------------------------------------------------------------- models


def svm(C=0.5, calibrate=True):
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    def fit(x, y):
        base = LinearSVC(C=C)
        if not calibrate:
            base.fit(x, y)
            return base.decision_function, None, base.classes_
        cal = CalibratedClassifierCV(LinearSVC(C=C), method="sigmoid", cv=3, ensemble=False).fit(x, y)
        raw = cal.calibrated_classifiers_[0].estimator
        return raw.decision_function, cal.predict_proba, cal.classes_

    return fit


def logreg(C=20.0):
    from sklearn.linear_model import LogisticRegression

    def fit(x, y):
        m = LogisticRegression(C=C, max_iter=2000).fit(x, y)
        return m.decision_function, m.predict_proba, m.classes_

    return fit


def sgd_huber(alpha=2e-5):
    from sklearn.linear_model import SGDClassifier

    def fit(x, y):
        m = SGDClassifier(loss="modified_huber", alpha=alpha, max_iter=50, tol=None, random_state=0).fit(x, y)
        return m.decision_function, m.predict_proba, m.classes_

    return fit


def cnb(alpha=0.3):
    from sklearn.naive_bayes import ComplementNB

    def fit(x, y):
        m = ComplementNB(alpha=alpha).fit(x, y)
        return m.predict_log_proba, m.predict_proba, m.classes_

    return fit


def sgd_elasticnet(alpha=2e-5, l1_ratio=0.15):
    from sklearn.linear_model import SGDClassifier

    def fit(x, y):
        m = SGDClassifier(
            loss="modified_huber",
            penalty="elasticnet",
            alpha=alpha,
            l1_ratio=l1_ratio,
            max_iter=30,
            tol=None,
            random_state=0,
        ).fit(x, y)
        return m.decision_function, None, m.classes_

    return fit


def nbsvm(C=3.0, alpha=1.0):
    """The shipped version-3 classifier (`classifier._fit_nbsvm`) on any feature blocks."""

    def fit(x, y):
        classes = np.array(sorted(set(y)))
        yi = np.searchsorted(classes, y)
        lin = classifier._fit_nbsvm(x, yi, len(classes), C=C, alpha=alpha, folds=3, n_jobs=2)
        coef = lin["coef"].toarray()

        def decide(xt):
            return xt @ coef + lin["intercept"]

        def proba(xt):
            p = 1.0 / (1.0 + np.exp(decide(xt) * lin["a"] + lin["b"]))
            return p / p.sum(axis=1, keepdims=True)

        return decide, proba, classes

    return fit


def soft_vote(*fits):
    """Mean of the calibrated probabilities of several models on the same features."""

    def fit(x, y):
        parts = [f(x, y) for f in fits]

        def proba(xt):
            return sum(p(xt) for _, p, _ in parts) / len(parts)

        return proba, proba, parts[0][2]

    return fit


def ensemble(*fits, weights=None):
    """Mean of z-scored decisions of several linear models on the same features."""

    def fit(x, y):
        parts = [f(x, y) for f in fits]
        w = weights or [1.0] * len(parts)

        def decide(xt):
            total = 0
            for (dec, _, _), wi in zip(parts, w, strict=True):
                d = dec(xt)
                d = (d - d.mean(axis=1, keepdims=True)) / (d.std(axis=1, keepdims=True) + 1e-9)
                total = total + wi * d
            return total

        return decide, None, parts[0][2]

    return fit


# ------------------------------------------------------------------------------------------- fifth round
# Stacking: several linear models on the same features, their out-of-fold margins combined either by one
# Platt sigmoid per class on the (scaled) sum, or by a multinomial logistic regression. Both fold into ONE
# features × classes matrix (M·(Wx + b) + c = (W Mᵀ)x + …), so prediction stays one sparse × dense product.


def w_nbsvm(C=3.0, alpha=1.0, title_only_weight=1.0, extra_weight=1.0):
    def fit(x, y, k, info):
        sw = None
        if title_only_weight != 1.0 or extra_weight != 1.0:
            sw = np.where(info["title_only"], title_only_weight, 1.0)
            if info.get("extra") is not None:
                sw = np.where(info["extra"], extra_weight, sw)
        return classifier._nbsvm_weights(x, y, k, C=C, alpha=alpha, n_jobs=2, sample_weight=sw)

    return fit


def w_cnb(alpha=0.3, complement=True):
    """Complement (or multinomial) naive Bayes: its joint log-likelihoods are linear in the features
    (x @ log θᵀ + log prior), so they fold into the one matrix like the other members."""
    from sklearn.naive_bayes import ComplementNB, MultinomialNB

    def fit(x, y, k, info):
        m = (ComplementNB(alpha=alpha) if complement else MultinomialNB(alpha=alpha)).fit(x, y)
        w = m.feature_log_prob_.T.astype(np.float32)
        b = np.zeros(k, dtype=np.float32) if complement else m.class_log_prior_.astype(np.float32)
        return w - w.mean(axis=1, keepdims=True), b  # per-feature centring: the same argmax, a smaller scale

    return fit


def _nb_scaled_binary(x, y, k, alpha, fit_binary, adjust=lambda w: w):
    """One binary model a class on the features scaled by that class's NB log-count ratios (as v3's NB-SVM);
    `fit_binary(scaled, labels)` → a fitted linear model, `adjust(w)` reshapes its weights in the scaled space.
    The ratios fold into the weights (w ⊙ r), so prediction stays one product."""
    r = classifier._nb_ratios(x, y, k, alpha)
    ws, bs = [], []
    for c in range(k):
        scaled = x.copy()
        scaled.data *= r[scaled.indices, c]
        model = fit_binary(scaled, (y == c).astype(np.int8))
        ws.append(adjust(model.coef_.ravel()).astype(np.float32) * r[:, c])
        bs.append(float(model.intercept_[0]))
    return np.column_stack(ws), np.array(bs, dtype=np.float32)


def w_nbsvm_interp(C=3.0, alpha=1.0, beta=0.25):
    """NB-SVM with Wang & Manning's interpolation: w = (1 − β)·mean|w| + β·w in the scaled space (their
    β = 0.25), which pulls each class's SVM towards multinomial NB."""
    from sklearn.svm import LinearSVC

    def fit(x, y, k, info):
        return _nb_scaled_binary(
            x,
            y,
            k,
            alpha,
            lambda xs, ys: LinearSVC(C=C).fit(xs, ys),
            adjust=lambda w: (1 - beta) * np.abs(w).mean() + beta * w,
        )

    return fit


def w_nblr(C=30.0, alpha=1.0):
    """NB-LR: binary logistic regressions on the ratio-scaled features instead of SVMs."""
    from sklearn.linear_model import LogisticRegression

    def fit(x, y, k, info):
        return _nb_scaled_binary(
            x, y, k, alpha, lambda xs, ys: LogisticRegression(C=C, solver="liblinear").fit(xs, ys)
        )

    return fit


def w_svm(C=1.0):
    from sklearn.svm import LinearSVC

    def fit(x, y, k, info):
        m = LinearSVC(C=C).fit(x, y)
        return m.coef_.T.astype(np.float32), m.intercept_.astype(np.float32)

    return fit


def w_sgd(alpha=2e-5, l1_ratio=0.15, epochs=30):
    from sklearn.linear_model import SGDClassifier

    def fit(x, y, k, info):
        m = SGDClassifier(
            loss="modified_huber",
            penalty="elasticnet",
            alpha=alpha,
            l1_ratio=l1_ratio,
            max_iter=epochs,
            tol=None,
            random_state=0,
        ).fit(x, y)
        return m.coef_.T.astype(np.float32), m.intercept_.astype(np.float32)

    return fit


def w_title(C=3.0, alpha=1.0):
    """NB-SVM on the title block alone (rows with a title), padded with zeros for the text block."""

    def fit(x, y, k, info):
        n = info["n_title"]
        rows = np.flatnonzero(info["has_title"])
        xt = x[rows][:, :n].tocsr()
        w, b = classifier._nbsvm_weights(xt, y[rows], k, C=C, alpha=alpha, n_jobs=2)
        full = np.zeros((x.shape[1], k), dtype=np.float32)
        full[:n] = w
        return full, b

    return fit


def _macro_f1(y, pred, k):
    tp = np.bincount(y[pred == y], minlength=k)
    return float(
        np.mean(2 * tp / np.maximum(np.bincount(y, minlength=k) + np.bincount(pred, minlength=k), 1))
    )


def class_offsets(p, y, k, grid=None, passes=4):
    """Per-class additive offsets δ on log-probabilities maximising the macro-F1 of argmax(log p + δ) on the
    given (out-of-fold, training-side) rows: coordinate ascent over a grid, strict improvements only."""
    grid = np.linspace(-1.5, 1.5, 61) if grid is None else grid
    lp = np.log(np.clip(p, 1e-12, None))
    d = np.zeros(k)
    best = _macro_f1(y, lp.argmax(axis=1), k)
    for _ in range(passes):
        improved = False
        for c in range(k):
            for v in grid:
                t = d.copy()
                t[c] = v
                f = _macro_f1(y, (lp + t).argmax(axis=1), k)
                if f > best + 1e-12:
                    best, d, improved = f, t, True
        if not improved:
            break
    return d - d.mean(), best


def stacked(
    *fitters,
    combine="platt",
    lr_C=1.0,
    folds=3,
    member_weights=None,
    offsets=None,
    inner="stratified",
    calibrate_extra=True,
):
    """`offsets`: None, "all" (every training row) or "full" (training rows with a detail): per-class offsets on
    the log-probabilities chosen on the out-of-fold probabilities of the training side only (`class_offsets`).
    `inner`: "stratified" (as v3) or "grouped" (GroupKFold by normalised title, so a title-only example and the
    full text with that title never sit on both sides of an inner split)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, StratifiedKFold

    def fit(x, y, info):
        classes = np.array(sorted(set(y)))
        yi = np.searchsorted(classes, y)
        k = len(classes)
        oof = [np.zeros((x.shape[0], k)) for _ in fitters]
        if inner == "grouped":
            splits = GroupKFold(folds).split(np.zeros(len(yi)), yi, groups=info["group"])
        else:
            splits = StratifiedKFold(folds).split(np.zeros(len(yi)), yi)
        for fit_idx, held_idx in splits:
            sub = {key: (v[fit_idx] if isinstance(v, np.ndarray) else v) for key, v in info.items()}
            for j, f in enumerate(fitters):
                w, b = f(x[fit_idx], yi[fit_idx], k, sub)
                oof[j][held_idx] = x[held_idx] @ w + b
        full = [f(x, yi, k, info) for f in fitters]
        scale = [1.0 / (o.std() + 1e-9) for o in oof]  # put the models' margins on one scale
        if member_weights:
            scale = [
                c * m * len(fitters) / sum(member_weights) for c, m in zip(scale, member_weights, strict=True)
            ]
        if combine == "platt":
            s = sum(o * c for o, c in zip(oof, scale, strict=True)) / len(oof)
            W = sum(w * c for (w, _), c in zip(full, scale, strict=True)) / len(full)
            B = sum(b * c for (_, b), c in zip(full, scale, strict=True)) / len(full)
            cal = np.ones(len(yi), dtype=bool) if calibrate_extra else ~info["extra"]
            ab = [classifier._platt(s[cal, c], yi[cal] == c) for c in range(k)]
            a, bb = np.array([v[0] for v in ab]), np.array([v[1] for v in ab])
            shift = np.zeros(k)
            if offsets:
                po = 1.0 / (1.0 + np.exp(s * a + bb))
                po /= po.sum(axis=1, keepdims=True)
                rows = np.ones(len(yi), dtype=bool) if offsets == "all" else ~info["title_only"]
                shift, _ = class_offsets(po[rows], yi[rows], k)
                fit.offsets.append(shift)

            def proba(xt):
                p = 1.0 / (1.0 + np.exp((xt @ W + B) * a + bb)) * np.exp(shift)
                return p / p.sum(axis=1, keepdims=True)
        else:
            z = np.hstack([o * c for o, c in zip(oof, scale, strict=True)])
            lr = LogisticRegression(C=lr_C, max_iter=3000).fit(z, yi)
            M = lr.coef_  # k × (k·m)
            W = sum((w * scale[j]) @ M[:, j * k : (j + 1) * k].T for j, (w, _) in enumerate(full))
            B = (
                sum((b * scale[j]) @ M[:, j * k : (j + 1) * k].T for j, (_, b) in enumerate(full))
                + lr.intercept_
            )

            def proba(xt):
                s = xt @ W + B
                e = np.exp(s - s.max(axis=1, keepdims=True))
                return e / e.sum(axis=1, keepdims=True)

        return proba, proba, classes

    fit.wants_info = True
    fit.offsets = []
    return fit


# unlabelled texts of the shared folder (hotspot_messages, replies, unlabeled), for the fifth-round variants that
# fit IDF / naive-Bayes ratios on more text: deduplicated, and every text with a character-3-gram TF-IDF cosine
# ≥ 0.5 to any labelled full text or a title equal to a labelled title dropped (so no test-fold text leaks in)
_POOL: list = []


def unlabelled_pool(labeled, titles):
    if _POOL:
        return _POOL
    known_titles = {dedup_key(e.title) for e in list(labeled) + list(titles)} - {""}
    seen = {dedup_key(e.detail) for e in labeled}
    pool = []
    for name in ("hotspot_messages.csv", "replies.csv", "unlabeled.csv"):
        for r in classifier.read_csv(SHARED / name):
            key = dedup_key(r.get("detail"))
            if not key or key in seen or dedup_key(r.get("title")) in known_titles:
                continue
            seen.add(key)
            pool.append(classifier.Example(r.get("title") or "", r.get("detail") or "", ""))
    vec = classifier.HashedNgramTfidf(chars=3000, bits=20)
    vec.fit_transform([f"{e.title}\n{e.detail}" for e in labeled] + [f"{e.title}\n{e.detail}" for e in pool])
    a = vec.transform([f"{e.title}\n{e.detail}" for e in labeled])
    b = vec.transform([f"{e.title}\n{e.detail}" for e in pool])
    near = np.zeros(len(pool), dtype=bool)
    for i in range(0, len(pool), 2000):
        near[i : i + 2000] = (b[i : i + 2000] @ a.T).max(axis=1).toarray().ravel() >= 0.5
    _POOL.extend(e for e, n in zip(pool, near, strict=True) if not n)
    return _POOL


class PoolBlocks(Blocks):
    """The v3 blocks with their IDF (and the title vocabulary) fitted on the training fold plus the unlabelled
    pool (`idf=True`), or on the fold alone; the pool's features are kept for the ratio variants."""

    def __init__(self, blocks, pool, idf=True):
        super().__init__(blocks)
        self.pool, self.idf = pool, idf

    def fit_transform(self, exs):
        if self.idf:
            x = super().fit_transform(list(exs) + self.pool)
            n = len(exs)
            self.pool_x = x[n:]
            return x[:n]
        x = super().fit_transform(exs)
        self.pool_x = self.transform(self.pool)
        return x


def w_nbsvm_pool_ratios(C=3.0, alpha=1.0, min_gap=0.5, pool_weight=1.0):
    """NB-SVM whose naive-Bayes ratios also count the unlabelled pool texts that the fold's own NB-SVM labels
    with a margin gap ≥ `min_gap` (the SVMs themselves are fitted on the labelled training rows only)."""
    from sklearn.svm import LinearSVC

    def fit(x, y, k, info):
        w, b = classifier._nbsvm_weights(x, y, k, C=C, alpha=alpha, n_jobs=2)
        px = info["pool_x"]
        m = px @ w + b
        part = np.sort(m, axis=1)
        conf = (part[:, -1] - part[:, -2]) >= min_gap
        r = classifier._nb_ratios(
            sp.vstack([x, px[np.flatnonzero(conf)]]).tocsr(),
            np.concatenate([y, m.argmax(axis=1)[conf]]),
            k,
            alpha,
        )
        ws, bs = [], []
        for c in range(k):
            scaled = x.copy()
            scaled.data *= r[scaled.indices, c]
            svm = LinearSVC(C=C).fit(scaled, (y == c).astype(np.int8))
            ws.append(svm.coef_.ravel().astype(np.float32) * r[:, c])
            bs.append(float(svm.intercept_[0]))
        return np.column_stack(ws), np.array(bs, dtype=np.float32)

    return fit


def w_nbsvm_selftrain(C=3.0, alpha=1.0, min_gap=1.0, pool_weight=0.3):
    """Self-training: the fold's NB-SVM labels the pool; the texts with a margin gap ≥ `min_gap` join the
    training rows with weight `pool_weight`, and the NB-SVM is refitted."""

    def fit(x, y, k, info):
        w, b = classifier._nbsvm_weights(x, y, k, C=C, alpha=alpha, n_jobs=2)
        px = info["pool_x"]
        m = px @ w + b
        part = np.sort(m, axis=1)
        conf = np.flatnonzero((part[:, -1] - part[:, -2]) >= min_gap)
        xx = sp.vstack([x, px[conf]]).tocsr()
        yy = np.concatenate([y, m.argmax(axis=1)[conf]])
        sw = np.concatenate([np.ones(x.shape[0]), np.full(len(conf), pool_weight)])
        return classifier._nbsvm_weights(xx, yy, k, C=C, alpha=alpha, n_jobs=2, sample_weight=sw)

    return fit


# ------------------------------------------------------------------------------------------- sixth round
# Labels that are not the model's own: the unit that replied to (or handled) an appeal in replies.csv. A reply
# naming units of exactly one row below gives that appeal the row's category; replies naming units of two rows
# are dropped, and so is every appeal whose text is a near copy (character-3-gram TF-IDF cosine ≥ 0.5) of a
# labelled full text, so no test-fold text leaks in. 交通运输 is kept apart (`with_transport`): its mapping was
# wrong on 10 of 12 checkable appeals (驾校 and bus-station fees labelled 商贸旅游, village roads 城乡建设).
REPLY_UNITS = {
    "城乡建设": r"住建局|住建委|住房和城乡建设|住房城乡建设|城乡建设局|房产局|住房保障|房屋交易管理中心|不动产登记中心|"
    r"规划局|规划分局|自然资源和规划局|城管局|城市管理|城管执法|城乡建设行政执法|规建局|市政局|[^交]建设局",
    "劳动和社会保障": r"人社局|人力资源和社会保障|人力资源社会保障|社保局|社会保险|医保局|医疗保障局|医疗保险管理|劳动保障监察|"
    r"劳动监察|人力资源服务中心",
    "教育文体": r"教育局|教育体育局|教体局|教育阳光服务中心|体育局",
    "交通运输": r"交通运输局|交通局|轨道交通集团|轨道集团|公交公司|公交集团|公路局|交通行政执法|运管处|运输管理",
    "环境保护": r"环保局|环境保护局|生态环境局|生态环境分局|环保分局",
    "卫生计生": r"卫健委|卫生健康委|卫生健康局|卫生局|卫计局|卫计委|卫生和计划生育|卫生计生|疾控中心|疾病预防控制|"
    r"卫生服务中心|卫生监督",
    "商贸旅游": r"商务局|工商局|工商分局|质监局|市场监督管理|市场监管局|市场和质量监督|旅游局",
}
_REPLY_PATTERNS = {label: re.compile(p) for label, p in REPLY_UNITS.items()}


def reply_unit_label(reply: str, with_transport: bool = True) -> str | None:
    hit = {label for label, p in _REPLY_PATTERNS.items() if p.search(reply or "")}
    if len(hit) != 1 or (not with_transport and hit == {"交通运输"}):
        return None
    return next(iter(hit))


_REPLY_EXTRA: dict = {}


def reply_examples(labeled, titles, with_transport=False, report=True):
    """The replies.csv appeals labelled by their replying unit, without near copies of labelled full texts;
    prints how many the mapping gives and how often it agrees where the true label is known (a near-copy
    labelled text, or a title of ≥ 6 characters with one label in labeled.csv/titles.csv)."""
    if with_transport in _REPLY_EXTRA:
        return _REPLY_EXTRA[with_transport]
    rows = classifier.read_csv(SHARED / "replies.csv")
    vec = classifier.HashedNgramTfidf(chars=3000, bits=20)
    lt = [f"{e.title}\n{e.detail}" for e in labeled]
    rt = [f"{r.get('title') or ''}\n{r.get('detail') or ''}" for r in rows]
    vec.fit_transform(lt + rt)
    sim = (vec.transform(rt) @ vec.transform(lt).T).tocsr()
    best = np.asarray(sim.max(axis=1).todense()).ravel()
    nearest = np.asarray(sim.argmax(axis=1)).ravel()
    by_title: dict = {}
    for e in list(labeled) + list(titles):
        if len(dedup_key(e.title)) >= 6:
            by_title.setdefault(dedup_key(e.title), set()).add(e.label)
    seen = {dedup_key(e.detail) for e in labeled}
    out, checked, agree = [], Counter(), Counter()
    for i, r in enumerate(rows):
        label = reply_unit_label(r.get("reply"), with_transport)
        if label is None:
            continue
        truth = labeled[nearest[i]].label if best[i] >= 0.5 else None
        labels = by_title.get(dedup_key(r.get("title")))
        if truth is None and labels and len(labels) == 1:
            truth = next(iter(labels))
        if truth is not None:
            checked[label] += 1
            agree[label] += truth == label
        key = dedup_key(r.get("detail"))
        if best[i] >= 0.5 or not key or key in seen:
            continue
        seen.add(key)
        out.append(classifier.Example(r.get("title") or "", r.get("detail") or "", label))
    if report:
        n = Counter(e.label for e in out)
        print(
            f"replies.csv: {len(rows)} appeals, {len(out)} labelled by their replying unit "
            f"(transport {'kept' if with_transport else 'left out'}): "
            + ", ".join(f"{k} {n[k]} (agrees {agree[k]}/{checked[k]})" for k in REPLY_UNITS),
            flush=True,
        )
    _REPLY_EXTRA[with_transport] = out
    return out


class LabelledFitBlocks(Blocks):
    """The v3 blocks with their IDF and title vocabulary fitted on the labelled training rows only; the
    replying-unit examples (appended last by `cv`) are only transformed."""

    def fit_transform(self, exs):
        ids = {id(e) for rows in _REPLY_EXTRA.values() for e in rows}
        n = sum(id(e) not in ids for e in exs)
        x = super().fit_transform(exs[:n])
        return sp.vstack([x, self.transform(exs[n:])]).tocsr() if n < len(exs) else x


def labelled_fit_features():
    return LabelledFitBlocks(SHIPPED_FEATURES)


labelled_fit_features.cache_key = "labelled fit"


def w_nbsvm_extra(C=3.0, alpha=1.0, extra_weight=0.3):
    """NB-SVM whose naive-Bayes ratios count the labelled rows only; the extra (replying-unit) rows join the
    binary SVMs with weight `extra_weight`."""
    from sklearn.svm import LinearSVC

    def fit(x, y, k, info):
        lab = np.flatnonzero(~info["extra"])
        r = classifier._nb_ratios(x[lab], y[lab], k, alpha)
        sw = np.where(info["extra"], extra_weight, 1.0)
        ws, bs = [], []
        for c in range(k):
            scaled = x.copy()
            scaled.data *= r[scaled.indices, c]
            m = LinearSVC(C=C).fit(scaled, (y == c).astype(np.int8), sample_weight=sw)
            ws.append(m.coef_.ravel().astype(np.float32) * r[:, c])
            bs.append(float(m.intercept_[0]))
        return np.column_stack(ws), np.array(bs, dtype=np.float32)

    return fit


class FirstSentenceBlock(Blocks):
    """Blocks that may read the detail's first sentence (≤ 40 characters), field "first"."""

    @staticmethod
    def _field(ex, field):
        if field == "first":
            return _SENTENCE_END.split((ex.detail or "").strip(), maxsplit=1)[0][:40]
        return Blocks._field(ex, field)


def third_block_features(weight, jieba=False):
    analyzer = classifier.title_features if jieba else {"chars": 40, "bits": 18}

    def make():
        return FirstSentenceBlock([*SHIPPED_FEATURES, ("first", analyzer, weight, 2)])

    make.cache_key = f"first-sentence block {weight} {jieba}"
    return make


# ------------------------------------------------------------------------------------------- CV

_FOLD_CACHE: dict = {}


def cv(labeled, titles, more, feats, model, extra=(), *, use_titles=True, folds=5):
    groups = [dedup_key(e.title) or "D:" + dedup_key(e.detail) for e in labeled]
    rows = []
    t_train = t_pred = 0.0
    for fold, (train_idx, test_idx) in enumerate(GroupKFold(folds).split(labeled, groups=groups)):
        test_keys = {groups[i] for i in test_idx}
        train = [labeled[i] for i in train_idx]
        if use_titles:
            train += [t for t in titles if dedup_key(t.title) not in test_keys]
        train += [m for m in more if dedup_key(m.title) not in test_keys]
        extra_from = len(train)
        train += [m for m in extra if dedup_key(m.title) not in test_keys]
        test = [labeled[i] for i in test_idx]
        started = time.perf_counter()
        key = (getattr(feats, "cache_key", None), fold, len(train), id(extra))
        if key[0] and key in _FOLD_CACHE:  # the same features of the same fold: computed once per run
            f, x, xt, feat_s = _FOLD_CACHE[key]
            started -= feat_s
        else:
            f = feats()
            x = f.fit_transform(train)
            xt = f.transform(test)
            if key[0]:
                _FOLD_CACHE[key] = (f, x, xt, time.perf_counter() - started)
        if getattr(model, "wants_info", False):
            info = {
                "title_only": np.array([not (e.detail or "").strip() for e in train]),
                "has_title": np.array([bool(dedup_key(e.title)) for e in train]),
                "n_title": len(f.vecs[0].vocabulary_) if hasattr(f.vecs[0], "vocabulary_") else 0,
                "pool_x": getattr(f, "pool_x", None),
                "extra": np.arange(len(train)) >= extra_from,
                "group": [dedup_key(e.title) or "D:" + dedup_key(e.detail) for e in train],
            }
            decide, proba, classes = model(x, [e.label for e in train], info)
        else:
            decide, proba, classes = model(x, [e.label for e in train])
        t_train += time.perf_counter() - started
        started = time.perf_counter()
        d = decide(xt)
        t_pred += time.perf_counter() - started
        p = proba(xt) if proba else None
        truth = [e.label for e in test]
        res = {}
        for name, s in (("dec", d), ("cal", p)):
            if s is None:
                continue
            order = np.argsort(-s, axis=1)
            pred = [classes[i] for i in order[:, 0]]
            res[name + "_f1"] = f1_score(truth, pred, average="macro")
            res[name + "_acc"] = accuracy_score(truth, pred)
            res[name + "_top3"] = np.mean(
                [truth[k] in {classes[i] for i in order[k, :3]} for k in range(len(truth))]
            )
        rows.append(res)
    out = {k: float(np.mean([r[k] for r in rows])) for k in rows[0]}
    out["train_s"] = t_train / folds
    out["pred_per_s"] = len(labeled) / t_pred
    return out


def shipped_cv(labeled, titles, more, kw):
    r = classifier.cross_validate(labeled, titles + more, folds=5, **kw)
    return {
        "cal_f1": r["macro_f1"],
        "cal_acc": r["accuracy"],
        "cal_top3": r["top3_accuracy"],
        "train_s": r["train_seconds"],
        "pred_per_s": r["predict_per_second"],
    }


T, D, J = "title", "detail", "joined"


B = {"title_weight": 1.0, "C": 0.5, "max_features": None, "method": "svm"}
V2 = {"method": "svm"}  # version 2 as shipped before version 3
SHIPPED_FEATURES = [
    (T, classifier.title_features, 0.5, 2),  # v2/v3 blocks (title vocabulary not capped)
    (J, {"chars": 3000, "bits": 20, "max_features": 150000}, 1.0, 2),
]


def v3_features():
    return Blocks(SHIPPED_FEATURES)


v3_features.cache_key = "v3"


_SENTENCE_END = re.compile(r"[。！？!?；;\n]")


class FirstSentenceBlocks(Blocks):
    """The v3 blocks, with the detail's first sentence (≤ 40 characters) read by the title block when an appeal
    has no title (705 of the 2,631 labelled texts)."""

    @staticmethod
    def _field(ex, field):
        if field == "title" and not (ex.title or "").strip():
            return _SENTENCE_END.split((ex.detail or "").strip(), maxsplit=1)[0][:40]
        return Blocks._field(ex, field)


def first_sentence_features():
    return FirstSentenceBlocks(SHIPPED_FEATURES)


first_sentence_features.cache_key = "first sentence"


def pool_features(idf):
    def make():
        return PoolBlocks(SHIPPED_FEATURES, _POOL, idf=idf)

    make.cache_key = f"pool idf={idf}"
    return make


def variants():
    c13, c24 = char_grams(1, 3), char_grams(2, 4)
    w12, w1 = word_grams(1, 2), word_grams(1, 1)
    return {
        # classifier.train itself (what ships), with its keyword arguments
        "v1 (shipped before): title + detail 300 chars, 2^18, 60k": {
            "joined": False,
            "detail_chars": 300,
            "bits": 18,
            "max_features": 60000,
            "title_weight": 1.0,
            "C": 0.5,
            "method": "svm",
        },
        # version 2 (title ‖ title + detail joined); B = the first v2 try, from which the rows below vary
        "v2: title + joined title/detail 3000 chars, 2^20": B,
        "v2, title weight 1.5": {**B, "title_weight": 1.5},
        "v2, title weight 0.7": {**B, "title_weight": 0.7},
        "v2, title weight 0.5": {**B, "title_weight": 0.5},
        "v2, title weight 0.35": {**B, "title_weight": 0.35},
        "v2, title weight 0.5, C=1": {**B, "title_weight": 0.5, "C": 1.0},
        "v2, title weight 0.5, C=0.3": {**B, "title_weight": 0.5, "C": 0.3},
        "v2, title weight 0.5, 150k most frequent buckets": {
            **B,
            "title_weight": 0.5,
            "max_features": 150000,
        },
        "v2, char 1-4": {**B, "ngrams": (1, 2, 3, 4)},
        "v2, char 2-4": {**B, "ngrams": (2, 3, 4)},
        "v2, 2^18 buckets": {**B, "bits": 18},
        "v2, balanced": {**B, "class_weight": "balanced"},
        "v2 as shipped (calibrated LinearSVC C=1)": V2,
        "v2, class_weight balanced": {**V2, "class_weight": "balanced"},
        # version 3: NB-SVM on the same features (fourth round)
        "v3 NB-SVM C=1": {"method": "nbsvm", "C": 1.0},
        "v3 NB-SVM C=3, alpha 4": {"method": "nbsvm", "C": 3.0, "nb_alpha": 4.0},
        "v3 NB-SVM C=3, title weight 0.7": {"method": "nbsvm", "title_weight": 0.7},
        "shipped (classifier.train defaults)": {},
        "v2 features: NB-SVM C=3": (lambda: Blocks(SHIPPED_FEATURES), nbsvm()),
        "v2 features: SGD elastic-net": (lambda: Blocks(SHIPPED_FEATURES), sgd_elasticnet()),
        "v2 features: LogisticRegression C=30": (lambda: Blocks(SHIPPED_FEATURES), logreg(30.0)),
        "v2 features: soft vote SVM + NB-SVM": (
            lambda: Blocks(SHIPPED_FEATURES),
            soft_vote(svm(C=1.0), nbsvm()),
        ),
        # fifth round: stacking that folds into one matrix, title-only weights, a title-only model
        "5: v3 NB-SVM (cached features)": (v3_features, stacked(w_nbsvm())),
        "5: NB-SVM, title-only examples weight 0.5": (v3_features, stacked(w_nbsvm(title_only_weight=0.5))),
        "5: NB-SVM, title-only examples weight 0.3": (v3_features, stacked(w_nbsvm(title_only_weight=0.3))),
        "5: NB-SVM, multinomial LR stacker": (v3_features, stacked(w_nbsvm(), combine="lr")),
        "5: NB-SVM + SVM, one matrix, Platt": (v3_features, stacked(w_nbsvm(), w_svm())),
        "5: NB-SVM + SVM, one matrix, LR": (v3_features, stacked(w_nbsvm(), w_svm(), combine="lr")),
        "5: NB-SVM + SGD, one matrix, Platt": (v3_features, stacked(w_nbsvm(), w_sgd())),
        "5: NB-SVM + title-only NB-SVM, LR": (v3_features, stacked(w_nbsvm(), w_title(), combine="lr")),
        "5: NB-SVM + SVM + title-only, LR": (
            v3_features,
            stacked(w_nbsvm(), w_svm(), w_title(), combine="lr"),
        ),
        "5: NB-SVM interpolation beta 0.25": (v3_features, stacked(w_nbsvm_interp())),
        "5: NB-SVM interpolation beta 0.5": (v3_features, stacked(w_nbsvm_interp(beta=0.5))),
        "5: NB-LR C=30": (v3_features, stacked(w_nblr())),
        "5: NB-SVM, title-only 0.3, + SVM, LR": (
            v3_features,
            stacked(w_nbsvm(title_only_weight=0.3), w_svm(), combine="lr"),
        ),
        "5: first sentence of the detail as the title when there is none": (
            first_sentence_features,
            stacked(w_nbsvm()),
        ),
        # fifth round, the unlabelled pool (needs `unlabelled_pool`, built in main)
        "5: IDF fitted on fold + unlabelled pool, NB-SVM": (pool_features(True), stacked(w_nbsvm())),
        "5: NB ratios + pseudo-labelled pool (gap 0.5)": (
            pool_features(False),
            stacked(w_nbsvm_pool_ratios()),
        ),
        "5: NB ratios + pseudo-labelled pool (gap 1.0)": (
            pool_features(False),
            stacked(w_nbsvm_pool_ratios(min_gap=1.0)),
        ),
        "5: self-training, pool gap 1.0, weight 0.3": (pool_features(False), stacked(w_nbsvm_selftrain())),
        # sixth round (issue 3): nested per-class offsets, replying-unit labels, naive Bayes members, a third block
        "6: per-class offsets, OOF of all training rows": (v3_features, stacked(w_nbsvm(), offsets="all")),
        "6: per-class offsets, OOF of the training full texts": (
            v3_features,
            stacked(w_nbsvm(), offsets="full"),
        ),
        "6: grouped inner split (no offsets)": (v3_features, stacked(w_nbsvm(), inner="grouped")),
        "6: grouped inner split, offsets on the training full texts": (
            v3_features,
            stacked(w_nbsvm(), inner="grouped", offsets="full"),
        ),
        "6: replying-unit labels, weight 1": (v3_features, stacked(w_nbsvm()), reply_examples),
        "6: replying-unit labels, weight 0.5": (
            v3_features,
            stacked(w_nbsvm(extra_weight=0.5)),
            reply_examples,
        ),
        "6: replying-unit labels, weight 0.3": (
            v3_features,
            stacked(w_nbsvm(extra_weight=0.3)),
            reply_examples,
        ),
        "6: replying-unit labels with transport, weight 0.5": (
            v3_features,
            stacked(w_nbsvm(extra_weight=0.5)),
            lambda lab, tit: reply_examples(lab, tit, with_transport=True),
        ),
        "6: replying-unit labels, weight 0.3, IDF and NB ratios from the labelled rows only": (
            labelled_fit_features,
            stacked(w_nbsvm_extra(extra_weight=0.3)),
            reply_examples,
        ),
        "6: replying-unit labels, weight 0.1, IDF and NB ratios from the labelled rows only": (
            labelled_fit_features,
            stacked(w_nbsvm_extra(extra_weight=0.1)),
            reply_examples,
        ),
        "6: replying-unit labels, weight 0.1, IDF, NB ratios and Platt from the labelled rows only": (
            labelled_fit_features,
            stacked(w_nbsvm_extra(extra_weight=0.1), calibrate_extra=False),
            reply_examples,
        ),
        "6: NB-SVM (title-only examples 0.3) + SGD, one matrix, Platt": (
            v3_features,
            stacked(w_nbsvm(title_only_weight=0.3), w_sgd()),
        ),
        "6: NB-SVM (title-only examples 0.3) + SGD 15 epochs, one matrix, Platt": (
            v3_features,
            stacked(w_nbsvm(title_only_weight=0.3), w_sgd(epochs=15)),
        ),
        "6: NB-SVM + complement NB, one matrix, Platt": (v3_features, stacked(w_nbsvm(), w_cnb())),
        "6: NB-SVM + complement NB (member weight 0.5)": (
            v3_features,
            stacked(w_nbsvm(), w_cnb(), member_weights=[1.0, 0.5]),
        ),
        "6: NB-SVM + multinomial NB, one matrix, Platt": (v3_features, stacked(w_nbsvm(), w_cnb(0.1, False))),
        "6: first-sentence block (hashed chars) weight 0.3": (third_block_features(0.3), stacked(w_nbsvm())),
        "6: first-sentence block (hashed chars) weight 0.5": (third_block_features(0.5), stacked(w_nbsvm())),
        "w12 joined svm": (lambda: Blocks([(J, w12, 1.0, 2)]), svm()),
        "w1 joined svm": (lambda: Blocks([(J, w1, 1.0, 2)]), svm()),
        "c13 joined svm": (lambda: Blocks([(J, c13, 1.0, 2)]), svm()),
        "c24 joined svm": (lambda: Blocks([(J, c24, 1.0, 2)]), svm()),
        "w12+c13 joined svm": (lambda: Blocks([(J, w12, 1.0, 2), (J, c13, 1.0, 2)]), svm()),
        "w12 T + w12 D svm": (lambda: Blocks([(T, w12, 1.0, 2), (D, w12, 1.0, 2)]), svm()),
        "w12 T + w12 J svm": (lambda: Blocks([(T, w12, 1.0, 2), (J, w12, 1.0, 2)]), svm()),
        "w12+c13 T + w12+c13 D svm": (
            lambda: Blocks([(T, w12, 1.0, 2), (T, c13, 1.0, 2), (D, w12, 1.0, 2), (D, c13, 1.0, 2)]),
            svm(),
        ),
        "c13 J C=1": (lambda: Blocks([(J, c13, 1.0, 2)]), svm(C=1.0)),
        "c13 J C=0.25": (lambda: Blocks([(J, c13, 1.0, 2)]), svm(C=0.25)),
        "c13 T + c13 J svm": (lambda: Blocks([(T, c13, 1.0, 2), (J, c13, 1.0, 2)]), svm()),
        "hashed c13 J svm": (lambda: Blocks([(J, {"chars": 100000, "bits": 20}, 1.0, 2)]), svm()),
        "hashed c13 J 2^18 svm": (lambda: Blocks([(J, {"chars": 100000, "bits": 18}, 1.0, 2)]), svm()),
        "shipped title + hashed c13 J": (
            lambda: Blocks(
                [(T, classifier.title_features, 1.0, 2), (J, {"chars": 100000, "bits": 20}, 1.0, 2)]
            ),
            svm(),
        ),
        "w12 J lr": (lambda: Blocks([(J, w12, 1.0, 2)]), logreg()),
        "w12 J sgd": (lambda: Blocks([(J, w12, 1.0, 2)]), sgd_huber()),
        "w12 J cnb": (lambda: Blocks([(J, w12, 1.0, 1)]), cnb()),
        "w12+c13 J svm+lr+cnb": (
            lambda: Blocks([(J, w12, 1.0, 2), (J, c13, 1.0, 2)]),
            ensemble(svm(calibrate=False), logreg(), cnb()),
        ),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="", help="variant names separated by ;")
    ap.add_argument("--extra", action="store_true")
    ap.add_argument("--no-titles", action="store_true")
    args = ap.parse_args()
    labeled, titles, more = load(args.extra)
    print(f"{len(labeled)} labelled texts, {len(titles)} titles, {len(more)} extra full texts", flush=True)
    words("预热")
    only = [s.strip() for s in args.only.split(";") if s.strip()]
    print(
        "| variant | macro-F1 (decision) | acc | top-3 | macro-F1 (calibrated) | acc | top-3 | train s | pred/s |"
    )
    print("|---|---|---|---|---|---|---|---|---|", flush=True)
    for name, spec in variants().items():
        if only and name not in only:
            continue
        if "pool" in name and not _POOL:
            print(f"unlabelled pool: {len(unlabelled_pool(labeled, titles))} texts", flush=True)
        if isinstance(spec, dict):
            r = shipped_cv(labeled, [] if args.no_titles else titles, more, spec)
        else:
            extra = spec[2](labeled, titles) if len(spec) > 2 else ()
            r = cv(labeled, titles, more, spec[0], spec[1], extra, use_titles=not args.no_titles)
            if getattr(spec[1], "offsets", None):
                print(
                    "  offsets per fold: "
                    + "; ".join(" ".join(f"{v:+.2f}" for v in o) for o in spec[1].offsets),
                    flush=True,
                )
        g = r.get
        print(
            f"| {name} | {g('dec_f1', float('nan')):.4f} | {g('dec_acc', float('nan')):.4f} | "
            f"{g('dec_top3', float('nan')):.4f} | {g('cal_f1', float('nan')):.4f} | "
            f"{g('cal_acc', float('nan')):.4f} | {g('cal_top3', float('nan')):.4f} | {r['train_s']:.1f} | "
            f"{r['pred_per_s']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()

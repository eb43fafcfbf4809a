"""First-level category classifier (model version 4): version 3's NB-SVM decides the category; a one-vs-rest
logistic regression on the same features, blended half and half with the NB-SVM's probabilities, orders the two
runners-up (`rank_blend`): the dispatcher sees three categories, and Platt-scaled one-vs-rest SVMs rank the 2nd
and 3rd poorly (5-fold CV top-3 0.9958 → 0.9973, macro-F1 unchanged, docs/insight.md §1, seventh round).

Version 3: the features of version 2 into an NB-SVM — one
binary linear SVM per class on the features scaled by that class's naive-Bayes log-count ratio, Platt-scaled
on 3-fold out-of-fold margins (5-fold CV 0.921 → 0.925 macro-F1, docs/insight.md §1, fourth round). It is
still one linear map at prediction time (the ratios fold into the weights), so it predicts as fast as v2.

Version 2: two TF-IDF blocks — character 1–3-grams and jieba
words of the title, and hashed character 1–3-grams of title + detail read together (up to 3,000
characters) — into a linear SVM calibrated with Platt scaling (one model, one sigmoid per class, fitted on
3-fold out-of-fold scores). Version 1 read the first 300 characters of the detail alone, so the 8,230
title-only examples taught nothing about details and an appeal without a title was read by a block
trained on ~2,600 texts: 0.873 → 0.91 macro-F1 in 5-fold CV (docs/insight.md, bench/classifier_variants.py).

Trained from the project's labelled appeals (`data/labeled.csv` + `data/titles.csv`, from the 2020 Teddy
Cup problem C, 第八届"泰迪杯"数据挖掘挑战赛 C题) or from confirmed categories in the database; the shipped
model is `models/classifier-v4.joblib` (`gongzhi train_classifier` with no arguments rebuilds it; the v3, v2
and v1 files still load and predict).
"""

import csv
import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from .text import DATA_DIR, dedup_key, normalize, words

MODEL_DIR = Path(__file__).resolve().parent / "models"
DEFAULT_MODEL = MODEL_DIR / "classifier-v4.joblib"
LABELED_CSV = DATA_DIR / "labeled.csv"
TITLES_CSV = DATA_DIR / "titles.csv"
DETAIL_CHARS = 300  # version 1 (detail only)
DETAIL_NGRAMS = (1, 2, 3)
TEXT_CHARS = 3000  # version 2: title + detail, read up to this many characters
TEXT_NGRAMS = (1, 2, 3)
BITS = 20
MAX_FEATURES: int | None = (
    150000  # most frequent text buckets kept (5-fold CV: all ≈ 1.08M → 0.9205, 150k → 0.9210; a smaller file)
)
SVM_C = 1.0  # v2's multi-class SVM. 5-fold CV with title weight 0.5: C 0.3 → 0.920, 0.5 → 0.921, 1.0 → 0.923
NBSVM_C = 3.0  # v3's binary SVMs (5-fold CV: C 1 → 0.9238, 3 → 0.9247)
NB_ALPHA = (
    1.0  # smoothing of the log-count ratios (5-fold CV: 0.25 → 0.917 raw, 1 → 0.922 raw, 4 → 0.920 raw)
)
TITLE_WEIGHT = 0.5  # the title block against the title + detail block (5-fold CV: 1.5 → 0.897, 1.0 → 0.914, 0.7 → 0.919, 0.5 → 0.921, 0.35 → 0.917)
RANK_C = 10.0  # v4's logistic-regression rank head (one-vs-rest, liblinear)
RANK_WEIGHT = 0.5  # the NB-SVM's share of the blend that orders the runners-up (docs/insight.md §1)
VERSION = 4


def title_features(title: str) -> list[str]:
    s = normalize(title)
    grams = [s[i : i + n] for n in (1, 2, 3) for i in range(len(s) - n + 1)]
    grams += ["w:" + w for w in words(s)]
    return grams


def detail_features(detail: str) -> list[str]:
    s = normalize(detail)[:DETAIL_CHARS]
    return [s[i : i + n] for n in DETAIL_NGRAMS for i in range(len(s) - n + 1)]


def _identity(tokens):
    return tokens


class FastTfidf:
    """TF-IDF (sublinear tf, l2) with a learnt vocabulary and a lean transform: one dict lookup per
    n-gram, no per-document Python objects beyond the n-gram list (about 5× faster than sklearn's)."""

    def __init__(self, analyzer, *, min_df: int = 1, max_features: int | None = None):
        self.analyzer, self.min_df, self.max_features = analyzer, min_df, max_features

    def fit_transform(self, docs: Sequence[str]):
        from sklearn.feature_extraction.text import TfidfVectorizer

        tokens = [
            self.analyzer(d) for d in docs
        ]  # tokenised once (jieba is the cost), for the fit and the matrix
        vec = TfidfVectorizer(
            analyzer=_identity,
            sublinear_tf=True,
            min_df=self.min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )
        vec.fit(tokens)
        self.vocabulary = dict(vec.vocabulary_)
        self.idf = vec.idf_.astype(np.float32)
        return self._matrix(tokens)

    def transform(self, docs: Sequence[str]):
        return self._matrix(map(self.analyzer, docs))

    def _matrix(self, token_lists):
        get = self.vocabulary.get
        raw: list[int] = []
        lengths = []
        for tokens in token_lists:
            before = len(raw)
            raw.extend(map(get, tokens, repeat(-1)))  # C-level lookups; -1 = not in the vocabulary
            lengths.append(len(raw) - before)
        ids = np.asarray(raw, dtype=np.int64)
        known = ids >= 0
        n_docs = len(lengths)
        rows = np.repeat(np.arange(n_docs), lengths)[known]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n_docs))])
        x = sp.csr_matrix(
            (np.ones(int(known.sum()), dtype=np.float32), ids[known].astype(np.int32), indptr),
            shape=(n_docs, len(self.vocabulary)),
        )
        x.sum_duplicates()
        np.log(x.data, out=x.data)
        x.data += 1.0
        x.data *= self.idf[x.indices]
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
        return x


class HashedNgramTfidf:
    """TF-IDF (sublinear tf, l2) of character 1–3-grams hashed into `2**bits` buckets, computed with numpy
    on code points: no n-gram strings are built, so it is several times faster than a vocabulary lookup.
    Buckets seen in fewer than `min_df` training documents get a zero weight."""

    _K = np.uint64(1 << 21)  # code points are < 2**21
    _MULT = np.uint64(0x9E3779B97F4A7C15)

    def __init__(
        self,
        *,
        chars: int = DETAIL_CHARS,
        bits: int = 18,
        min_df: int = 1,
        max_features: int | None = None,
        ngrams: tuple[int, ...] = (1, 2, 3),
    ):
        self.chars, self.bits, self.min_df, self.max_features = chars, bits, min_df, max_features
        self.ngrams = tuple(ngrams)
        if not self.ngrams or min(self.ngrams) < 1 or max(self.ngrams) > 4:
            raise ValueError("n-gram lengths must be 1–4")

    def _buckets(self, doc: str) -> np.ndarray:
        s = normalize(doc)[: self.chars]
        if not s:
            return np.empty(0, dtype=np.int64)
        c = np.frombuffer(s.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        keys = []
        for n in getattr(self, "ngrams", (1, 2, 3)):  # models saved before `ngrams` existed: 1–3
            if len(c) < n:
                continue
            k = c[: len(c) - n + 1].copy()
            for j in range(1, n):  # code points of < 21 bits: exact for n ≤ 3, wrapping (still a hash) for 4
                k = k * self._K + c[j : len(c) - n + 1 + j]
            keys.append(k * np.uint64(2 * n - 1) + np.uint64(2 * n - 2) if n > 1 else k + np.uint64(1))
        if not keys:
            return np.empty(0, dtype=np.int64)
        k = np.concatenate(keys) * self._MULT
        return (k >> np.uint64(64 - self.bits)).astype(np.int64)

    def _counts(self, docs: Sequence[str]):
        """Counts of every document's n-gram buckets, computed for the whole batch at once: the documents'
        code points are concatenated and an n-gram is kept when its first and last characters belong to the
        same document (the same buckets as `_buckets` document by document, without per-document numpy calls)."""
        texts = [normalize(d)[: self.chars] for d in docs]
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
        c = np.frombuffer("".join(texts).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        doc = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        rows, keys = [], []
        for n in getattr(self, "ngrams", (1, 2, 3)):
            m = len(c) - n + 1
            if m <= 0:
                continue
            k = c[:m].copy()
            for j in range(1, n):
                k = k * self._K + c[j : m + j]
            same = doc[:m] == doc[n - 1 :]
            k = k[same]
            keys.append(k * np.uint64(2 * n - 1) + np.uint64(2 * n - 2) if n > 1 else k + np.uint64(1))
            rows.append(doc[:m][same])
        if keys:  # one sort of (row, bucket) keys gives the CSR structure and the counts (no per-row sorts)
            cols = (np.concatenate(keys) * self._MULT) >> np.uint64(64 - self.bits)
            key = np.sort(
                (np.concatenate(rows).astype(np.int64) << self.bits) | cols.astype(np.int64), kind="stable"
            )
        else:
            key = np.empty(0, dtype=np.int64)
        first = np.ones(len(key), dtype=bool)
        np.not_equal(key[1:], key[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(np.append(starts, len(key))).astype(np.float32)
        key = key[starts]
        indptr = np.searchsorted(key >> self.bits, np.arange(len(texts) + 1)).astype(np.int32)
        x = sp.csr_matrix(
            (counts, (key & ((1 << self.bits) - 1)).astype(np.int32), indptr),
            shape=(len(docs), 1 << self.bits),
        )
        x.has_sorted_indices = True
        return x

    def fit_transform(self, docs: Sequence[str]):
        x = self._counts(docs)
        df = np.bincount(x.indices, minlength=x.shape[1])
        idf = (np.log((1 + len(docs)) / (1 + df)) + 1).astype(np.float32)
        idf[df < self.min_df] = 0.0
        if self.max_features and np.count_nonzero(idf) > self.max_features:
            idf[np.argsort(-df, kind="stable")[self.max_features :]] = 0.0  # keep the most frequent buckets
        self.idf = idf
        return self._weigh(x)

    def transform(self, docs: Sequence[str]):
        return self._weigh(self._counts(docs))

    def _weigh(self, x):
        np.log(x.data, out=x.data)
        x.data += 1.0
        x.data *= self.idf[x.indices]
        x.eliminate_zeros()
        norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        x.data /= np.repeat(norms, np.diff(x.indptr)).astype(np.float32)
        return x


@dataclass
class Example:
    title: str
    detail: str
    label: str = ""


@dataclass
class CategoryModel:
    title_vec: object
    detail_vec: object
    clf: object
    classes: list[str]
    meta: dict = field(default_factory=dict)

    def _blocks(self, titles: Sequence[str], details: Sequence[str]):
        if self.meta.get("text") == "joined":  # version 2: the second block reads title and detail together
            details = [f"{t or ''}\n{d or ''}" for t, d in zip(titles, details, strict=True)]
        return self.title_vec.transform(titles), self.detail_vec.transform(details)

    def features(self, titles: Sequence[str], details: Sequence[str]):
        title_x, text_x = self._blocks(titles, details)
        return sp.hstack([self.meta.get("title_weight", TITLE_WEIGHT) * title_x, text_x]).tocsr()

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_dense", None)  # rebuilt on first use, not stored
        return state

    def predict_proba(self, titles: Sequence[str], details: Sequence[str]) -> np.ndarray:
        linear = self.meta.get("linear")
        if linear is None:
            return self.clf.predict_proba(self.features(titles, details))
        # The calibrated SVM, evaluated directly: margins, one Platt sigmoid per class, normalised
        # (what CalibratedClassifierCV.predict_proba computes, without its per-call validation). The weights
        # are kept dense in memory (features × classes): sparse rows times a dense matrix is the fast product.
        rank = self.meta.get("rank")  # version 4: a logistic-regression head that orders the runners-up
        dense = self.__dict__.get("_dense")
        if dense is None:
            blocks = [linear["coef"].toarray()] + ([rank["coef"].toarray()] if rank is not None else [])
            dense = self._dense = np.ascontiguousarray(np.hstack(blocks), dtype=np.float32)
        title_x, text_x = self._blocks(titles, details)
        n = title_x.shape[1]
        scores = self.meta.get("title_weight", TITLE_WEIGHT) * (title_x @ dense[:n]) + text_x @ dense[n:]
        k = len(self.classes)
        proba = _normalised(
            1.0 / (1.0 + np.exp((scores[:, :k] + linear["intercept"]) * linear["a"] + linear["b"]))
        )
        if rank is None:
            return proba
        return rank_blend(
            proba, _normalised(1.0 / (1.0 + np.exp(-(scores[:, k:] + rank["intercept"])))), rank["weight"]
        )

    def predict(self, titles: Sequence[str], details: Sequence[str]) -> list[str]:
        proba = self.predict_proba(titles, details)
        return [self.classes[i] for i in proba.argmax(axis=1)]

    def predict_top3(self, title: str, detail: str) -> list[tuple[str, float]]:
        return self.top3(self.predict_proba([title or ""], [detail or ""])[0])

    def top3(self, proba: np.ndarray) -> list[tuple[str, float]]:
        """The three best (class, confidence) of one row of `predict_proba`, best first."""
        top = np.argsort(-proba)[:3]
        return [(str(self.classes[i]), round(float(proba[i]), 4)) for i in top]


def train(
    examples: Sequence[Example],
    *,
    max_features: int | None = MAX_FEATURES,
    C: float | None = None,
    detail_chars: int = TEXT_CHARS,
    class_weight: str | None = None,
    joined: bool = True,
    title_weight: float = TITLE_WEIGHT,
    bits: int = BITS,
    ngrams: tuple[int, ...] = TEXT_NGRAMS,
    n_jobs: int = 2,
    keep_estimator: bool = False,
    method: str = "nbsvm",
    nb_alpha: float = NB_ALPHA,
    rank_head: bool = True,
) -> CategoryModel:
    """Fit the two TF-IDF blocks and the calibrated classifier. `joined` (the default since version 2): the
    character block reads title + detail together, so the title-only examples and the full texts share one
    vocabulary and an appeal without a title is still read with everything learnt from titles (version 1
    read the first 300 characters of the detail alone). `method`: "nbsvm" (version 3, the default) or "svm"
    (version 2: one multi-class LinearSVC under `CalibratedClassifierCV`). `C` defaults to `NBSVM_C` /
    `SVM_C` for the method. `rank_head` (version 4, with "nbsvm"): also a one-vs-rest logistic regression on the
    same features whose probabilities, blended with the NB-SVM's, order the runners-up (`rank_blend`)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    if method not in ("nbsvm", "svm"):
        raise ValueError(f"unknown method {method!r}")
    labels = [e.label for e in examples]
    classes = sorted(set(labels))
    if len(classes) < 2:
        raise ValueError("at least two categories are needed to train a classifier")
    started = time.perf_counter()
    min_df = 2 if len(examples) > 200 else 1
    title_vec = FastTfidf(title_features, min_df=min_df, max_features=30000)
    detail_vec = HashedNgramTfidf(
        chars=detail_chars, bits=bits, min_df=min_df, max_features=max_features, ngrams=ngrams
    )
    texts = [f"{e.title or ''}\n{e.detail or ''}" if joined else e.detail for e in examples]
    x = sp.hstack(
        [title_weight * title_vec.fit_transform([e.title for e in examples]), detail_vec.fit_transform(texts)]
    ).tocsr()
    per_class = min(labels.count(c) for c in classes)
    meta = {
        "version": VERSION if method == "nbsvm" else 2,
        "n_train": len(examples),
        "title_weight": title_weight,
        "text": "joined" if joined else "detail",
        "method": method,
    }
    if method == "nbsvm" and per_class >= 2:
        y = np.array([classes.index(label) for label in labels])
        meta["linear"] = _fit_nbsvm(
            x,
            y,
            len(classes),
            C=NBSVM_C if C is None else C,
            alpha=nb_alpha,
            folds=max(2, min(3, per_class)),
            n_jobs=n_jobs,
            class_weight=class_weight,
        )
        if rank_head and len(classes) > 3:
            meta["rank"] = _fit_rank_head(x, y, len(classes), C=RANK_C, n_jobs=n_jobs)
            meta["version"] = VERSION
        else:
            meta["version"] = 3
        meta["train_seconds"] = round(time.perf_counter() - started, 2)
        return CategoryModel(title_vec, detail_vec, None, [str(c) for c in classes], meta=meta)
    C = SVM_C if C is None else C
    folds = max(2, min(3, per_class))
    if per_class >= 2:
        clf = CalibratedClassifierCV(
            LinearSVC(C=C, class_weight=class_weight),
            method="sigmoid",
            cv=folds,
            ensemble=False,
            n_jobs=n_jobs,
        )
    else:  # too few examples to calibrate: still give a ranked output
        clf = _Softmax(LinearSVC(C=C, class_weight=class_weight))
    import joblib

    with joblib.parallel_backend(
        "threading", n_jobs=n_jobs
    ):  # liblinear releases the GIL: the folds in threads
        clf.fit(x, labels)
    meta["train_seconds"] = round(time.perf_counter() - started, 2)
    model = CategoryModel(title_vec, detail_vec, clf, [str(c) for c in clf.classes_], meta=meta)
    model.meta["linear"] = _linear_form(clf)
    if model.meta["linear"] is not None and not keep_estimator:
        model.clf = None  # everything needed is in the linear form: a smaller file
    return model


def _normalised(proba: np.ndarray) -> np.ndarray:
    total = proba.sum(axis=1, keepdims=True)
    uniform = total[:, 0] == 0
    proba[uniform] = 1.0 / proba.shape[1]
    total[uniform] = 1.0
    return proba / total


def rank_blend(first: np.ndarray, second: np.ndarray, weight: float) -> np.ndarray:
    """`weight`·first + (1 − weight)·second, each row's best class kept from `first` (its value swapped with the
    blend's best where they differ): the NB-SVM decides the category (its macro-F1), the blend orders the two
    runners-up (the logistic regression ranks them better: top-3 accuracy, docs/insight.md §1)."""
    blend = weight * first + (1.0 - weight) * second
    keep = first.argmax(axis=1)
    best = blend.argmax(axis=1)
    rows = np.flatnonzero(keep != best)
    if len(rows):
        low, high = blend[rows, keep[rows]].copy(), blend[rows, best[rows]].copy()
        blend[rows, keep[rows]], blend[rows, best[rows]] = high, low
    return blend


def _fit_rank_head(x, y: np.ndarray, k: int, *, C: float, n_jobs: int) -> dict:
    """One binary logistic regression per class (liblinear, one-vs-rest) on the same features: the `meta["rank"]`
    form, with the blend weight of the NB-SVM's probabilities."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.linear_model import LogisticRegression

    def fit(c):
        lr = LogisticRegression(C=C, solver="liblinear").fit(x, (y == c).astype(np.int8))
        return lr.coef_.ravel().astype(np.float32), float(lr.intercept_[0])

    with ThreadPoolExecutor(max(1, n_jobs)) as pool:  # liblinear releases the GIL
        fitted = list(pool.map(fit, range(k)))
    return {
        "coef": sp.csr_matrix(np.column_stack([w for w, _ in fitted])),
        "intercept": np.array([b for _, b in fitted], dtype=np.float32),
        "weight": RANK_WEIGHT,
    }


def _nb_ratios(x, y: np.ndarray, k: int, alpha: float) -> np.ndarray:
    """Naive-Bayes log-count ratios (Wang & Manning 2012), features × classes: for class c,
    log((p / |p|₁) / (q / |q|₁)) with p, q the smoothed document frequencies of each feature in c and in the
    other classes."""
    present = x.copy()
    present.data[:] = 1.0
    onehot = sp.csr_matrix((np.ones(len(y), dtype=np.float32), (y, np.arange(len(y)))), shape=(k, len(y)))
    in_class = np.asarray((onehot @ present).todense(), dtype=np.float64).T  # features × classes
    p = in_class + alpha
    q = in_class.sum(axis=1, keepdims=True) - in_class + alpha
    seen = in_class.sum(axis=1) > 0  # normalise over the features the data has (not the empty hash buckets)
    return np.log((p / p[seen].sum(axis=0)) / (q / q[seen].sum(axis=0))).astype(np.float32)


def _nbsvm_weights(
    x, y: np.ndarray, k: int, *, C: float, alpha: float, n_jobs: int, class_weight=None, sample_weight=None
):
    """One binary LinearSVC per class on the features scaled by that class's ratios; the ratios are folded
    back into the weights, so the scores of all classes are one product `x @ W + b`."""
    from concurrent.futures import ThreadPoolExecutor

    from sklearn.svm import LinearSVC

    r = _nb_ratios(x, y, k, alpha)

    def fit(c):
        scaled = x.copy()
        scaled.data *= r[scaled.indices, c]
        svm = LinearSVC(C=C, class_weight=class_weight).fit(
            scaled, (y == c).astype(np.int8), sample_weight=sample_weight
        )
        return svm.coef_.ravel().astype(np.float32) * r[:, c], float(svm.intercept_[0])

    with ThreadPoolExecutor(max(1, n_jobs)) as pool:  # liblinear releases the GIL
        fitted = list(pool.map(fit, range(k)))
    return np.column_stack([w for w, _ in fitted]), np.array([b for _, b in fitted], dtype=np.float32)


def _fit_nbsvm(
    x, y: np.ndarray, k: int, *, C: float, alpha: float, folds: int, n_jobs: int, class_weight=None
) -> dict:
    """NB-SVM weights on all the data, and one Platt sigmoid per class fitted on out-of-fold margins (the
    scheme of `CalibratedClassifierCV(method="sigmoid", ensemble=False)`), in the `meta["linear"]` form."""
    from sklearn.model_selection import StratifiedKFold

    margins = np.zeros((x.shape[0], k), dtype=np.float64)
    for fit_idx, held_idx in StratifiedKFold(folds).split(np.zeros(len(y)), y):
        w, b = _nbsvm_weights(
            x[fit_idx], y[fit_idx], k, C=C, alpha=alpha, n_jobs=n_jobs, class_weight=class_weight
        )
        margins[held_idx] = x[held_idx] @ w + b
    w, b = _nbsvm_weights(x, y, k, C=C, alpha=alpha, n_jobs=n_jobs, class_weight=class_weight)
    ab = [_platt(margins[:, c], y == c) for c in range(k)]
    # A sigmoid falling with the margin means the out-of-fold margins of a tiny training set carried no signal
    # (seen with 5 examples a class): then the logistic of the margin itself, which keeps the SVM's ranking.
    ab = [(a, b_) if a < 0 else (-1.0, 0.0) for a, b_ in ab]
    return {
        "coef": sp.csr_matrix(w),
        "intercept": b,
        "a": np.array([a for a, _ in ab], dtype=np.float32),
        "b": np.array([b_ for _, b_ in ab], dtype=np.float32),
    }


def _platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid P = 1 / (1 + exp(a·s + b)) by maximum likelihood on his smoothed targets
    (what sklearn's sigmoid calibration fits)."""
    from scipy.optimize import minimize
    from scipy.special import expit, xlogy

    n_pos = float(positive.sum())
    n_neg = len(positive) - n_pos
    target = np.where(positive, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))

    def loss(ab):
        p = expit(-(ab[0] * scores + ab[1]))
        value = -(xlogy(target, p) + xlogy(1 - target, 1 - p)).sum()
        g = target - p  # d loss / d (a·s + b)
        return value, np.array([(g * scores).sum(), g.sum()])

    res = minimize(loss, np.array([0.0, math.log((n_neg + 1) / (n_pos + 1))]), jac=True, method="L-BFGS-B")
    return float(res.x[0]), float(res.x[1])


def _linear_form(clf) -> dict | None:
    """Weights and Platt parameters of a multi-class calibrated LinearSVC (ensemble=False), else None."""
    calibrated = getattr(clf, "calibrated_classifiers_", None)
    if not calibrated or len(calibrated) != 1 or len(clf.classes_) < 3:
        return None
    inner = calibrated[0]
    svm = inner.estimator
    return {
        "coef": sp.csr_matrix(svm.coef_.T.astype(np.float32)),
        "intercept": svm.intercept_.astype(np.float32),
        "a": np.array([c.a_ for c in inner.calibrators], dtype=np.float32),
        "b": np.array([c.b_ for c in inner.calibrators], dtype=np.float32),
    }


class _Softmax:
    """Softmax of SVM margins, for tiny training sets that cannot be cross-validated."""

    def __init__(self, svm):
        self.svm = svm

    def fit(self, x, y):
        self.svm.fit(x, y)
        self.classes_ = self.svm.classes_
        return self

    def predict_proba(self, x):
        s = self.svm.decision_function(x)
        if s.ndim == 1:
            s = np.column_stack([-s, s])
        e = np.exp(3 * (s - s.max(axis=1, keepdims=True)))
        return e / e.sum(axis=1, keepdims=True)


def save(model: CategoryModel, path: str | Path) -> None:
    import joblib

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path, compress=3)


def load(path: str | Path) -> CategoryModel:
    import joblib

    model = joblib.load(path)
    model.predict_proba(["预热"], ["预热"])  # loads jieba's dictionary now, not in the first request
    return model


@lru_cache(maxsize=4)
def default_model(path: str = str(DEFAULT_MODEL)) -> CategoryModel:
    return load(path)


def predict_top3(title: str, detail: str, model: CategoryModel | None = None) -> list[tuple[str, float]]:
    """Top-3 first-level categories with calibrated confidences, best first."""
    return (model or default_model()).predict_top3(title, detail)


# --- data -------------------------------------------------------------------------------------------


def read_csv(path: str | Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def examples_from_rows(rows: Iterable[dict]) -> list[Example]:
    out = []
    for r in rows:
        label = (r.get("label") or "").strip()
        title, detail = r.get("title") or "", r.get("detail") or r.get("content") or ""
        if label and (title.strip() or detail.strip()):
            out.append(Example(title, detail, label))
    return out


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """One example per normalised text (title + detail)."""
    seen, out = set(), []
    for e in examples:
        key = dedup_key(e.detail) or "T:" + dedup_key(e.title)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out


def shipped_examples() -> list[Example]:
    labeled = examples_from_rows(read_csv(LABELED_CSV))
    titles = [Example(e.title, "", e.label) for e in examples_from_rows(read_csv(TITLES_CSV))]
    return dedupe(labeled + titles)


def db_examples() -> list[Example]:
    """Confirmed categories of appeals in the database (the category's top level)."""
    from gongzhi.appeals.models import Appeal

    qs = Appeal.objects.filter(category__isnull=False, dispatched_at__isnull=False).select_related(
        "category__parent__parent"
    )
    return dedupe(Example(a.title, a.content, a.category.top.name) for a in qs.iterator())


# --- evaluation -------------------------------------------------------------------------------------


def evaluate(model: CategoryModel, examples: Sequence[Example]) -> dict:
    from sklearn.metrics import accuracy_score, f1_score

    titles, details = [e.title for e in examples], [e.detail for e in examples]
    truth = [e.label for e in examples]
    # Warm-up, untimed: the first call builds the dense weights and touches their memory (≈ 0.1–0.2 s, once per
    # process), which on a test set of a few thousand texts would otherwise weigh as much as the predictions.
    model.predict_proba(titles[:32], details[:32])
    started = time.perf_counter()
    proba = model.predict_proba(titles, details)
    elapsed = max(time.perf_counter() - started, 1e-9)
    order = np.argsort(-proba, axis=1)
    pred = [model.classes[i] for i in order[:, 0]]
    top3 = [truth[k] in {model.classes[i] for i in order[k, :3]} for k in range(len(truth))]
    return {
        "n": len(examples),
        "macro_f1": round(float(f1_score(truth, pred, average="macro", zero_division=0)), 4),
        "accuracy": round(float(accuracy_score(truth, pred)), 4),
        "top3_accuracy": round(float(np.mean(top3)) if top3 else math.nan, 4),
        "predict_per_second": round(len(examples) / elapsed, 1),
    }


def cross_validate(labeled: Sequence[Example], titles: Sequence[Example], folds: int = 5, **train_kw) -> dict:
    """k-fold CV on labelled full texts grouped by normalised title (or text when there is no title);
    title-only examples join training unless their title is one of the test fold's titles."""
    from sklearn.model_selection import GroupKFold

    labeled = dedupe(labeled)
    groups = [dedup_key(e.title) or "D:" + dedup_key(e.detail) for e in labeled]
    results = []
    for train_idx, test_idx in GroupKFold(folds).split(labeled, groups=groups):
        test_keys = {groups[i] for i in test_idx}
        train_set = [labeled[i] for i in train_idx] + [
            t for t in titles if dedup_key(t.title) not in test_keys
        ]
        model = train(train_set, **train_kw)
        result = evaluate(model, [labeled[i] for i in test_idx])
        result["train_seconds"] = model.meta["train_seconds"]
        results.append(result)
    keys = ["macro_f1", "accuracy", "top3_accuracy", "predict_per_second", "train_seconds"]
    summary = {k: round(float(np.mean([r[k] for r in results])), 4) for k in keys}
    summary["n"] = len(labeled)
    summary["folds"] = results
    return summary


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False)

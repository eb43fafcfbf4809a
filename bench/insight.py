"""Benchmarks of gongzhi.insight: training time, predictions per second, macro-F1 (5-fold CV), the
hot-spot update latency and the back-test of the 7-day forecast.

    .venv/bin/python bench/insight.py [--folds 5] [--hotspots CSV] [--no-forecast]

Prediction speed is measured on one core (BLAS threads pinned to 1) from raw text, in batches of 1,000,
and also one appeal at a time (`predict_top3`, what intake calls).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongzhi.insight import classifier, forecast, hotspots  # noqa: E402
from gongzhi.insight.places import Gazetteer  # noqa: E402
from gongzhi.insight.text import dedup_key  # noqa: E402

# ../shared of the project's checkout (for a git worktree elsewhere: GONGZHI_SHARED=/path/to/shared)
SHARED = Path(os.environ.get("GONGZHI_SHARED", ROOT.parent / "shared")) / "data" / "appeals"
SHARED_HOTSPOTS = SHARED / "hotspot_messages.csv"


def forecast_backtest(model, year: int = 2019) -> None:
    """Rolling-origin back-test of every forecast method on the daily counts per category of one year of the
    real messages (all shared files, deduplicated by text; the label where there is one, else the shipped
    classifier's prediction)."""
    from collections import defaultdict
    from datetime import date, datetime

    seen, rows = set(), []
    for name in ("labeled.csv", "hotspot_messages.csv", "unlabeled.csv", "replies.csv"):
        for r in classifier.read_csv(SHARED / name):
            key = dedup_key(r.get("title")) + dedup_key(r.get("detail"))
            if key in seen or not r.get("time"):
                continue
            seen.add(key)
            rows.append(r)
    todo = [r for r in rows if not r.get("label")]
    for r, label in zip(
        todo,
        model.predict([r.get("title") or "" for r in todo], [r.get("detail") or "" for r in todo]),
        strict=True,
    ):
        r["label"] = label
    days = defaultdict(list)
    for r in rows:
        try:
            days[r["label"]].append(datetime.strptime(r["time"][:10].replace("/", "-"), "%Y-%m-%d").date())
        except ValueError:
            continue
    start, end = date(year, 1, 1), date(year, 12, 31)
    mean = defaultdict(float)
    per_category = {}
    for name in sorted(days):
        result = forecast.backtest(forecast.daily_series(days[name], start, end), start)
        per_category[name] = {m: r["mae"] for m, r in result.items()}
        for m, r in result.items():
            mean[m] += r["mae"] / len(days)
    n = sum(1 for d in days.values() for x in d if start <= x <= end)
    print(
        f"forecast back-test ({year}, {n} messages, {len(days)} categories, horizon 7, rolling origin "
        f"after {forecast.PROFILE_WEEKS} weeks): mean MAE per day "
        + ", ".join(f"{m} {v:.3f}" for m, v in sorted(mean.items(), key=lambda kv: kv[1]))
    )
    for name, maes in per_category.items():
        print(f"  {name}: " + ", ".join(f"{m} {v:.3f}" for m, v in maes.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 = skip)")
    parser.add_argument(
        "--hotspots",
        default=str(SHARED_HOTSPOTS) if SHARED_HOTSPOTS.exists() else "",
        help="CSV of messages for the hot-spot latency (default: the shipped labelled appeals)",
    )
    parser.add_argument("--no-forecast", action="store_true", help="skip the forecast back-test")
    args = parser.parse_args()

    labeled = classifier.examples_from_rows(classifier.read_csv(classifier.LABELED_CSV))
    titles = [
        classifier.Example(e.title, "", e.label)
        for e in classifier.examples_from_rows(classifier.read_csv(classifier.TITLES_CSV))
    ]
    examples = classifier.dedupe(labeled + titles)
    classifier.words("预热")  # jieba dictionary load is start-up, not training
    started, cpu = time.perf_counter(), time.process_time()
    model = classifier.train(examples)
    print(
        f"training: {time.perf_counter() - started:.1f} s on {len(examples)} examples "
        f"({time.process_time() - cpu:.1f} s of CPU time, both threads; model v{model.meta['version']} "
        f"{model.meta.get('method', 'svm')}); load average {os.getloadavg()[0]:.1f}"
    )

    texts = [(e.title, e.detail) for e in labeled] * 2
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 1000):
        chunk = texts[i : i + 1000]
        model.predict_proba([t for t, _ in chunk], [d for _, d in chunk])
    batch_rate = len(texts) / (time.perf_counter() - started)
    cpu_rate = len(texts) / (time.process_time() - cpu)
    started = time.perf_counter()
    for title, detail in texts[:500]:
        model.predict_top3(title, detail)
    single_ms = (time.perf_counter() - started) / 500 * 1000
    print(
        f"prediction: {batch_rate:,.0f} appeals/s in batches (wall clock; {cpu_rate:,.0f}/s of CPU time); "
        f"{single_ms:.2f} ms per single predict_top3"
    )

    if args.folds:
        started = time.perf_counter()
        cv = classifier.cross_validate(labeled, titles, folds=args.folds)
        print(
            f"{args.folds}-fold CV on {cv['n']} deduplicated labelled texts ({time.perf_counter() - started:.0f} s, "
            f"load average {os.getloadavg()[0]:.1f}): "
            f"macro-F1 {cv['macro_f1']:.4f}, accuracy {cv['accuracy']:.4f}, top-3 {cv['top3_accuracy']:.4f}"
        )

    rows = (
        classifier.read_csv(args.hotspots) if args.hotspots else classifier.read_csv(classifier.LABELED_CSV)
    )
    # The gazetteer a running county has (learnt from its appeals), and each add timed with the reading of its
    # appeal (segmentation and places: make_item), as the live worker does both for every new appeal.
    gazetteer = Gazetteer.learn((r.get("title") or "", r.get("detail") or "") for r in rows)
    rows = sorted(rows, key=lambda r: (not r.get("time"), r.get("time") or "", r.get("id") or ""))
    index = hotspots.HotspotIndex()
    latencies = []
    started = time.perf_counter()
    for i, r in enumerate(rows):
        t0 = time.perf_counter()
        index.add(
            hotspots.make_item(
                r.get("id") or f"row{i}",
                r.get("title"),
                r.get("detail"),
                r.get("time"),
                r.get("likes"),
                r.get("dislikes"),
                r.get("user"),
                gazetteer,
            )
        )
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    items = rows
    tail = latencies[-500:]
    print(
        f"hot spots ({len(gazetteer.names)} places known): {len(items)} appeals read and clustered in "
        f"{total:.1f} s; update latency (reading + joining) of the last 500 adds: "
        f"median {statistics.median(tail):.1f} ms, p95 {sorted(tail)[int(0.95 * len(tail))]:.1f} ms, "
        f"max {max(tail):.1f} ms; ranking {len(index.ranking(top=20))} hot spots"
    )

    if not args.no_forecast and SHARED.exists():
        forecast_backtest(model)


if __name__ == "__main__":
    main()

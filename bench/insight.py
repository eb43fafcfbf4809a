"""Benchmarks of gongzhi.insight: training time, predictions per second, macro-F1 (5-fold CV) and the
hot-spot update latency.

    .venv/bin/python bench/insight.py [--folds 5] [--hotspots CSV]

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

from gongzhi.insight import classifier, hotspots  # noqa: E402

SHARED_HOTSPOTS = ROOT.parent / "shared" / "data" / "appeals" / "hotspot_messages.csv"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folds", type=int, default=5, help="cross-validation folds (0 = skip)")
    parser.add_argument("--hotspots", default=str(SHARED_HOTSPOTS) if SHARED_HOTSPOTS.exists() else "",
                        help="CSV of messages for the hot-spot latency (default: the shipped labelled appeals)")
    args = parser.parse_args()

    labeled = classifier.examples_from_rows(classifier.read_csv(classifier.LABELED_CSV))
    titles = [classifier.Example(e.title, "", e.label)
              for e in classifier.examples_from_rows(classifier.read_csv(classifier.TITLES_CSV))]
    examples = classifier.dedupe(labeled + titles)
    classifier.words("预热")  # jieba dictionary load is start-up, not training
    started = time.perf_counter()
    model = classifier.train(examples)
    print(f"training: {time.perf_counter() - started:.1f} s on {len(examples)} examples")

    texts = [(e.title, e.detail) for e in labeled] * 2
    started, cpu = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), 1000):
        chunk = texts[i:i + 1000]
        model.predict_proba([t for t, _ in chunk], [d for _, d in chunk])
    batch_rate = len(texts) / (time.perf_counter() - started)
    cpu_rate = len(texts) / (time.process_time() - cpu)
    started = time.perf_counter()
    for title, detail in texts[:500]:
        model.predict_top3(title, detail)
    single_ms = (time.perf_counter() - started) / 500 * 1000
    print(f"prediction: {batch_rate:,.0f} appeals/s in batches (wall clock; {cpu_rate:,.0f}/s of CPU time); "
          f"{single_ms:.2f} ms per single predict_top3")

    if args.folds:
        started = time.perf_counter()
        cv = classifier.cross_validate(labeled, titles, folds=args.folds)
        print(f"{args.folds}-fold CV on {cv['n']} deduplicated labelled texts ({time.perf_counter() - started:.0f} s): "
              f"macro-F1 {cv['macro_f1']:.4f}, accuracy {cv['accuracy']:.4f}, top-3 {cv['top3_accuracy']:.4f}")

    rows = classifier.read_csv(args.hotspots) if args.hotspots else classifier.read_csv(classifier.LABELED_CSV)
    items = [hotspots.make_item(r.get("id") or f"row{i}", r.get("title"), r.get("detail"), r.get("time"),
                                r.get("likes"), r.get("dislikes"), r.get("user")) for i, r in enumerate(rows)]
    items.sort(key=lambda i: (i.time is None, i.time or 0, i.id))
    index = hotspots.HotspotIndex()
    latencies = []
    started = time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        index.add(item)
        latencies.append((time.perf_counter() - t0) * 1000)
    total = time.perf_counter() - started
    tail = latencies[-500:]
    print(f"hot spots: {len(items)} appeals clustered in {total:.1f} s; update latency of the last 500 adds: "
          f"median {statistics.median(tail):.1f} ms, p95 {sorted(tail)[int(0.95 * len(tail))]:.1f} ms, "
          f"max {max(tail):.1f} ms; ranking {len(index.ranking(top=20))} hot spots")


if __name__ == "__main__":
    main()

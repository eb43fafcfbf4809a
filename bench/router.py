"""Back-test of the unit router (insight.router, issue 19 part 2): time split — the older 80 % of appeals train,
the newer 20 % test — unit top-1 / top-3 accuracy of the router against the catalogue alone (the router without history: rules of
the predicted categories and of subcategories the text names) and against the first-level rule (what gongzhi
suggested before the router). Last line: JSON.

    .venv/bin/python bench/router.py --db                    # the database of the settings (e.g. after `make run`)
    GONGZHI_SQLITE_PATH=/tmp/demo.sqlite3 .venv/bin/python bench/router.py --db
    .venv/bin/python bench/router.py --real                  # real appeals of ../shared (skips without it)

--db reads the dispatch history of the database (kept dispatches, approved returns). The router is given each
test appeal's category twice: as the dispatcher confirmed it (first level, confidence 1) and as the shipped
classifier predicts it (its top-3; on the demo this flatters the classifier, which was trained on the same
public texts).

--real: the real appeals of ../shared/data/appeals/labeled.csv with a time (2,710 rows, 2020 Teddy Cup problem C)
have a first-level label but no unit. Their "history" is derived the way the demo derives its dispatches: the
text's keywords pick a second/third-level category inside the labelled first level (demo.loader.KEYWORD_CATEGORIES)
and the demo's catalogue (demo.loader.DEPARTMENTS, ENTERPRISES) names the unit; matters handled where they happen
(物业服务, 社区建设) go to one "属地" unit, as the real rows have no place. So the router has to learn which unit
inside a first-level category the text belongs to, from real texts and real times; the figures say how well
it recovers a rule-derived assignment, not how real dispatchers dispatched. Categories: the label (confidence 1).
"""

import argparse
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEBUG", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from gongzhi.insight import router  # noqa: E402

SHARED = Path(os.environ.get("GONGZHI_SHARED", ROOT.parent / "shared")) / "data" / "appeals"


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def db_backtest(test_share: float) -> dict:
    from gongzhi.insight.management.commands.train_router import predicted_categories

    catalogue = router.Catalogue.from_db()
    started = time.perf_counter()
    records = router.history(catalogue)
    read_seconds = time.perf_counter() - started
    confirmed = router.backtest(records, catalogue, test_share=test_share)
    predicted = router.backtest(
        records, catalogue, test_share=test_share, categories=predicted_categories(records)
    )
    return {
        "source": "db",
        "records": len(records),
        "appeals": len({r.appeal for r in records}),
        "negatives": sum(not r.positive for r in records),
        "read_seconds": round(read_seconds, 2),
        "confirmed_category": confirmed,
        "predicted_category": predicted,
    }


def real_catalogue():
    """The shipped taxonomy and the demo's catalogue as an in-memory router.Catalogue (no database)."""
    from gongzhi.appeals.catalogue import taxonomy_rows
    from gongzhi.demo import loader as demo

    categories, ids = {}, {}
    for row in taxonomy_rows():
        path = tuple(p for p in row if p)
        for depth in range(1, len(path) + 1):
            key = path[:depth]
            if key not in ids:
                ids[key] = len(ids) + 1
                categories[ids[key]] = (key[-1], ids.get(key[:-1]), depth)
    by_path = {"/".join(k): v for k, v in ids.items()}
    units, rules = {}, {}
    for code, name, paths in [*demo.DEPARTMENTS, *demo.ENTERPRISES]:
        units[code] = name
        for path in paths:
            rules[(by_path[path], None)] = code
    units["LOCAL"] = "属地（街道/物业）"
    for path, _kind in demo.LOCAL_RULES:
        rules[(by_path[path], None)] = "LOCAL"
    codes = {code: n for n, code in enumerate(units, start=1)}
    catalogue = router.Catalogue(
        categories,
        {},
        {},
        {k: codes[v] for k, v in rules.items()},
        {name: pk for pk, (name, _p, level) in categories.items() if level == 1},
    )
    return catalogue, by_path, {codes[c]: units[c] for c in units}


def real_backtest(test_share: float) -> dict:
    from gongzhi.demo import loader as demo
    from gongzhi.insight import classifier

    catalogue, by_path, _names = real_catalogue()
    rows = [r for r in classifier.read_csv(SHARED / "labeled.csv") if r.get("time") and r.get("label")]
    records, skipped = [], 0
    for n, r in enumerate(rows):
        try:
            at = timezone.make_aware(datetime.fromisoformat(r["time"].strip()[:19]))
        except ValueError:
            skipped += 1
            continue
        text = f"{r['title']} {r['detail']}"
        path = next(
            (p for regex, p in demo._KEYWORD_RES if p.startswith(r["label"] + "/") and regex.search(text)),
            r["label"],
        )
        found = catalogue.rule(by_path[path], None)
        if found is None:
            skipped += 1
            continue
        records.append(router.Record(n, at, r["title"], r["detail"], r["label"], None, found[0], True))
    records.sort(key=lambda x: (x.at, x.appeal))
    result = router.backtest(records, catalogue, test_share=test_share)
    return {
        "source": "real",
        "rows": len(rows),
        "records": len(records),
        "skipped": skipped,
        "units": len({r.unit for r in records}),
        "confirmed_category": result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", action="store_true")
    parser.add_argument("--real", action="store_true")
    parser.add_argument("--test-share", type=float, default=0.2)
    args = parser.parse_args()
    if not (args.db or args.real):
        parser.error("choose --db and/or --real")
    out = {"load_before": load_avg()}
    if args.db:
        out["db"] = db_backtest(args.test_share)
    if args.real:
        if (SHARED / "labeled.csv").exists():
            out["real"] = real_backtest(args.test_share)
        else:
            out["real"] = {"skipped": f"{SHARED} not found"}
    out["load_after"] = load_avg()
    for key in ("db", "real"):
        for kind in ("confirmed_category", "predicted_category"):
            r = out.get(key, {}).get(kind)
            if r:
                print(
                    f"{key:4} {kind:18} test {r['test_appeals']:5}  router top-1 {r['router']['top1']:.3f} "
                    f"top-3 {r['router']['top3']:.3f}   catalogue top-1 {r['catalogue']['top1']:.3f} "
                    f"top-3 {r['catalogue']['top3']:.3f}   first-level rule top-1 {r['first_level_rule']['top1']:.3f} "
                    f"top-3 {r['first_level_rule']['top3']:.3f}   train {r['train_seconds']} s"
                )
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()

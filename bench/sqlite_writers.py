"""How long a writer waits for SQLite's write lock: Django's sqlite3 backend (SQLite's busy handler) against
gongzhi.core.db.sqlite (a kernel flock queue), with the same load.

    .venv/bin/python bench/sqlite_writers.py [--processes 3] [--threads 4] [--hold-ms 4] [--think-ms 60] [--seconds 15]

Each of PROCESSES × THREADS writers (one connection each, like gunicorn's threads and processes) loops: think
for an exponential time of mean THINK ms, then one transaction (`transaction.atomic()`: INSERT, HOLD ms of
work inside the lock, INSERT). The work is a sleep, so the figure does not depend on how busy the machine's
cores are: it isolates how soon a waiting writer gets the lock once it is free. Prints, per backend, the
transactions per second and the wait for the lock (from entering atomic() to the first statement done) at
p50 / p99 / max, then one JSON line.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENGINES = {"django": "django.db.backends.sqlite3", "flock": "gongzhi.core.db.sqlite"}


def child(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django
    from django.conf import settings

    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": ENGINES[args.engine],
                "NAME": args.db,
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                },
            }
        }
    )
    django.setup()
    from django.db import connection, transaction

    waits: list[float] = []
    stop_at = args.start + args.seconds

    def writer(seed: int) -> None:
        rng = random.Random(seed)
        try:
            while True:
                time.sleep(rng.expovariate(1000 / args.think_ms))
                if time.time() >= stop_at:
                    return
                asked = time.perf_counter()
                with transaction.atomic():
                    connection.cursor().execute("INSERT INTO item (label) VALUES ('a')")
                    waits.append(time.perf_counter() - asked)
                    time.sleep(args.hold_ms / 1000)
                    connection.cursor().execute("INSERT INTO item (label) VALUES ('b')")
        finally:
            connection.close()

    while time.time() < args.start:
        time.sleep(0.005)
    threads = [threading.Thread(target=writer, args=(os.getpid() * 100 + i,)) for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(waits))


def run(engine: str, args, db: str) -> dict:
    start = time.time() + 1.5
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--child",
                "--engine",
                engine,
                "--db",
                db,
                "--start",
                str(start),
                "--seconds",
                str(args.seconds),
                "--threads",
                str(args.threads),
                "--hold-ms",
                str(args.hold_ms),
                "--think-ms",
                str(args.think_ms),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(args.processes)
    ]
    waits = sorted(w for p in procs for w in json.loads(p.communicate()[0]))
    pick = lambda q: round(waits[min(len(waits) - 1, int(q * len(waits)))] * 1000, 1)  # noqa: E731
    return {
        "backend": engine,
        "transactions_per_s": round(len(waits) / args.seconds, 1),
        "wait_p50_ms": pick(0.5),
        "wait_p99_ms": pick(0.99),
        "wait_max_ms": round(waits[-1] * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--hold-ms", type=float, default=4)
    parser.add_argument("--think-ms", type=float, default=60)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--engine", choices=ENGINES)
    parser.add_argument("--db")
    parser.add_argument("--start", type=float)
    args = parser.parse_args()
    if args.child:
        return child(args)
    out = {
        "load_average_1m": round(os.getloadavg()[0], 2),
        "processes": args.processes,
        "threads": args.threads,
        "hold_ms": args.hold_ms,
        "think_ms": args.think_ms,
        "results": [],
    }
    for engine in ENGINES:
        with tempfile.TemporaryDirectory(prefix="gongzhi-writers-") as tmp:
            db = str(Path(tmp) / "writers.sqlite3")
            import sqlite3

            with sqlite3.connect(db) as conn:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("CREATE TABLE item (id integer PRIMARY KEY, label text)")
            result = run(engine, args, db)
        print(
            f"{engine:7} {result['transactions_per_s']:7.1f} tx/s  wait p50 {result['wait_p50_ms']} ms  "
            f"p99 {result['wait_p99_ms']} ms  max {result['wait_max_ms']} ms",
            file=sys.stderr,
        )
        out["results"].append(result)
    out["load_average_1m_after"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

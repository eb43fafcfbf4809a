"""Sustained intake through the production stack: `make bench-load` (RATE=100 DURATION=60 by default).

Starts gunicorn (one node, GONGZHI_WEB_WORKERS processes), the task worker and the scheduler on free loopback
ports over PostgreSQL when DATABASE_URL is set (a fresh database `<name>_bench` on that server; BENCH_PG=private:
a server of its own instead) or else SQLite;
makes residents with API tokens; submits appeals from a separate process (bench/loadgen.py: open loop, one client
key each, retried with the same key); then checks that every acknowledged appeal is in the database with its
`submit` event and an intact hash chain, and that no appeal was entered twice. It also times single-row
INSERT + COMMIT on the same database, the floor under any durable intake.

Last line, one JSON object: rate, sent, acknowledged, errors, lost, p50_ms, p99_ms, plus raw_commits_per_s and
raw_to_appeal_ratio (raw single-row commit rate / achieved appeal rate), duplicated, worker_backlog, the load
average seen, the CPU milliseconds per acknowledged appeal of the web nodes, the task worker and the load
generator (from /proc and getrusage: the machine-independent figure; 2 cores give 20 ms at 100/s), on a local
PostgreSQL also of its server backends for the bench database (pg_cpu_ms, sampled from /proc, with the share of
each component as pg_cpu_ms_by_app: every process of the stack names itself by PGAPPNAME), how long
the worker took to drain after the load (drain_s) and how soon after its commit each appeal was classified
(insight_lag_p50_s / _p99_s). BENCH_DUMP=FILE writes every request's record (its due time and latency) there;
BENCH_KEEP=1 leaves the stack running with its logs (GONGZHI_SQLITE_SLOW_WRITE_MS=60 logs the write transactions
that held SQLite's lock longer, with their CPU time).
"""

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from cluster import BIN, REPO, Stack  # noqa: E402

SEED = """
import json
from django.contrib.auth.models import Group
from rest_framework.authtoken.models import Token
from gongzhi.core.models import Region, User
county = Region.objects.create(code="BENCH", name="压测区", level="county")
regions = []
for s in range(5):
    street = Region.objects.create(code=f"BENCH{s}", name=f"压测街道{s}", level="street", parent=county)
    for c in range(4):
        regions.append(Region.objects.create(code=f"BENCH{s}{c}", name=f"压测社区{s}{c}", level="community",
                                             parent=street).code)
group = Group.objects.get(name="resident")
tokens = []
for n in range(NUSERS):
    user = User.objects.create_user(username=f"bench-resident-{n}", password=None, phone=f"139{n:08d}",
                                    display_name=f"压测居民{n}")
    user.groups.add(group)
    tokens.append(Token.objects.create(user=user).key)
print("SEED" + json.dumps({"tokens": tokens, "regions": regions}))
"""

VERIFY = """
import json, os
from collections import Counter
from django.db.models import Count
from gongzhi.appeals.models import Appeal, AppealEvent
from gongzhi.core.audit import verify_chain
from django_tasks_db.models import DBTaskResult
run = os.environ["BENCH_RUN"]
acked = set(json.load(open(os.environ["BENCH_ACKED"])))
rows = list(Appeal.objects.filter(client_key__startswith=run + "-").values_list("id", "client_key", "title"))
keys = {key: pk for pk, key, _t in rows}
titles = Counter(title for _pk, _key, title in rows)
events = {}
for event in AppealEvent.objects.filter(appeal_id__in=list(keys.values())).order_by("appeal_id", "id").iterator():
    events.setdefault(event.appeal_id, []).append(event)
lost = [k for k in acked if k not in keys or not any(e.action == "submit" for e in events.get(keys[k], []))]
broken = [pk for pk, chain in events.items() if verify_chain(chain) is not None]
print("VERIFY" + json.dumps({
    "stored": len(rows), "lost": len(lost), "lost_keys": sorted(lost)[:10], "broken_chains": len(broken),
    "duplicated": sum(n - 1 for n in titles.values() if n > 1),
    "worker_backlog": DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).count(),
}))
"""

# After the load: how long the worker took to finish what the load queued, and how soon after its commit each
# acknowledged appeal had its classification (insight's promise: within a second).
DRAIN = """
import json, os, time
from django.db.models import F
from django_tasks_db.models import DBTaskResult
from gongzhi.insight.models import AppealPrediction
run = os.environ["BENCH_RUN"]
start = time.monotonic()
while DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists() and time.monotonic() - start < 120:
    time.sleep(0.2)
drained = time.monotonic() - start
lags = sorted((p.created_at - p.appeal.received_at).total_seconds() for p in AppealPrediction.objects.filter(
    appeal__client_key__startswith=run + "-").select_related("appeal").only("created_at", "appeal__received_at"))
pick = lambda q: round(lags[min(len(lags) - 1, int(q * len(lags)))], 3) if lags else None
print("DRAIN" + json.dumps({"drain_s": round(drained, 1), "predicted": len(lags), "insight_lag_p50_s": pick(0.5),
                            "insight_lag_p99_s": pick(0.99)}))
"""


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of the live processes of one process group (a gunicorn master and its workers)."""
    total, tick = 0, os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # after ")": state, ppid, pgrp, ..., utime (12), stime (13)
            total += int(fields[11]) + int(fields[12])
    return total / tick


def proc_cpu_seconds(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PgServerCpu:
    """CPU seconds of the local PostgreSQL backends serving one database, sampled from /proc every 0.1 s (as
    bench/import.py does), keyed by application_name (scripts/cluster.py gives each process of the stack its name
    through PGAPPNAME). A backend present at the start counts from its CPU time then, one started since from zero;
    what a backend spends between its last sample and its exit is missed (pooled connections rarely exit)."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True, application_name="bench-sampler")
        self.seen: dict[int, list] = {}  # pid → [application_name, first, last]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self._sample(baseline=True)
        self.thread.start()

    def _sample(self, baseline: bool = False) -> None:
        rows = self.conn.execute(
            "SELECT pid, application_name FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        for pid, app in rows:
            cpu = proc_cpu_seconds(pid)
            if cpu is None:
                continue
            if pid in self.seen:
                self.seen[pid][2] = cpu
            else:
                self.seen[pid] = [app or "other", cpu if baseline else 0.0, cpu]

    def _run(self) -> None:
        while not self.stop.wait(0.1):
            self._sample()

    def finish(self) -> dict[str, float]:
        """Stop sampling; CPU seconds per application name."""
        self.stop.set()
        self.thread.join()
        self._sample()
        self.conn.close()
        by_app: dict[str, float] = {}
        for app, first, last in self.seen.values():
            by_app[app] = by_app.get(app, 0.0) + last - first
        return by_app


# The server settings a figure depends on; printed with it, and a warning for the ones that make it meaningless.
PG_SETTINGS = (
    "shared_buffers",
    "synchronous_commit",
    "fsync",
    "full_page_writes",
    "wal_buffers",
    "max_wal_size",
    "checkpoint_timeout",
    "autovacuum",
    "max_connections",
    "jit",
)


def pg_server_settings(url: str) -> dict:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", (list(PG_SETTINGS),)
        ).fetchall()
    found = dict(rows)
    for name, wanted in (("synchronous_commit", "on"), ("fsync", "on"), ("autovacuum", "on")):
        if found.get(name) != wanted:
            print(f"warning: the server has {name}={found.get(name)} (production: {wanted})", file=sys.stderr)
    return found


def stack_cpu(stack: Stack) -> dict:
    return {name: group_cpu_seconds(pid) for name, pid in stack.state.get("pids", {}).items()}


def stop_worker(stack: Stack, timeout: float = 60) -> None:
    """SIGTERM the task worker and wait until it has exited (it finishes the task in hand first)."""
    pid = stack.state["pids"]["worker"]
    stack.kill("worker", signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG) != (0, 0):
            return
        time.sleep(0.1)
    raise RuntimeError("the task worker did not stop")


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


def bench_database_url() -> str | None:
    """A fresh database beside the one DATABASE_URL names (that one is left alone)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        return None
    import psycopg

    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'gongzhi'}_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def shell(stack: Stack, code: str, marker: str, env: dict | None = None) -> dict:
    done = subprocess.run(
        [str(BIN / "gongzhi"), "shell", "-c", code],
        env={**stack.env, **(env or {})},
        cwd=REPO,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise RuntimeError(done.stderr[-3000:])
    return json.loads(done.stdout.rsplit(marker, 1)[1].splitlines()[0])


def seed(stack: Stack, users: int = 50) -> dict:
    return shell(stack, SEED.replace("NUSERS", str(users)), "SEED")


def run_load(
    stack: Stack, seeded: dict, *, rate: float, duration: float, run: str, urls: list[str]
) -> subprocess.Popen:
    """Start the load generator (a separate process); the caller waits for it and reads `results(...)`."""
    spec = {"run": run, "rate": rate, "duration": duration, "urls": urls, **seeded}
    spec_file = stack.root / f"{run}.spec.json"
    spec_file.write_text(json.dumps(spec))
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "loadgen.py"),
            "--spec",
            str(spec_file),
            "--out",
            str(stack.root / f"{run}.results.jsonl"),
        ]
    )


def results(stack: Stack, run: str) -> list[dict]:
    with open(stack.root / f"{run}.results.jsonl") as f:
        return [json.loads(line) for line in f]


def verify(stack: Stack, run: str, rows: list[dict]) -> dict:
    acked_file = stack.root / f"{run}.acked.json"
    acked_file.write_text(json.dumps([r["key"] for r in rows if r["ack"]]))
    return shell(stack, VERIFY, "VERIFY", {"BENCH_RUN": run, "BENCH_ACKED": str(acked_file)})


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def raw_commit_rate(stack: Stack, seconds: float = 3.0) -> float:
    """Single-row INSERT + COMMIT, one connection, for `seconds`, on the stack's own database and settings."""
    env = stack.state["env"]
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"], autocommit=True) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_commit (id bigserial PRIMARY KEY, body text)")
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                conn.execute("INSERT INTO bench_raw_commit (body) VALUES (%s)", ("压测原始写入",))
                n += 1
            elapsed = time.perf_counter() - start
            conn.execute("DROP TABLE bench_raw_commit")
        return n / elapsed
    # The same pragmas as settings.py gives Django's connections: WAL, synchronous=NORMAL, IMMEDIATE transactions.
    conn = sqlite3.connect(env["GONGZHI_SQLITE_PATH"], isolation_level=None, timeout=20)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE IF NOT EXISTS bench_raw_commit (id integer PRIMARY KEY, body text)")
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO bench_raw_commit (body) VALUES (?)", ("压测原始写入",))
        conn.execute("COMMIT")
        n += 1
    elapsed = time.perf_counter() - start
    conn.execute("DROP TABLE bench_raw_commit")
    conn.close()
    return n / elapsed


def start_stack(web: int, *, standby: bool = False, db: str | None = None) -> Stack:
    root = Path(tempfile.mkdtemp(prefix="gongzhi-bench-"))
    stack = Stack(root)
    stack.verbose = bool(os.environ.get("BENCH_VERBOSE"))
    if db is None:
        db = bench_database_url() or "sqlite"
    try:
        stack.create(
            db=db,
            standby=standby,
            web=web,
            web_workers=int(env_number("GONGZHI_WEB_WORKERS", 2)),
            web_threads=int(env_number("GONGZHI_WEB_THREADS", 4)),
        )
    except BaseException:
        stack.stop(remove=False)
        print(f"stack failed to start; logs in {root}", file=sys.stderr)
        raise
    return stack


def summarize(rows: list[dict], rate: float, duration: float) -> dict:
    acked = [r for r in rows if r["ack"]]
    latencies = [r["latency_ms"] for r in acked]
    return {
        "rate": rate,
        "sent": len(rows),
        "acknowledged": len(acked),
        "errors": sum(len(r["failures"]) for r in rows) + sum(1 for r in rows if not r["ack"]),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies, default=0), 1),
        "achieved_per_s": round(len(acked) / duration, 1),
    }


def main() -> None:
    rate, duration = env_number("RATE", 100), env_number("DURATION", 60)
    # BENCH_PG=private: a PostgreSQL server of the stack's own (scripts/cluster.py: initdb defaults, autovacuum on)
    # instead of the one DATABASE_URL names, whose settings (printed after the run) may not be production's.
    stack = start_stack(web=1, db="private" if os.environ.get("BENCH_PG") == "private" else None)
    try:
        seeded = seed(stack)
        run = f"L{int(time.time())}"
        load_before = os.getloadavg()
        cpu_before, children_before = stack_cpu(stack), resource.getrusage(resource.RUSAGE_CHILDREN)
        pg_url = stack.state["env"].get("DATABASE_URL")
        pg_cpu = PgServerCpu(pg_url) if pg_url and Path("/proc").is_dir() else None
        # BENCH_PAUSE_WORKER=1: no task worker during the load (stopped with SIGTERM, which lets it finish its
        # task and transaction: a SIGSTOP could freeze it holding the write lock), started again after it, to
        # measure the web nodes and the database alone; the drain then shows the worker catching up.
        paused = bool(os.environ.get("BENCH_PAUSE_WORKER"))
        if paused:
            stop_worker(stack)
            # The new worker process starts from 0; the reaped one's CPU must not count as the load generator's.
            cpu_before["worker"], children_before = 0.0, resource.getrusage(resource.RUSAGE_CHILDREN)
        client = run_load(stack, seeded, rate=rate, duration=duration, run=run, urls=stack.web_urls)
        client.wait()
        if paused:
            stack.start_worker()
        load_during = os.getloadavg()
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        drained = shell(stack, DRAIN, "DRAIN", {"BENCH_RUN": run})
        cpu_after = stack_cpu(stack)
        pg_by_app = pg_cpu.finish() if pg_cpu else {}
        rows = results(stack, run)
        if os.environ.get("BENCH_DUMP"):  # every request (due time, latency, …): when were the slow ones?
            Path(os.environ["BENCH_DUMP"]).write_text(json.dumps(rows))
        summary = summarize(rows, rate, duration)
        checked = verify(stack, run, rows)
        acked = max(summary["acknowledged"], 1)

        def per_appeal(names) -> float:
            return round(sum(cpu_after.get(n, 0) - cpu_before.get(n, 0) for n in names) * 1000 / acked, 2)

        cpu = {
            "web_cpu_ms": per_appeal([n for n in cpu_after if n.startswith("web")]),
            "worker_cpu_ms": per_appeal(["worker"]),
            "loadgen_cpu_ms": round(
                (children.ru_utime + children.ru_stime - children_before.ru_utime - children_before.ru_stime)
                * 1000
                / acked,
                2,
            ),
        }
        if pg_cpu:
            cpu["pg_cpu_ms"] = round(sum(pg_by_app.values()) * 1000 / acked, 2)
            cpu["pg_cpu_ms_by_app"] = {
                app: round(s * 1000 / acked, 2) for app, s in sorted(pg_by_app.items())
            }
        raw = raw_commit_rate(stack)
        database = "postgresql" if stack.state["env"].get("DATABASE_URL") else "sqlite"
        print(
            f"database={database} stack={stack.root} load average before={load_before[0]:.2f} "
            f"during (1 min)={load_during[0]:.2f}; raw single-row INSERT+COMMIT {raw:.0f}/s",
            file=sys.stderr,
        )
        if pg_url:
            print(
                "server: " + " ".join(f"{k}={v}" for k, v in pg_server_settings(pg_url).items()),
                file=sys.stderr,
            )
        out = {
            **summary,
            "lost": checked["lost"],
            "duplicated": checked["duplicated"],
            "broken_chains": checked["broken_chains"],
            "worker_backlog": checked["worker_backlog"],
            "raw_commits_per_s": round(raw),
            "raw_to_appeal_ratio": round(raw / max(summary["achieved_per_s"], 1), 1),
            "database": database,
            "worker_paused": paused,
            "loadavg_1m": round(load_during[0], 2),
            **cpu,
            **drained,
        }
        ok = out["lost"] == 0 and out["duplicated"] == 0 and out["broken_chains"] == 0
        print(json.dumps(out))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            stack.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

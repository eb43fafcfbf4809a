"""CPU cost, queries and commits per appeal, in the web process and in the task worker: the machine-independent
figure behind `make bench-load` (wall-clock latency on a shared machine is noisy; CPU per appeal is not).

    .venv/bin/python bench/intake_cost.py [--n 300] [--profile web|worker] [--sql]

A fresh database (a temporary SQLite file, or `<name>_cost` beside the one DATABASE_URL names) is migrated and
seeded like bench/load.py; appeals are POSTed to /api/v1/appeals/ through Django's full request handler
(middleware, token authentication, DRF), as a resident with an API token, each with its own client key. Then the
task worker (django-tasks-db's own `Worker` loop, as `gongzhi db_worker` runs it) drains every task those appeals
enqueued. CPU is this process's time (time.process_time); commits count every COMMIT (an atomic block's, and
each write statement run in autocommit mode). `--profile` prints the top of a cProfile of that side; `--sql`
prints the statements of one more appeal's request.

Last line, one JSON object: web_cpu_ms, web_queries, web_commits, worker_cpu_ms, worker_queries, worker_commits,
worker_tasks (all per appeal), and the database.
"""

import argparse
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def prepare_environment(keep: bool) -> str:
    """Point the settings at a fresh database before Django starts; returns its description."""
    os.environ.setdefault("GONGZHI_DEBUG", "0")  # as in production: DEBUG keeps every query in memory
    os.environ.setdefault("GONGZHI_SECRET_KEY", "bench-intake-cost")
    os.environ.setdefault("GONGZHI_LOG_LEVEL", "WARNING")
    os.environ.setdefault("GONGZHI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urlsplit(url)
        name = f"{parts.path.lstrip('/') or 'gongzhi'}_cost"
        with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        return f"postgresql {name}"
    os.environ.pop("DATABASE_URL", None)
    path = Path(tempfile.mkdtemp(prefix="gongzhi-cost-")) / "cost.sqlite3"
    os.environ["GONGZHI_SQLITE_PATH"] = str(path)
    return f"sqlite {path}"


class Counter:
    """Counts queries and commits on the default connection (install with `with counter.installed():`);
    `log` keeps each statement's text when given a list."""

    WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

    def __init__(self, log: list | None = None):
        self.queries = self.commits = 0
        self.log = log

    def __call__(self, execute, sql, params, many, context):
        from django.db import connection

        self.queries += 1
        if self.log is not None:
            self.log.append(sql)
        if not connection.in_atomic_block and sql.lstrip()[:7].upper().startswith(self.WRITES):
            self.commits += 1  # autocommit: the statement is its own transaction
        return execute(sql, params, many, context)

    def installed(self):
        from contextlib import ExitStack

        from django.db import connections

        connection = connections["default"]
        counter = self
        stack = ExitStack()
        stack.enter_context(connection.execute_wrapper(self))
        original = type(connection).commit

        def commit(conn, *args, **kwargs):
            counter.commits += 1
            return original(conn, *args, **kwargs)

        type(connection).commit = commit
        stack.callback(lambda: setattr(type(connection), "commit", original))
        return stack


def seed() -> dict:
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    from gongzhi.core.models import Region, User

    county = Region.objects.create(code="BENCH", name="压测区", level="county")
    regions = []
    for s in range(5):
        street = Region.objects.create(code=f"BENCH{s}", name=f"压测街道{s}", level="street", parent=county)
        for c in range(4):
            regions.append(
                Region.objects.create(
                    code=f"BENCH{s}{c}", name=f"压测社区{s}{c}", level="community", parent=street
                ).code
            )
    group = Group.objects.get(name="resident")
    tokens = []
    for n in range(50):
        user = User.objects.create_user(
            username=f"bench-resident-{n}", password=None, phone=f"139{n:08d}", display_name=f"压测居民{n}"
        )
        user.groups.add(group)
        tokens.append(Token.objects.create(user=user).key)
    return {"tokens": tokens, "regions": regions}


def post_appeals(client, seeded: dict, run: str, first: int, n: int) -> None:
    from loadgen import appeal_body

    for i in range(first, first + n):
        body = json.dumps(appeal_body(run, i, seeded["regions"][i % len(seeded["regions"])]))
        response = client.post(
            "/api/v1/appeals/",
            body,
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Token {seeded['tokens'][i % len(seeded['tokens'])]}",
            HTTP_ACCEPT="application/json",
        )
        if response.status_code != 201:
            raise SystemExit(f"appeal {i}: HTTP {response.status_code} {response.content[:500]!r}")


def drain_worker() -> int:
    """Run every ready task with django-tasks-db's worker loop (batch mode: exit when none is left)."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="bench-intake-cost",
        excluded_queue_names=[],
    )
    worker.run()
    return worker._run_tasks


def measure(fn, profile: bool):
    counter = Counter()
    profiler = cProfile.Profile() if profile else None
    with counter.installed():
        cpu, wall = time.process_time(), time.perf_counter()
        if profiler:
            profiler.enable()
        result = fn()
        if profiler:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler:
        if os.environ.get("BENCH_PSTATS"):  # for a closer look: python -m pstats FILE
            profiler.dump_stats(os.environ["BENCH_PSTATS"])
        stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
        stats.print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
    return result, cpu, wall, counter


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--warm", type=int, default=30)
    parser.add_argument("--profile", choices=["web", "worker"])
    parser.add_argument(
        "--sql", action="store_true", help="print the statements of one more appeal's request"
    )
    args = parser.parse_args()
    database = prepare_environment(keep=False)
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    call_command("createcachetable", verbosity=0)
    seeded = seed()
    client = Client()
    run = f"C{int(time.time())}"
    # Warm up: first requests load the classifier, jieba, templates and every lazy import.
    post_appeals(client, seeded, run, 0, args.warm)
    drain_worker()
    _r, web_cpu, web_wall, web = measure(
        lambda: post_appeals(client, seeded, run, args.warm, args.n), args.profile == "web"
    )
    tasks, worker_cpu, worker_wall, worker = measure(drain_worker, args.profile == "worker")
    if args.sql:
        log: list[str] = []
        with Counter(log).installed():
            post_appeals(client, seeded, run, args.warm + args.n, 1)
        for number, sql in enumerate(log, start=1):
            print(f"{number:3d} {sql[:300]}", file=sys.stderr)
    n = args.n
    print(
        f"{database}: {n} appeals; web {web_cpu / n * 1000:.1f} ms CPU ({web_wall / n * 1000:.1f} ms wall), "
        f"{web.queries / n:.1f} queries, {web.commits / n:.1f} commits per appeal; worker {tasks} tasks, "
        f"{worker_cpu / n * 1000:.1f} ms CPU ({worker_wall / n * 1000:.1f} ms wall), {worker.queries / n:.1f} "
        f"queries, {worker.commits / n:.1f} commits per appeal",
        file=sys.stderr,
    )
    print(
        json.dumps(
            {
                "n": n,
                "database": database.split()[0],
                "web_cpu_ms": round(web_cpu / n * 1000, 2),
                "web_wall_ms": round(web_wall / n * 1000, 2),
                "web_queries": round(web.queries / n, 2),
                "web_commits": round(web.commits / n, 2),
                "worker_cpu_ms": round(worker_cpu / n * 1000, 2),
                "worker_wall_ms": round(worker_wall / n * 1000, 2),
                "worker_queries": round(worker.queries / n, 2),
                "worker_commits": round(worker.commits / n, 2),
                "worker_tasks": round(tasks / n, 2),
                "loadavg_1m": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()

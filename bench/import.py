"""Benchmark of `gongzhi import_appeals`: generates N rows of another hotline system's export, imports them
with full validation and prints rows per second (last line: JSON). `rows_per_s` is wall clock (database
included); `rows_per_cpu_s` counts only this process's CPU time (all its threads: on PostgreSQL a writer thread
COPYs each batch while the next is checked), which stays meaningful on a shared, loaded machine (the load
average is printed too, at the start and at the end). On a local PostgreSQL, `db_cpu_seconds` is the CPU time
its server processes for this database spent meanwhile (sampled from /proc), so the importer's and the
database's shares of the work are both visible.

    .venv/bin/python bench/import.py [--rows 100000] [--format csv|xlsx] [--verify]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gongzhi_bench .venv/bin/python bench/import.py

The database named by DATABASE_URL (default: the SQLite file) is migrated first and gets a small bench
county (codes BENCH-…) and an import profile "bench"; every run imports fresh source ids, then imports the
same file again to time the idempotent re-import (every row skipped). Texts are real appeals from
../shared/data/appeals/labeled.csv when it is there (2020 Teddy Cup, problem C), else generated.
"""

import argparse
import csv
import io
import json
import os
import random
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEBUG", "1")  # the settings' development mode, as these figures were measured

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from gongzhi.appeals.exchange.importing import import_appeals  # noqa: E402
from gongzhi.appeals.exchange.models import ImportProfile  # noqa: E402
from gongzhi.appeals.models import Category  # noqa: E402
from gongzhi.core.choices import RegionLevel, UnitKind  # noqa: E402
from gongzhi.core.models import Region, Unit  # noqa: E402

SHARED = next(
    (p / "shared" for p in ROOT.parents if (p / "shared" / "data").is_dir()), ROOT.parent / "shared"
)
LABELED = SHARED / "data" / "appeals" / "labeled.csv"
HEADER = [
    "工单编号",
    "工单标题",
    "诉求描述",
    "诉求性质",
    "来源",
    "紧急程度",
    "工单状态",
    "问题分类",
    "所属社区",
    "事发地址",
    "来电人",
    "来电号码",
    "来电时间",
    "派发时间",
    "签收时间",
    "答复时间",
    "办结时间",
    "承办单位",
    "处理结果",
]
STATES = [
    ("已归档", 0.70),
    ("已回复", 0.08),
    ("处理中", 0.08),
    ("已派发", 0.06),
    ("已签收", 0.03),
    ("待受理", 0.05),
]
KINDS = ["投诉", "求助", "咨询", "建议", "举报"]
CHANNELS = ["热线电话", "网站", "手机", "来信"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def texts() -> list[tuple[str, str]]:
    if LABELED.exists():
        with LABELED.open(encoding="utf-8") as f:
            rows = [(r["title"], r["detail"]) for r in csv.DictReader(f) if r["title"] and r["detail"]]
        if rows:
            return rows
    return [
        (f"小区第{i}号楼路灯不亮", f"第{i}号楼门口路灯坏了两周，晚上出行不安全，请尽快维修。")
        for i in range(500)
    ]


def bench_county() -> tuple[list[str], list[str]]:
    county, _ = Region.objects.get_or_create(
        code="BENCH", defaults={"name": "测速县", "level": RegionLevel.COUNTY}
    )
    communities = []
    for s in range(4):
        street, _ = Region.objects.get_or_create(
            code=f"BENCH-{s}",
            defaults={"name": f"测速第{s + 1}街道", "level": RegionLevel.STREET, "parent": county},
        )
        for c in range(3):
            community, _ = Region.objects.get_or_create(
                code=f"BENCH-{s}-{c}",
                defaults={
                    "name": f"测速第{s + 1}街道第{c + 1}社区",
                    "level": RegionLevel.COMMUNITY,
                    "parent": street,
                },
            )
            communities.append(community.code)
    units = []
    for i, name in enumerate(
        ["测速县住建局", "测速县城管局", "测速县人社局", "测速县交通局", "测速县教育局"]
    ):
        unit, _ = Unit.objects.get_or_create(
            code=f"BENCH-U{i}", defaults={"name": name, "kind": UnitKind.DEPARTMENT, "region": county}
        )
        units.append(unit.code)
    return communities, units


def generate(n: int, run: str, communities: list[str], units: list[str]) -> list[list]:
    rng = random.Random(run)
    pool = texts()
    categories = list(Category.objects.filter(level=3).values_list("code", flat=True))
    states, weights = zip(*STATES, strict=True)
    base = datetime(2025, 1, 1, 8, 0)
    rows = [HEADER]
    for i in range(n):
        title, detail = pool[i % len(pool)]
        state = rng.choices(states, weights)[0]
        received = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 300))
        dispatched = received + timedelta(hours=rng.randrange(1, 8)) if state != "待受理" else None
        signed = (
            dispatched + timedelta(hours=rng.randrange(1, 24)) if dispatched and state != "已派发" else None
        )
        replied = (
            signed + timedelta(days=rng.randrange(1, 10))
            if signed and state in ("已回复", "已归档")
            else None
        )
        closed = replied + timedelta(days=rng.randrange(1, 5)) if state == "已归档" else None

        def t(value):
            return value.strftime("%Y-%m-%d %H:%M:%S") if value else ""

        rows.append(
            [
                f"B{run}{i:07d}",
                title[:200],
                detail,
                rng.choice(KINDS),
                rng.choice(CHANNELS),
                "一般",
                state,
                rng.choice(categories),
                rng.choice(communities),
                f"{rng.randrange(1, 300)}号",
                rng.choice(SURNAMES) + "先生",
                f"13{rng.randrange(100000000, 999999999)}",
                t(received),
                t(dispatched),
                t(signed),
                t(replied),
                t(closed),
                rng.choice(units) if dispatched else "",
                "已处理完毕，诉求人表示认可。" if replied else "",
            ]
        )
    return rows


def to_bytes(rows: list[list], fmt: str) -> bytes:
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows(rows)
        return buffer.getvalue().encode("utf-8-sig")
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("工单")
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


class ServerCpu:
    """CPU seconds spent by the local PostgreSQL backends of this database while running (sampled from /proc)."""

    def __init__(self):
        self.seen: dict[int, tuple[float, float]] = {}  # pid → (first, last) CPU seconds
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def sample(self, cursor, *, baseline: bool = False) -> None:
        # A backend there before the import counts from its CPU time then; one started since, from zero.
        # The sampler's own backend is left out.
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
            + ("" if baseline else " AND pid <> pg_backend_pid()")
        )
        for (pid,) in cursor.fetchall():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            first = self.seen[pid][0] if pid in self.seen else (cpu if baseline else 0.0)
            self.seen[pid] = (first, cpu)

    def run(self) -> None:
        from django.db import connections

        try:
            with connections["default"].cursor() as cursor:
                while not self.stop.wait(0.1):
                    self.sample(cursor)
                self.sample(cursor)
        finally:
            connections["default"].close()

    def __enter__(self):
        with connection.cursor() as cursor:
            self.sample(cursor, baseline=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()

    @property
    def seconds(self) -> float:
        return sum(last - first for first, last in self.seen.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument(
        "--verify", action="store_true", help="run verify_audit afterwards (slow on big tables)"
    )
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    communities, units = bench_county()
    profile, _ = ImportProfile.objects.update_or_create(
        name="bench",
        defaults={
            "source_system": "bench",
            "state_map": {"已派发": "dispatched"},
            "mapping": {
                "工单编号": "number",
                "工单标题": "title",
                "诉求描述": "content",
                "诉求性质": "kind",
                "问题分类": "category_code",
                "所属社区": "region_code",
                "承办单位": "lead_unit_code",
            },
        },
    )
    run = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    data = to_bytes(generate(args.rows, run, communities, units), args.format)
    print(
        f"generated {args.rows:,} rows ({len(data) / 1e6:.1f} MB {args.format}) in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )

    load_before = os.getloadavg()[0]
    server = ServerCpu() if connection.vendor == "postgresql" and Path("/proc").is_dir() else None
    if server:
        server.__enter__()
    started, cpu = time.perf_counter(), time.process_time()
    report = import_appeals(data, f"bench.{args.format}", profile=profile)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if server:
        server.__exit__()
    if report.problems:
        print(f"{len(report.problems)} problems, first: {report.problems[0]}", file=sys.stderr)
    started = time.perf_counter()
    again = import_appeals(data, f"bench.{args.format}", profile=profile)
    reimport_seconds = time.perf_counter() - started
    result = {
        "database": connection.vendor,
        "format": args.format,
        "rows": args.rows,
        "created": report.created,
        "problems": len(report.problems),
        "seconds": round(seconds, 2),
        "rows_per_s": round(report.created / seconds),
        "cpu_seconds": round(cpu_seconds, 2),
        "rows_per_cpu_s": round(report.created / cpu_seconds),
        "load_average": round(os.getloadavg()[0], 1),
        "load_average_before": round(load_before, 1),
        "db_cpu_seconds": round(server.seconds, 2) if server else None,
        "reimport_skipped": again.skipped,
        "reimport_rows_per_s": round(args.rows / reimport_seconds),
    }
    if args.verify:
        started = time.perf_counter()
        call_command("verify_audit")
        result["verify_audit_s"] = round(time.perf_counter() - started, 1)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

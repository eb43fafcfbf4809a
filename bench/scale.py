"""Dashboards at scale (issue 7 §4): generates N appeals with full histories and times the three-rates
ranking, the overdue board and the hot-spot list, each beside the naive query over the raw rows in the same
run, with the ratio; the last line printed is one JSON object.

    .venv/bin/python bench/scale.py [--appeals 1000000] [--months 12] [--repeat 5] [--reuse]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/gongzhi_bench .venv/bin/python bench/scale.py --appeals 1000000

SQLite by default, in its own file (--sqlite, default /tmp/gongzhi_scale_bench.sqlite3, recreated each run);
PostgreSQL when DATABASE_URL is set (the bench's tables are emptied first: use a database of its own).
`--reuse` keeps the data of an earlier run of the same size and only times. At 10 M the naive queries take
minutes: `--naive-repeat 0` reports the one run of the equality check, `--naive-timeout S` cancels one
beyond S seconds (reported as timed out); `--nice N` renices this process and its PostgreSQL backend.

On PostgreSQL the database writes the histories itself (bench/scale_pg.py: INSERT … SELECT per chunk,
≈ 100 µs of its CPU per appeal, indexes rebuilt after the load; `--check-generator` proves on a small run
that its counters, dues and board times equal what the services' code computes; `--resume` continues an
interrupted load). Otherwise (SQLite, or `--python-generator`) they are written in bulk from Python (COPY on
PostgreSQL, one executemany per batch on SQLite), not through the services: submit, dispatch, returns (approved and rejected, then redispatched), sign, first contact,
extensions, 催办/督办, replies, callbacks (not reached, unsatisfied → reopened up to the limit), merges,
direct answers, anonymous appeals closed after the reply; the newest appeals are still open at the step
their clock reached. Events are not hash-chained (this database is not audited). The monthly rate counters
are then built from the raw rows by `counters.rebuild()` (the backfill; timed and printed) and every fast
result is checked against the naive one before timing.

Timed (median of --repeat runs after one warm-up, wall clock, one process):
- rates: `rates.ranking` of the last full month by unit and by street (monthly counters) vs the same from
  `rates.compute_metrics_raw` (callbacks, events, returns and supervisions of the month);
- overdue board: `selectors.overdue_board` — count, first page of 50 and counts per unit — vs the board as it
  was computed before (every open appeal with a due within ten days, its light computed in Python, sorted);
- hot spots: `insight.views.hotspot_rows` for a leader (50 rows with their members) vs the DISTINCT join
  over every visible appeal with one member query per hot spot that it replaced.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
os.environ.setdefault("GONGZHI_DEBUG", "1")  # the settings' development mode, as these figures were measured

parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
parser.add_argument(
    "--appeals", type=int, default=None, help="appeals to generate (1 M SQLite, 10 M PostgreSQL)"
)
parser.add_argument("--months", type=int, default=12, help="months of history ending now")
parser.add_argument("--repeat", type=int, default=5)
parser.add_argument("--batch", type=int, default=20000, help="appeals generated and written per batch")
parser.add_argument("--seed", type=int, default=12345)
parser.add_argument("--sqlite", default="/tmp/gongzhi_scale_bench.sqlite3")
parser.add_argument("--reuse", action="store_true", help="keep data of an earlier run with as many appeals")
parser.add_argument(
    "--python-generator",
    action="store_true",
    help="PostgreSQL: generate in Python and COPY (the old way) instead of in SQL",
)
parser.add_argument(
    "--resume",
    action="store_true",
    help="SQL generator: continue an interrupted generation from its first missing appeal",
)
parser.add_argument("--chunk", type=int, default=500_000, help="SQL generator: appeals per INSERT … SELECT")
parser.add_argument(
    "--check-generator",
    action="store_true",
    help="SQL generator: also prove the counters equal counters.rebuild() and the stored dues and "
    "board times equal deadlines.compute_dues / board_fields (slow: small runs)",
)
parser.add_argument(
    "--naive-repeat",
    type=int,
    default=3,
    help="timed runs of each naive query after the equality check's run (0: report that run)",
)
parser.add_argument(
    "--naive-timeout", type=int, default=0, help="statement timeout of a naive query, seconds"
)
parser.add_argument("--nice", type=int, default=0, help="renice this process and its PostgreSQL backend")
args = parser.parse_args()
PG = bool(os.environ.get("DATABASE_URL"))
if not PG:
    os.environ["GONGZHI_SQLITE_PATH"] = args.sqlite
    if not args.reuse:
        for suffix in ("", "-wal", "-shm"):
            Path(args.sqlite + suffix).unlink(missing_ok=True)
N = args.appeals or (10_000_000 if PG else 1_000_000)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q  # noqa: E402
from django.utils import timezone  # noqa: E402

from gongzhi.appeals import counters, deadlines, rates, selectors  # noqa: E402
from gongzhi.appeals.choices import Light, Step  # noqa: E402
from gongzhi.appeals.exchange.bulk import BulkInserter  # noqa: E402
from gongzhi.appeals.models import (  # noqa: E402
    Appeal,
    AppealEvent,
    Callback,
    Category,
    ExtensionRequest,
    RateCounter,
    ReturnRequest,
    Supervision,
)
from gongzhi.core.calendar import load_overrides  # noqa: E402
from gongzhi.core.choices import RegionLevel, Role, UnitKind  # noqa: E402
from gongzhi.core.models import Region, Unit, User  # noqa: E402
from gongzhi.insight.models import HotSpot, HotSpotMember  # noqa: E402

H = timedelta(hours=1)
WAITING = ["dispatched", "accepted", "in_progress", "return_requested", "replied"]


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- the county


def county():
    top, _ = Region.objects.get_or_create(
        code="BENCHS", defaults={"name": "规模测试县", "level": RegionLevel.COUNTY}
    )
    communities = []
    for s in range(20):
        street, _ = Region.objects.get_or_create(
            code=f"BENCHS{s:02d}",
            defaults={"name": f"测试街道{s:02d}", "level": RegionLevel.STREET, "parent": top},
        )
        for c in range(10):
            community, _ = Region.objects.get_or_create(
                code=f"BENCHS{s:02d}{c:02d}",
                defaults={
                    "name": f"测试社区{s:02d}{c:02d}",
                    "level": RegionLevel.COMMUNITY,
                    "parent": street,
                },
            )
            communities.append(community.pk)
    units = []
    for u in range(60):
        unit, _ = Unit.objects.get_or_create(
            code=f"BENCHS-U{u:02d}",
            defaults={"name": f"测试单位{u:02d}", "kind": UnitKind.DEPARTMENT, "region": top},
        )
        units.append(unit.pk)
    from django.contrib.auth.models import Group

    leader = User.objects.filter(username="bench_scale_leader").first()
    if leader is None:
        leader = User.objects.create_user(username="bench_scale_leader", password=None, display_name="领导")
        leader.groups.add(Group.objects.get(name=Role.LEADER))
    categories = list(Category.objects.filter(level=3).values_list("pk", flat=True)) or [None]
    return communities, units, categories, leader


# ---------------------------------------------------------------- generation


class Generator:
    """Histories in memory for one batch, written with BulkInserter (COPY / executemany)."""

    def __init__(self, communities, units, categories, now, start):
        self.rng = random.Random(args.seed)
        self.communities, self.units, self.categories = communities, units, categories
        self.now, self.start, self.span = now, start, (now - start).total_seconds()
        self.overrides = load_overrides()
        self.tables = {
            m: BulkInserter(m)
            for m in (
                Appeal,
                AppealEvent,
                Callback,
                ReturnRequest,
                ExtensionRequest,
                Supervision,
                HotSpot,
                HotSpotMember,
            )
        }
        self.next_id = {m: 1 for m in self.tables}
        self.rows = {m: [] for m in self.tables}
        self.spot_open = []  # (spot id, community, members so far) of the hot spots still taking members

    def _id(self, model) -> int:
        pk = self.next_id[model]
        self.next_id[model] += 1
        return pk

    def limit_due(self, step, kind, urgency, start, extra_days=0):
        limit = deadlines.DEFAULT_LIMITS[step][deadlines.limit_profile(kind, urgency)]
        if limit is None or start is None:
            return None
        due = deadlines.add_limit(start, limit, overrides=self.overrides)
        return deadlines.add_working_days_at(due, extra_days, overrides=self.overrides) if extra_days else due

    def appeal(self, pk: int, received: datetime) -> None:
        rng = self.rng
        r = rng.random
        kind = rng.choices(
            ["complaint", "help", "consultation", "suggestion", "report"], [50, 20, 15, 10, 5]
        )[0]
        urgency = rng.choices(["normal", "timely", "emergency"], [90, 8, 2])[0]
        anonymous = r() < 0.08
        region = rng.choice(self.communities)
        a = {
            "id": pk,
            "number": f"{timezone.localtime(received):%Y%m%d}{pk:07d}",
            "kind": kind,
            "channel": "hotline",
            "urgency": urgency,
            "state": "received",
            "title": f"诉求{pk}",
            "content": "规模测试生成的诉求内容。",
            "category_id": rng.choice(self.categories),
            "region_id": region,
            "anonymous": anonymous,
            "appellant_name": "" if anonymous else "张三",
            "appellant_phone": "" if anonymous else "13800000000",
            "received_at": received,
            "client_key": None,
        }
        events = self.rows[AppealEvent]
        now = self.now

        def event(action, at, before, after_state, unit=None, after=None):
            events.append(
                {
                    "appeal_id": pk,
                    "action": action,
                    "created_at": at,
                    "state_before": before,
                    "state_after": after_state,
                    "unit_id": unit,
                    "after": after or {},
                    "before": {},
                    "actor_label": "规模测试",
                    "note": "",
                    "prev_hash": "",
                    "hash": "bench",
                }
            )
            a["state"] = after_state

        event("submit", received, "", "received")
        t = received
        # Hot spots: about 1.5 % of appeals join one of a few open spots of their community.
        if r() < 0.015:
            self.join_spot(pk, region, received)
        if r() < 0.04:  # answered at once (直办), closed
            t += timedelta(minutes=rng.randint(3, 30))
            if t < now:
                event(
                    "answer_directly",
                    t,
                    "received",
                    "replied",
                    after={"on_time": True, "handling_seconds": None},
                )
                event("auto_close", t, "replied", "closed")
                a.update(replied_at=t, closed_at=t, close_reason="answered_directly")
            return self.finish(a)
        if r() < 0.03 and pk > 1000:  # merged into an earlier appeal
            t += timedelta(minutes=rng.randint(10, 120))
            if t < now:
                a["master_id"] = rng.randint(pk - 1000, pk - 1)
                event("merge_into", t, "received", "merged")
            return self.finish(a)
        unit = rng.choice(self.units)
        t += timedelta(hours=rng.uniform(0.1, 3))
        if t >= now:
            return self.finish(a)
        event("dispatch", t, "received", "dispatched", unit, {"lead_unit": unit})
        a.update(lead_unit_id=unit, dispatched_at=t)
        if r() < 0.04:  # a return request
            t += timedelta(hours=rng.uniform(1, 10))
            if t >= now:
                return self.finish(a)
            rr = {
                "appeal_id": pk,
                "unit_id": unit,
                "reason": "不属于本单位职责",
                "from_state": "dispatched",
                "requested_at": t,
                "requested_by_id": self.recorder,
                "decision": "pending",
            }
            self.rows[ReturnRequest].append(rr)
            event("request_return", t, "dispatched", "return_requested", unit)
            a["return_from_state"] = "dispatched"
            t += timedelta(hours=rng.uniform(1, 8))
            if t >= now:
                return self.finish(a)
            if r() < 0.5:
                rr.update(decision="approved", decided_at=t)
                event("approve_return", t, "return_requested", "received", unit)
                unit = rng.choice(self.units)
                t += timedelta(hours=rng.uniform(0.5, 4))
                if t >= now:
                    a.update(lead_unit_id=None, dispatched_at=None, return_from_state="")
                    return self.finish(a)
                event("dispatch", t, "received", "dispatched", unit, {"lead_unit": unit})
                a.update(lead_unit_id=unit, dispatched_at=t, return_from_state="")
            else:
                rr.update(decision="rejected", decided_at=t)
                event(
                    "reject_return", t, "return_requested", "dispatched", unit, {"unjustified_return": True}
                )
                a["return_from_state"] = ""
        sign_due = self.limit_due(Step.SIGN, kind, urgency, a["dispatched_at"])
        t += timedelta(hours=rng.uniform(0.2, 30))
        if t >= now:
            return self.finish(a)
        event("sign", t, "dispatched", "accepted", unit, {"on_time": t <= sign_due if sign_due else None})
        a["signed_at"] = t
        contact_due = self.limit_due(Step.CONTACT, kind, urgency, t)
        t += timedelta(hours=rng.uniform(0.5, 30))
        if t >= now:
            return self.finish(a)
        a["first_contact_on_time"] = contact_due is None or t <= contact_due
        event("record_contact", t, "accepted", "in_progress", unit, {"on_time": a["first_contact_on_time"]})
        a["contacted_at"] = t
        ext_days, reopen = 0, 0
        if r() < 0.06:  # 催办, then 督办 level 1 (sometimes twice in one month: counted once)
            due = self.limit_due(Step.REPLY, kind, urgency, received)
            for level, at in ((0, t + H), (1, t + 3 * H)) + (((1, t + 30 * H),) if r() < 0.3 else ()):
                if at >= now:
                    break
                kind_s = "reminder" if level == 0 else "supervision"
                self.rows[Supervision].append(
                    {
                        "appeal_id": pk,
                        "unit_id": unit,
                        "kind": kind_s,
                        "level": level,
                        "step": "reply",
                        "due": due + timedelta(seconds=level * 7 + at.hour),
                        "created_at": at,
                        "note": "规模测试",
                    }
                )
                event(
                    "remind" if level == 0 else "supervise",
                    at,
                    "in_progress",
                    "in_progress",
                    unit,
                    {"level": level},
                )
                a["supervision_level"] = level
        if r() < 0.05:  # an extension, approved
            t += timedelta(hours=rng.uniform(2, 48))
            if t >= now:
                return self.finish(a)
            ext_days = rng.randint(1, 5)
            self.rows[ExtensionRequest].append(
                {
                    "appeal_id": pk,
                    "unit_id": unit,
                    "reason": "需要采购配件",
                    "working_days": ext_days,
                    "requested_at": t,
                    "requested_by_id": self.recorder,
                    "decision": "approved",
                    "decided_at": t + H,
                }
            )
            event("request_extension", t, "in_progress", "in_progress", unit, {"working_days": ext_days})
            event("approve_extension", t + H, "in_progress", "in_progress", unit, {"working_days": ext_days})
            a.update(extension_working_days=ext_days, extension_count=1)
        while True:
            reply_due = self.limit_due(Step.REPLY, kind, urgency, a.get("reopened_at") or received, ext_days)
            t += timedelta(hours=rng.uniform(4, 24 * 10))
            if t >= now:
                return self.finish(a)
            handling = (t - a["dispatched_at"]).total_seconds()
            event(
                "reply",
                t,
                "in_progress",
                "replied",
                unit,
                {"on_time": reply_due is None or t <= reply_due, "handling_seconds": handling},
            )
            a.update(replied_at=t, reply_text="已办理。")
            if (
                anonymous
                or deadlines.DEFAULT_LIMITS[Step.CALLBACK][deadlines.limit_profile(kind, urgency)] is None
            ):
                event("auto_close", t, "replied", "closed")
                a.update(closed_at=t, close_reason="anonymous" if anonymous else "answered_directly")
                return self.finish(a)
            t += timedelta(hours=rng.uniform(2, 40))
            if t >= now:
                return self.finish(a)
            if r() < 0.07:  # not reached; called again the next day
                self.callback(pk, unit, t, reached=False, a=a)
                event("callback", t, "replied", "replied", None, {"reached": False})
                t += timedelta(hours=rng.uniform(20, 30))
                if t >= now:
                    return self.finish(a)
            solved = r() < 0.82
            satisfaction = rng.choices(["satisfied", "basically", "unsatisfied"], [70, 20, 10])[0]
            self.callback(pk, unit, t, reached=True, a=a, solved=solved, satisfaction=satisfaction)
            if solved and satisfaction != "unsatisfied":
                event("callback", t, "replied", "closed", unit, {"solved": True})
                a.update(closed_at=t, close_reason="resolved")
                return self.finish(a)
            if reopen < 2:
                reopen += 1
                event("callback", t, "replied", "in_progress", unit, {"solved": solved})
                a.update(reopen_count=reopen, reopened_at=t, replied_at=None, extension_working_days=0)
                ext_days = 0
                continue
            event("callback", t, "replied", "replied", unit, {"solved": solved})
            t += timedelta(hours=rng.uniform(2, 48))
            if t < now:
                event("close_unresolvable", t, "replied", "closed")
                a.update(closed_at=t, close_reason="unresolvable")
            return self.finish(a)

    def callback(self, pk, unit, at, *, reached, a, solved=None, satisfaction=""):
        contacted = self.rng.random() < 0.92 if reached else None
        self.rows[Callback].append(
            {
                "appeal_id": pk,
                "unit_id": unit,
                "method": "phone",
                "reached": reached,
                "contacted": contacted,
                "solved": solved if reached else None,
                "satisfaction": satisfaction if reached else "",
                "first_contact_on_time": a.get("first_contact_on_time"),
                "recorded_by_id": self.recorder,
                "created_at": at,
                "valid": reached and not a["anonymous"],
            }
        )

    def join_spot(self, pk, region, received):
        rng = self.rng
        open_here = [s for s in self.spot_open if s[1] == region]
        if open_here and rng.random() < 0.7:
            spot = open_here[0]
        else:
            spot = [self._id(HotSpot), region, 0, received]
            self.spot_open.append(spot)
            self.rows[HotSpot].append(
                {
                    "id": spot[0],
                    "label": f"测试社区{region}的热点",
                    "place": f"社区{region}",
                    "heat": round(rng.uniform(0.5, 12), 4),
                    "size": 0,
                    "residents": 0,
                    "growth": 0.0,
                    "start": received,
                    "end": received,
                    "created_at": received,
                    "updated_at": received,
                }
            )
        spot[2] += 1
        self.rows[HotSpotMember].append({"hotspot_id": spot[0], "appeal_id": pk, "joined_at": received})
        if spot[2] >= rng.randint(2, 25):
            self.spot_open.remove(spot)

    def finish(self, a: dict) -> None:
        kind, urgency = a["kind"], a["urgency"]
        dues = {
            "sign_due": self.limit_due(Step.SIGN, kind, urgency, a.get("dispatched_at")),
            "contact_due": self.limit_due(Step.CONTACT, kind, urgency, a.get("signed_at")),
            "reply_due": self.limit_due(
                Step.REPLY,
                kind,
                urgency,
                a.get("reopened_at") or a["received_at"],
                a.get("extension_working_days", 0),
            ),
            "callback_due": self.limit_due(Step.CALLBACK, kind, urgency, a.get("replied_at")),
        }
        a.update(dues)
        view = SimpleNamespace(
            **{"reopened_at": None, "dispatched_at": None, "signed_at": None, "replied_at": None, **a}
        )
        a.update(deadlines.board_fields(view))
        self.rows[Appeal].append(a)

    def flush(self) -> None:
        # Hot spots first keep their final size and time range (updated in place while still in memory).
        spots = {row["id"]: row for row in self.rows[HotSpot]}
        for m in self.rows[HotSpotMember]:
            spot = spots.get(m["hotspot_id"])
            if spot is not None:
                spot["size"] += 1
                spot["residents"] += 1
                spot["end"] = max(spot["end"], m["joined_at"])
        with transaction.atomic():
            for model in (
                Appeal,
                AppealEvent,
                Callback,
                ReturnRequest,
                ExtensionRequest,
                Supervision,
                HotSpot,
                HotSpotMember,
            ):
                rows = self.rows[model]
                if model in (HotSpot, Appeal):
                    ids = [row.pop("id") for row in rows]
                else:
                    ids = [self._id(model) for _row in rows]
                self.tables[model].insert(ids, rows)
                self.rows[model] = []


def generate(n: int) -> dict:
    communities, units, categories, leader = county()
    now = timezone.now()
    start = now - timedelta(days=30 * args.months)
    gen = Generator(communities, units, categories, now, start)
    gen.recorder = leader.pk
    # Appeals arrive in time order, the same number every day (a county's steady load).
    step = (now - start) / n
    t0 = time.perf_counter()
    pk = 0
    while pk < n:
        for _i in range(min(args.batch, n - pk)):
            pk += 1
            gen.appeal(
                pk, start + step * (pk - 1) + timedelta(seconds=gen.rng.uniform(0, step.total_seconds()))
            )
        gen.flush()
        if pk % (args.batch * 10) == 0 or pk == n:
            rate = pk / (time.perf_counter() - t0)
            log(f"  generated {pk:,} appeals ({rate:,.0f}/s)")
    took = time.perf_counter() - t0
    counts = {m._meta.model_name: gen.next_id[m] - 1 for m in gen.tables if m is not Appeal}
    counts["appeal"] = pk
    return {"seconds": round(took, 1), "rows": counts, "leader": leader.pk}


def generate_sql(n: int) -> dict:
    """PostgreSQL: the same histories written by the database in INSERT … SELECT (bench/scale_pg.py)."""
    import scale_pg

    communities, units, categories, leader = county()
    now = timezone.now().replace(microsecond=0)
    start = now - timedelta(days=30 * args.months)
    t0 = time.perf_counter()
    out = scale_pg.generate(
        n,
        communities=communities,
        units=units,
        categories=categories,
        leader=leader.pk,
        now=now,
        start=start,
        chunk=args.chunk,
        log=log,
        resume=args.resume,
    )
    return {
        "seconds": round(time.perf_counter() - t0, 1),
        "rows": out["rows"],
        "leader": leader.pk,
        "load_s": out["load_s"],
        "index_s": out["index_s"],
    }


def check_generator() -> dict:
    """The SQL generator's derived rows equal what the services' own code computes from the raw rows."""
    from gongzhi.appeals import counters as counters_mod

    fields = ["month", "unit_id", "region_id", *counters_mod.FIELDS]
    sql_rows = sorted(RateCounter.objects.values_list(*fields), key=repr)
    counters_mod.rebuild()
    py_rows = sorted(RateCounter.objects.values_list(*fields), key=repr)
    dues_differ = 0
    for appeal in Appeal.objects.select_related("category").iterator(chunk_size=2000):
        want = deadlines.compute_dues(appeal)
        want_board = deadlines.board_fields(SimpleNamespace(**{**appeal.__dict__, **want}))
        got = {f: getattr(appeal, f) for f in [*want, *want_board]}
        dues_differ += got != {**want, **want_board}
    board_changed = counters_mod.rebuild_board()
    return {
        "counters_equal_rebuild": sql_rows == py_rows,
        "counter_rows": len(py_rows),
        "dues_differ": dues_differ,
        "rebuild_board_changed": board_changed,
    }


def empty_tables() -> None:
    if not PG:
        return
    tables = [
        m._meta.db_table
        for m in (
            HotSpotMember,
            HotSpot,
            RateCounter,
            Supervision,
            ExtensionRequest,
            ReturnRequest,
            Callback,
            AppealEvent,
            Appeal,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def analyze() -> None:
    with connection.cursor() as cursor:
        if PG:
            connection.ensure_connection()
            old = connection.connection.autocommit
            connection.connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
            connection.connection.autocommit = old
        else:
            cursor.execute("ANALYZE")


# ---------------------------------------------------------------- the naive queries (as before this change)


def naive_ranking(start, end, by):
    metrics = rates.compute_metrics_raw(start, end, by=by)
    ranked = sorted(
        (m for m in metrics if not m.small_sample),
        key=lambda m: (-(m.composite or 0), -m.valid_callbacks, m.name),
    )
    apart = sorted((m for m in metrics if m.small_sample), key=lambda m: (-m.valid_callbacks, m.name))
    return {"ranked": ranked, "small_sample": apart}


def naive_board(user, now):
    """The overdue board's view before the stored board times (appeals/views.py at a94d84e)."""
    horizon = now + timedelta(days=10)
    qs = selectors.visible_appeals(user).filter(
        Q(sign_due__lte=horizon)
        | Q(contact_due__lte=horizon)
        | Q(reply_due__lte=horizon)
        | Q(callback_due__lte=horizon)
    )
    rows = (
        qs.filter(state__in=WAITING)
        .select_related(None)
        .only(
            "pk",
            "state",
            "kind",
            "urgency",
            "anonymous",
            "received_at",
            "dispatched_at",
            "signed_at",
            "reopened_at",
            "replied_at",
            "sign_due",
            "contact_due",
            "reply_due",
            "callback_due",
        )
    )
    flagged = [(a, deadlines.light(a, now)) for a in rows]
    flagged = [(a, light) for a, light in flagged if light in (Light.RED, Light.YELLOW)]
    order = {a.pk: (min(due for _s, _st, due in deadlines.active_steps(a)), light) for a, light in flagged}
    appeals = list(selectors.visible_appeals(user).filter(pk__in=order))
    for appeal in appeals:
        appeal.board_due, appeal.light = order[appeal.pk]
    appeals.sort(key=lambda a: (a.light != Light.RED, a.board_due, a.pk))
    counts = {
        "red": sum(1 for _a, light in flagged if light == Light.RED),
        "yellow": sum(1 for _a, light in flagged if light == Light.YELLOW),
    }
    return [a.pk for a in appeals[:50]], counts


def fast_board(user, now):
    appeals, counts = selectors.overdue_board(selectors.visible_appeals(user), now)
    total = appeals.count()  # what the paginator asks
    page = list(appeals[:50])
    for appeal in page:
        appeal.light = deadlines.stored_light(appeal, now)
    return [a.pk for a in page], {
        "red": counts["red"],
        "yellow": counts["yellow"],
        "total": total,
        "units": len(counts["units"]),
    }


def naive_hotspots(user, limit=50):
    """insight.views.hotspot_rows before (a94d84e): DISTINCT join over every visible appeal, members per spot."""
    from gongzhi.appeals.selectors import visible_appeals

    visible = visible_appeals(user)
    spots = list(HotSpot.objects.filter(members__appeal__in=visible.values("pk")).distinct()[:limit])
    return [
        (s.pk, [a.pk for a in visible.filter(hotspot_membership__hotspot=s).order_by("received_at", "pk")])
        for s in spots
    ]


def fast_hotspots(user):
    from gongzhi.insight.views import hotspot_rows

    return [(r["spot"].pk, [a.pk for a in r["members"]]) for r in hotspot_rows(user)]


def naive_run(fn):
    """(answer, ms) of one naive run; (None, None) when it exceeds --naive-timeout."""
    from django.db import OperationalError

    t0 = time.perf_counter()
    try:
        if PG and args.naive_timeout:
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {args.naive_timeout * 1000}")
        answer = fn()
    except OperationalError as exc:  # canceled by the statement timeout
        log(f"  naive query timed out after {time.perf_counter() - t0:.0f} s: {str(exc).splitlines()[0]}")
        return None, None
    finally:
        if PG and args.naive_timeout:
            with connection.cursor() as cursor:
                cursor.execute("SET statement_timeout = 0")
    return answer, (time.perf_counter() - t0) * 1000


def backend_cpu() -> float:
    """CPU seconds (user + system) of this connection's PostgreSQL backend so far (0 on SQLite)."""
    if not PG:
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # the database is not on this machine
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def renice() -> None:
    """Low priority for this process and its PostgreSQL backend (the machine is shared)."""
    if not args.nice:
        return
    os.nice(args.nice)
    if PG:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        os.system(f"renice -n {args.nice} -p {pid} >/dev/null")


def timed(fn, repeat):
    fn()  # warm-up (caches, first plans)
    times = []
    for _i in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    log(
        f"database: {'PostgreSQL ' + connection.settings_dict['NAME'] if PG else 'SQLite ' + args.sqlite}; "
        f"appeals: {N:,}; load average: {os.getloadavg()[0]:.2f}"
    )
    call_command("migrate", verbosity=0, interactive=False)
    renice()
    have = Appeal.objects.count()
    result = {"db": "postgresql" if PG else "sqlite", "appeals": N}
    if args.reuse and have == N:
        log(f"reusing {have:,} appeals")
        leader = User.objects.get(username="bench_scale_leader").pk
    else:
        sql_gen = PG and not args.python_generator
        if not (sql_gen and args.resume):
            empty_tables()
        log(f"generating ({'SQL' if sql_gen else 'Python'}) …")
        cpu0 = backend_cpu()
        gen = generate_sql(N) if sql_gen else generate(N)
        log(f"generated in {gen['seconds']} s: " + ", ".join(f"{k} {v:,}" for k, v in gen["rows"].items()))
        result["generate_s"], result["rows"], leader = gen["seconds"], gen["rows"], gen["leader"]
        result["generator"] = "sql" if sql_gen else "python"
        if sql_gen:
            import scale_pg

            result.update(load_s=gen["load_s"], index_s=gen["index_s"])
            t0 = time.perf_counter()
            rows = scale_pg.build_counters(log)
            result["counters_s"] = round(time.perf_counter() - t0, 1)
            log(f"rate counters (one INSERT … SELECT): {rows:,} rows in {result['counters_s']} s")
        else:
            t0 = time.perf_counter()
            rows = counters.rebuild()
            result["rebuild_counters_s"] = round(time.perf_counter() - t0, 1)
            log(
                f"rebuild_rate_counters (the backfill): {rows:,} counter rows in {result['rebuild_counters_s']} s"
            )
        result["generate_db_cpu_s"] = round(backend_cpu() - cpu0, 1)
        result["generate_py_cpu_s"] = round(time.process_time(), 1)
        t0 = time.perf_counter()
        analyze()
        log(f"analyze: {time.perf_counter() - t0:.1f} s")
        if sql_gen and args.check_generator:
            result["generator_check"] = check_generator()
            log(f"generator check: {result['generator_check']}")
    user = User.objects.get(pk=leader)
    now = timezone.now()
    last_month = timezone.localdate().replace(day=1) - timedelta(days=1)
    start, end = rates.month_bounds(f"{last_month:%Y-%m}")
    result["counter_rows_month"] = RateCounter.objects.filter(month=last_month.replace(day=1)).count()

    # The fast answers equal the naive ones (checked once, before timing; that naive run is timed too).
    checks, first_naive = {}, {}
    for by in ("unit", "street"):
        fast = rates.ranking(start, end, by=by)
        naive, first_naive[f"rates_by_{by}"] = naive_run(lambda by=by: naive_ranking(start, end, by))
        checks[f"rates_{by}"] = naive is not None and all(
            [m.as_dict() for m in fast[k]] == [m.as_dict() for m in naive[k]]
            for k in ("ranked", "small_sample")
        )
    fb = fast_board(user, now)
    nb, first_naive["overdue_board"] = naive_run(lambda: naive_board(user, now))
    checks["overdue_board"] = (
        nb is not None
        and fb[0] == nb[0]
        and ((fb[1]["red"], fb[1]["yellow"]) == (nb[1]["red"], nb[1]["yellow"]))
    )
    nh, first_naive["hotspots"] = naive_run(lambda: naive_hotspots(user))
    checks["hotspots"] = nh is not None and fast_hotspots(user) == nh
    log(
        f"month {last_month:%Y-%m}: {result['counter_rows_month']} counter rows; overdue board: "
        f"{fb[1]['red']:,} red, {fb[1]['yellow']:,} yellow over {fb[1]['units']} units; equal: {checks}"
    )

    timings = {}
    cases = [
        (
            "rates_by_unit",
            lambda: rates.ranking(start, end, by="unit"),
            lambda: naive_ranking(start, end, "unit"),
        ),
        (
            "rates_by_street",
            lambda: rates.ranking(start, end, by="street"),
            lambda: naive_ranking(start, end, "street"),
        ),
        ("overdue_board", lambda: fast_board(user, now), lambda: naive_board(user, now)),
        ("hotspots", lambda: fast_hotspots(user), lambda: naive_hotspots(user)),
    ]
    for name, fast, naive in cases:
        cpu0, db0 = time.process_time(), backend_cpu()
        fast_ms = timed(fast, args.repeat)
        fast_cpu = (time.process_time() - cpu0) / (args.repeat + 1) * 1000
        fast_db = (backend_cpu() - db0) / (args.repeat + 1) * 1000
        naive_ms = first_naive[name]
        if args.naive_repeat > 0 and naive_ms is not None:
            naive_ms = timed(naive, args.naive_repeat)
        timings[name] = {
            "ms": round(fast_ms, 1),
            "py_cpu_ms": round(fast_cpu, 1),
            "db_cpu_ms": round(fast_db, 1),
            "naive_ms": None if naive_ms is None else round(naive_ms, 1),
            "speedup": round(naive_ms / fast_ms, 1) if fast_ms and naive_ms else None,
        }
        naive_txt = f"{naive_ms:10.1f} ms   ×{naive_ms / fast_ms:,.1f}" if naive_ms else "timed out"
        log(
            f"{name:16s} {fast_ms:9.1f} ms (cpu py {fast_cpu:.1f} + db {fast_db:.1f})   naive {naive_txt}"
            f"   {'OK' if fast_ms < 200 else 'over 200 ms'}"
        )
    result.update(
        timings=timings,
        equal=checks,
        target_ms=200,
        met=all(t["ms"] < 200 for t in timings.values()) and all(checks.values()),
        load_avg=round(os.getloadavg()[0], 2),
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

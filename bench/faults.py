"""Crashes under load: `make bench-faults` (RATE=100 DURATION=60 by default).

Starts two gunicorn web nodes, the task worker and the scheduler, over SQLite, or, when DATABASE_URL is set, over
a private PostgreSQL primary with a streaming standby made by scripts/cluster.py (the server DATABASE_URL names is
shared and is never restarted). Runs the open-loop load of bench/loadgen.py against both nodes (the client fails
over to the other node and retries with the same client key) while it

  1. SIGKILLs web node 1 (master and workers) at 15 % of the run, and starts it again at 30 %;
  2. SIGKILLs the task worker at 40 % and, while it is down, queues a deadline sweep and an outbox message;
     starts it again at 50 %;
  3. restarts the PostgreSQL primary (pg_ctl restart -m fast) at 65 %, when PostgreSQL is used.

Then it checks that every acknowledged appeal is stored once with its audit event, that the sweep and the outbox
delivery queued while the worker was down ran after it came back, and that no task is left RUNNING or waiting.
Last line, one JSON object: acknowledged, lost, duplicated, errors_during_fault, recovered_s (the longest time
from a fault until the last failed attempt it caused), with the detail of each fault and the load average.
"""

import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import env_number, results, run_load, seed, shell, start_stack, summarize, verify

DURING_OUTAGE = """
import json, os
from django.db import transaction
from gongzhi.appeals.tasks import sweep_deadlines
from gongzhi.core import outbox
with transaction.atomic():
    message = outbox.enqueue(event_id="bench-fault-" + os.environ["BENCH_RUN"], event_type="bench.fault",
                             target="bench-drop", backend="file", address=os.environ["BENCH_DROP"], payload={"ok": True})
sweep = sweep_deadlines.enqueue()
print("QUEUED" + json.dumps({"outbox": message.pk, "sweep": str(sweep.id)}))
"""

AFTER = """
import json, os
from django_tasks_db.models import DBTaskResult
from gongzhi.core.outbox import OutboxMessage
queued = json.loads(os.environ["BENCH_QUEUED"])
message = OutboxMessage.objects.get(pk=queued["outbox"])
sweep = DBTaskResult.objects.get(pk=queued["sweep"])
print("AFTER" + json.dumps({
    "outbox_delivered": message.delivered_at is not None, "sweep_status": sweep.status,
    "tasks_waiting": DBTaskResult.objects.filter(status="READY").count(),
    "tasks_running": DBTaskResult.objects.filter(status="RUNNING").count(),
    "tasks_failed": DBTaskResult.objects.filter(status="FAILED").count(),
}))
"""


def wait(until: float) -> None:
    delay = until - time.monotonic()
    if delay > 0:
        time.sleep(delay)


def main() -> None:
    rate, duration = env_number("RATE", 100), env_number("DURATION", 60)
    postgres = bool(os.environ.get("DATABASE_URL"))
    # The stale-task sweep runs every minute; a task the killed worker held is re-run once it is this old.
    os.environ.setdefault("GONGZHI_TASK_STALE_SECONDS", "20")
    os.environ.setdefault("GONGZHI_WEB_WORKERS", "1")
    stack = start_stack(web=2, standby=postgres, db="private" if postgres else "sqlite")
    ok = False
    try:
        seeded = seed(stack)
        run = f"F{int(time.time())}"
        load_before = os.getloadavg()
        client = run_load(stack, seeded, rate=rate, duration=duration, run=run, urls=stack.web_urls)
        t0, faults = time.monotonic(), []

        def fault(name: str, at: float, action) -> None:
            wait(t0 + at * duration)
            started = time.time()
            action()
            faults.append({"fault": name, "at_s": round(at * duration, 1), "wall": started})

        fault("kill web node 1", 0.15, lambda: stack.kill("web1"))
        fault("restart web node 1", 0.30, lambda: stack.start_web(0))  # the client finds it back by itself
        fault("kill worker", 0.40, lambda: stack.kill("worker"))
        drop = stack.root / "outbox-drop"
        queued = shell(stack, DURING_OUTAGE, "QUEUED", {"BENCH_RUN": run, "BENCH_DROP": str(drop)})
        fault("restart worker", 0.50, stack.start_worker)
        if postgres:
            fault("restart PostgreSQL primary", 0.65, stack.pg("primary").restart)
        client.wait()
        load_during = os.getloadavg()
        rows = results(stack, run)
        summary = summarize(rows, rate, duration)
        checked = verify(stack, run, rows)
        # The worker must catch up with what queued while it was down (and with the load's own tasks).
        deadline, after = time.monotonic() + 180, {}
        while time.monotonic() < deadline:
            after = shell(stack, AFTER, "AFTER", {"BENCH_QUEUED": json.dumps(queued)})
            if (
                after["outbox_delivered"]
                and after["sweep_status"] == "SUCCESSFUL"
                and not (after["tasks_waiting"] or after["tasks_running"])
            ):
                break
            time.sleep(3)

        failures = sorted(t for r in rows for t, _why in r["failures"])
        windows = [f for f in faults if f["fault"] not in ("restart web node 1", "restart worker")]
        per_fault = []
        for i, f in enumerate(windows):
            end = windows[i + 1]["wall"] if i + 1 < len(windows) else float("inf")
            caused = [t for t in failures if f["wall"] <= t < end]
            per_fault.append(
                {
                    **f,
                    "failed_attempts": len(caused),
                    "recovered_s": round(max(caused) - f["wall"], 2) if caused else 0.0,
                }
            )
        out = {
            "acknowledged": summary["acknowledged"],
            "lost": checked["lost"],
            "duplicated": checked["duplicated"],
            "errors_during_fault": sum(f["failed_attempts"] for f in per_fault),
            "recovered_s": max((f["recovered_s"] for f in per_fault), default=0.0),
            "sent": summary["sent"],
            "unacknowledged": summary["sent"] - summary["acknowledged"],
            "p50_ms": summary["p50_ms"],
            "p99_ms": summary["p99_ms"],
            "broken_chains": checked["broken_chains"],
            "worker_resumed": after,
            "faults": [{k: v for k, v in f.items() if k != "wall"} for f in per_fault],
            "database": "postgresql (private primary + standby)" if postgres else "sqlite",
            "loadavg_1m": round(load_during[0], 2),
        }
        print(
            f"stack={stack.root} load average before={load_before[0]:.2f} after={load_during[0]:.2f}",
            file=sys.stderr,
        )
        ok = (
            out["lost"] == 0
            and out["duplicated"] == 0
            and out["unacknowledged"] == 0
            and after.get("outbox_delivered")
            and after.get("sweep_status") == "SUCCESSFUL"
            and not after.get("tasks_running")
        )
        print(json.dumps(out, ensure_ascii=False))
    finally:
        if not os.environ.get("BENCH_KEEP"):
            stack.stop()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()

"""The outbox against a real local HTTP receiver (and a folder): signatures, retries with back-off, exactly-once as
the receiver sees it, two workers at once, and a worker killed in the middle of a delivery."""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from gongzhi.core import outbox
from gongzhi.core.outbox import OutboxMessage
from gongzhi.core.tests.receiver import Receiver

SECRET = "k" * 32
PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def receiver(settings):
    with Receiver(secrets={"/hook": SECRET}) as r:  # on loopback: allowed by name (core.netguard)
        settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": [r.url.removeprefix("http://")]}
        yield r


def enqueue(url, n=1, event="e", confirm_within=None):
    return outbox.enqueue(
        event_id=f"{event}:{n}",
        event_type="test.published",
        target="t1",
        backend="webhook",
        address=url,
        secret=SECRET,
        payload={"n": n, "名称": "湘江建材"},
        confirm_within=confirm_within,
    )


def test_enqueue_is_one_row_per_event_and_target(db, receiver):
    a = enqueue(receiver.url + "/hook")
    b = enqueue(receiver.url + "/hook")
    assert a.pk == b.pk and OutboxMessage.objects.count() == 1
    other = outbox.enqueue(
        event_id="e:1", event_type="x", target="t2", backend="file", address="/tmp/x", payload={}
    )
    assert other.idempotency_key != a.idempotency_key


def test_signed_delivery_and_confirmation(db, receiver):
    message = enqueue(receiver.url + "/hook")
    assert outbox.deliver_due() == 1
    message.refresh_from_db()
    assert (
        message.delivered_at
        and message.acknowledged_at
        and message.attempts == 1
        and message.status == "confirmed"
    )
    request = receiver.requests[0]
    assert request["key"] == message.idempotency_key
    assert request["headers"][outbox.SIGNATURE_HEADER].startswith("sha256=")
    body = receiver.processed[message.idempotency_key]
    assert body["data"] == {"n": 1, "名称": "湘江建材"} and body["event"] == "test.published"
    assert outbox.deliver_due() == 0  # nothing left: a delivered row is never sent again
    assert len(receiver.requests) == 1


def test_wrong_secret_is_refused_by_receiver_and_retried(db, receiver):
    message = outbox.enqueue(
        event_id="e:1",
        event_type="x",
        target="t",
        backend="webhook",
        address=receiver.url + "/hook",
        secret="wrong-secret-000000",
        payload={},
    )
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at is None and "401" in message.last_error and receiver.processed == {}


def test_failures_back_off_exponentially_then_deliver_once(db, receiver):
    receiver.fail_next = 3
    message = enqueue(receiver.url + "/hook")
    now = timezone.now()
    waits = []
    for _attempt in range(3):
        assert outbox.deliver_due(now=now) == 0
        message.refresh_from_db()
        assert message.delivered_at is None and "500" in message.last_error
        waits.append(message.next_attempt_at - now)
        assert outbox.deliver_due(now=now) == 0  # not due again before its back-off has passed
        now = message.next_attempt_at + timedelta(seconds=1)
    assert [w.total_seconds() for w in waits] == [30, 60, 120]
    assert outbox.deliver_due(now=now) == 1
    message.refresh_from_db()
    assert message.attempts == 4 and message.delivered_at and message.last_error == ""
    assert len(receiver.requests) == 4 and len(receiver.processed) == 1


def test_backoff_is_capped():
    assert outbox.backoff(1) == timedelta(seconds=30)
    assert outbox.backoff(50) == timedelta(hours=6)


def test_lost_answer_is_resent_and_deduplicated_by_receiver(db, receiver):
    """The receiver processed the message but its answer was lost: the sender retries with the same key."""
    receiver.status_after_record = 503
    message = enqueue(receiver.url + "/hook")
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at is None
    receiver.status_after_record = None
    outbox.deliver_due(now=timezone.now() + timedelta(minutes=5))
    message.refresh_from_db()
    assert message.delivered_at is not None
    assert receiver.keys_for("/hook") == [message.idempotency_key] * 2
    assert list(receiver.processed) == [message.idempotency_key]


def test_unreachable_target_is_retried(db):
    message = enqueue("http://127.0.0.1:9/hook")  # discard port: connection refused
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at is None and message.attempts == 1 and message.last_error


def test_accepted_without_confirmation_then_acknowledged_and_overdue(db, receiver):
    receiver.confirm = False
    message = enqueue(receiver.url + "/hook", confirm_within=timedelta(hours=1))
    outbox.deliver_due()
    message.refresh_from_db()
    assert message.delivered_at and message.acknowledged_at is None and message.status == "delivered"
    assert list(outbox.overdue()) == []
    OutboxMessage.objects.filter(pk=message.pk).update(confirm_by=timezone.now() - timedelta(minutes=1))
    assert list(outbox.overdue()) == [message]
    outbox.acknowledge(message.idempotency_key)
    outbox.acknowledge(message.idempotency_key)  # idempotent
    assert list(outbox.overdue()) == []


def test_file_drop_and_ack_file(db, tmp_path):
    folder = tmp_path / "drop"
    message = outbox.enqueue(
        event_id="e:1",
        event_type="x.deleted",
        target="f",
        backend="file",
        address=str(folder),
        payload={"a": 1},
    )
    assert outbox.deliver_due() == 1
    written = json.loads((folder / f"{message.idempotency_key}.json").read_text())
    assert written["data"] == {"a": 1} and written["idempotency_key"] == message.idempotency_key
    assert not list(folder.glob(".tmp-*"))
    assert outbox.collect_file_acks() == 0
    (folder / f"{message.idempotency_key}.ack").write_text("ok")
    assert outbox.collect_file_acks() == 1
    message.refresh_from_db()
    assert message.acknowledged_at is not None


def test_file_drop_into_unwritable_place_is_retried(db, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    message = outbox.enqueue(
        event_id="e:1", event_type="x", target="f", backend="file", address=str(blocker / "sub"), payload={}
    )
    assert outbox.deliver_due() == 0
    message.refresh_from_db()
    assert message.delivered_at is None and message.last_error


def test_signature_verification():
    body = b'{"a":1}'
    ts = str(int(time.time()))
    sig = outbox.sign(SECRET, ts, body)
    assert outbox.verify_signature(SECRET, ts, body, sig)
    assert not outbox.verify_signature(SECRET, ts, body + b" ", sig)
    assert not outbox.verify_signature("other", ts, body, sig)
    assert not outbox.verify_signature(
        SECRET, str(int(time.time()) - 3600), body, outbox.sign(SECRET, str(int(time.time()) - 3600), body)
    )
    assert not outbox.verify_signature(SECRET, "nonsense", body, sig)


WORKER_SCRIPT = """
import os, sys, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
django.setup()
from gongzhi.core import outbox
from gongzhi.core.outbox import OutboxMessage
command = sys.argv[1]
if command == "enqueue":
    for n in range(int(sys.argv[4])):
        outbox.enqueue(event_id=f"{sys.argv[5]}:{n}", event_type="test.worker", target="t", backend="webhook",
                       address=sys.argv[2], secret=sys.argv[3], payload={"n": n})
elif command == "deliver":
    print("delivered", outbox.deliver_due(), flush=True)
else:
    for m in OutboxMessage.objects.filter(event_id__startswith=sys.argv[2] + ":").order_by("id"):
        print(m.idempotency_key, m.attempts, m.delivered_at is not None, flush=True)
"""


@pytest.fixture(scope="module")
def worker_env(tmp_path_factory):
    """A separate, migrated database of the suite's kind for worker processes (they cannot see the test
    database's uncommitted transaction, and committing there would erase other tests' migration data)."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("outbox-workers")
    # The receivers of these tests listen on loopback, which core.netguard refuses unless it is allowed by name.
    env = {**os.environ, "PYTHONPATH": str(PROJECT), "GONGZHI_OUTBOUND_ALLOWED_HOSTS": "127.0.0.1"}
    dropper = None
    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        import psycopg

        s = settings.DATABASES["default"]
        name = f"gongzhi_outbox_{os.getpid()}"
        params = {
            "host": s["HOST"],
            "port": s["PORT"] or 5432,
            "user": s["USER"],
            "password": s["PASSWORD"] or None,
            "dbname": "postgres",
            "autocommit": True,
        }
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        env["DATABASE_URL"] = f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{name}"

        def dropper():
            with psycopg.connect(**params) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        env.pop("DATABASE_URL", None)
        env["GONGZHI_SQLITE_PATH"] = str(folder / "workers.sqlite3")
    subprocess.run(
        [sys.executable, "-m", "gongzhi.manage", "migrate", "-v0"], env=env, check=True, cwd=PROJECT
    )
    script = folder / "worker.py"
    script.write_text(WORKER_SCRIPT)
    env["OUTBOX_WORKER_SCRIPT"] = str(script)
    yield env
    if dropper:
        dropper()


def run_worker(env, *args):
    return subprocess.run(
        [sys.executable, env["OUTBOX_WORKER_SCRIPT"], *args],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def spawn_worker(env, *args):
    return subprocess.Popen(
        [sys.executable, env["OUTBOX_WORKER_SCRIPT"], *args],
        env=env,
        cwd=PROJECT,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow  # worker processes
def test_three_worker_processes_never_send_the_same_row(receiver, worker_env):
    run_worker(worker_env, "enqueue", receiver.url + "/hook", SECRET, "6", "parallel")
    receiver.delay = 0.3
    workers = [spawn_worker(worker_env, "deliver") for _ in range(3)]
    outputs = [w.communicate(timeout=60)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    assert sum(int(out.split()[1]) for out in outputs) == 6
    keys = receiver.keys_for("/hook")
    assert len(keys) == 6 and len(set(keys)) == 6  # each row sent exactly once, no duplicates on the wire
    rows = [line.split() for line in run_worker(worker_env, "show", "parallel").splitlines()]
    assert len(rows) == 6 and all(delivered == "True" and attempts == "1" for _k, attempts, delivered in rows)


@pytest.mark.slow  # worker processes
def test_worker_killed_mid_delivery_loses_nothing(receiver, worker_env):
    """kill -9 the worker while the receiver holds its request: the row stays due, the next worker sends it again
    with the same idempotency key, and the receiver processes it once."""
    run_worker(worker_env, "enqueue", receiver.url + "/hook", SECRET, "1", "crash")
    receiver.delay = 5
    worker = spawn_worker(worker_env, "deliver")
    deadline = time.time() + 30
    while not receiver.requests and time.time() < deadline:
        time.sleep(0.05)
    assert receiver.requests, "the worker never reached the receiver"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(10)
    key, attempts, delivered = run_worker(worker_env, "show", "crash").split()
    assert delivered == "False" and attempts == "0"  # the killed attempt rolled back entirely
    time.sleep(5.5)  # the receiver finishes processing the first request (its answer goes nowhere)
    assert list(receiver.processed) == [key]
    receiver.delay = 0
    assert "delivered 1" in run_worker(worker_env, "deliver")
    _key, attempts, delivered = run_worker(worker_env, "show", "crash").split()
    assert delivered == "True" and attempts == "1"
    assert receiver.keys_for("/hook") == [key, key]  # sent twice on the wire…
    assert list(receiver.processed) == [key]  # …processed once by the receiver

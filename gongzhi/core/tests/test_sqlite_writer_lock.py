"""gongzhi.core.db.sqlite: writers queue on a kernel lock beside a file database, taken by the outermost atomic block
and released by its COMMIT or ROLLBACK (or the death of the process). A database of its own in a temporary
folder, whatever the suite's database is."""

import fcntl
import os
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from django.db import connections, transaction

ALIAS = "writer_lock_probe"

pytestmark = pytest.mark.slow  # writer processes


@pytest.fixture
def probe(tmp_path, django_db_blocker):
    path = tmp_path / "probe.sqlite3"
    config = {
        "ENGINE": "gongzhi.core.db.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
    connections.settings[ALIAS] = connections.configure_settings({"default": {}, ALIAS: config})[ALIAS]
    with django_db_blocker.unblock():
        with connections[ALIAS].cursor() as cursor:
            cursor.execute("CREATE TABLE item (id integer PRIMARY KEY, label text)")
        yield path
        connections[ALIAS].close()
    del connections.settings[ALIAS]
    if hasattr(connections._connections, ALIAS):
        delattr(connections._connections, ALIAS)


def held_elsewhere(path) -> bool:
    """Whether another open file description could take the lock now."""
    fd = os.open(f"{path}-writer.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def labels(path) -> list[str]:
    import sqlite3

    with sqlite3.connect(path) as conn:
        return [row[0] for row in conn.execute("SELECT label FROM item ORDER BY id")]


def test_the_outermost_atomic_block_holds_the_lock_until_commit_or_rollback(probe):
    conn = connections[ALIAS]
    assert not held_elsewhere(probe)
    with transaction.atomic(using=ALIAS):
        conn.cursor().execute("INSERT INTO item (label) VALUES ('a')")
        assert held_elsewhere(probe)
        with transaction.atomic(using=ALIAS):  # a savepoint inside the lock: no second lock, no deadlock
            conn.cursor().execute("INSERT INTO item (label) VALUES ('b')")
            assert held_elsewhere(probe)
        assert held_elsewhere(probe)
    assert not held_elsewhere(probe)
    with pytest.raises(RuntimeError), transaction.atomic(using=ALIAS):
        conn.cursor().execute("INSERT INTO item (label) VALUES ('lost')")
        assert held_elsewhere(probe)
        raise RuntimeError("rolled back")
    assert not held_elsewhere(probe)
    conn.cursor().execute("INSERT INTO item (label) VALUES ('c')")  # autocommit: no lock taken
    assert labels(probe) == ["a", "b", "c"]


def test_a_second_writer_waits_for_the_first_commit_then_goes_on(probe):
    """Two threads (one connection each): the second's transaction starts only once the first has committed,
    without SQLite's busy handler in between."""
    order, started = [], threading.Event()

    def second():
        try:
            started.set()
            with transaction.atomic(using=ALIAS):
                order.append("second begins")
                connections[ALIAS].cursor().execute("INSERT INTO item (label) VALUES ('second')")
        finally:
            connections[ALIAS].close()

    with transaction.atomic(using=ALIAS):
        connections[ALIAS].cursor().execute("INSERT INTO item (label) VALUES ('first')")
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(5)
        time.sleep(0.3)  # the second thread is blocked in flock by now
        assert order == []
        order.append("first commits")
    thread.join(10)
    assert order == ["first commits", "second begins"]
    assert labels(probe) == ["first", "second"]


def test_a_writer_killed_inside_its_transaction_frees_the_lock(probe):
    """The crash case: the kernel drops the dead process's lock, SQLite rolls its write back."""
    child = textwrap.dedent(f"""
        import sys, time
        import django
        from django.conf import settings
        settings.configure(DATABASES={{"default": {{"ENGINE": "gongzhi.core.db.sqlite", "NAME": {str(probe)!r},
                                                    "OPTIONS": {{"transaction_mode": "IMMEDIATE"}}}}}})
        django.setup()
        from django.db import connection, transaction
        with transaction.atomic():
            connection.cursor().execute("INSERT INTO item (label) VALUES ('never committed')")
            print("locked", flush=True)
            time.sleep(60)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", child],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))),
    )
    try:
        assert proc.stdout.readline().strip() == "locked"
        assert held_elsewhere(probe)
    finally:
        proc.kill()
        proc.wait()
    assert not held_elsewhere(probe)
    with transaction.atomic(using=ALIAS):
        connections[ALIAS].cursor().execute("INSERT INTO item (label) VALUES ('after the crash')")
    assert labels(probe) == ["after the crash"]


def test_a_long_hold_of_the_lock_is_logged_with_the_holders_cpu_time(probe, settings, caplog):
    settings.GONGZHI = {**settings.GONGZHI, "SQLITE_SLOW_WRITE_MS": 80}
    conn = connections[ALIAS]
    with caplog.at_level("WARNING", logger="gongzhi.sqlite"):
        with transaction.atomic(using=ALIAS):
            conn.cursor().execute("INSERT INTO item (label) VALUES ('quick')")
        assert not caplog.records
        with transaction.atomic(using=ALIAS):
            conn.cursor().execute("INSERT INTO item (label) VALUES ('slow')")
            time.sleep(0.12)  # waiting, not computing: the CPU figure stays far below the hold
    (record,) = caplog.records
    held, cpu, pid = record.args
    assert held >= 120 and cpu < 60 and pid == os.getpid()
    assert labels(probe) == ["quick", "slow"]

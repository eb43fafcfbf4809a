"""SQLite with writers queued in the kernel (settings: ENGINE "gongzhi.core.db.sqlite").

SQLite has one writer at a time. Django's `BEGIN IMMEDIATE` makes the others wait in SQLite's busy handler,
which *sleeps and retries* in growing steps (1, 2, 5, … 100 ms): a waiting writer wakes up to 100 ms after the
lock was freed, newcomers overtake it, and under load the tail of the latency grows to seconds while the
database sits idle. Here every outermost transaction (`transaction.atomic`) first takes an exclusive `flock`
on a lock file beside the database and keeps it until its COMMIT or ROLLBACK: the waiters of every process
(the gunicorn workers and their threads, the task worker, management commands) sleep in the kernel and the next
one is woken the moment the lock is released.

* Each connection (one per thread) opens its own descriptor: flock locks belong to the open file description,
  so two threads of one process exclude each other as two processes do.
* A process that dies holding the lock loses it with its descriptors: nothing to clean up after a crash.
* Only the outermost atomic block locks; savepoints (nested atomic blocks) run inside the lock already held,
  and the lock is never taken twice by one connection, so nesting cannot deadlock.
* Reads, and single statements in autocommit mode, do not take it: WAL readers never wait for the writer, and a
  lone autocommit write still meets SQLite's own lock (and busy timeout) as before.
* `BEGIN IMMEDIATE` is still issued under the lock, so SQLite's lock stays the rule of correctness; the flock
  only decides who goes next. In-memory databases (the test suite's default) are left alone.

Every writer waits for the one holding the lock, so one slow holder is every writer's latency: a hold longer
than GONGZHI["SQLITE_SLOW_WRITE_MS"] is logged (logger gongzhi.sqlite) with the CPU time the holding thread spent
meanwhile. A hold far longer than its CPU time was waiting: for the disk, for the GIL, or for a core (a process
run at a lower priority, such as a niced task worker, keeps the lock while the scheduler runs others).
"""

import fcntl
import logging
import os
import time

from django.db.backends.sqlite3 import base

from gongzhi.core.conf import setting

logger = logging.getLogger("gongzhi.sqlite")


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._writer_fd: int | None = None
        self._writer_locked = False
        self._writer_since = (0.0, 0.0)  # (monotonic, thread CPU) when the lock was taken

    def _writer_lock_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{os.fspath(self.settings_dict['NAME'])}-writer.lock"

    def _lock_writer(self) -> None:
        path = self._writer_lock_path()
        if path is None or self._writer_locked:
            return
        if self._writer_fd is None:
            self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        # Blocks in the kernel (without the GIL) until the writer before us commits or dies.
        fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
        self._writer_locked = True
        self._writer_since = (time.monotonic(), time.thread_time())

    def _unlock_writer(self) -> None:
        if self._writer_locked:
            self._writer_locked = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
            held_ms = (time.monotonic() - self._writer_since[0]) * 1000
            if held_ms >= setting("SQLITE_SLOW_WRITE_MS"):
                logger.warning(
                    "SQLite write lock held %.0f ms (this thread's CPU meanwhile: %.0f ms), pid %s",
                    held_ms,
                    (time.thread_time() - self._writer_since[1]) * 1000,
                    os.getpid(),
                )

    def _start_transaction_under_autocommit(self):
        self._lock_writer()
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._unlock_writer()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._unlock_writer()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._unlock_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._unlock_writer()
            if self._writer_fd is not None:
                fd, self._writer_fd = self._writer_fd, None
                os.close(fd)

"""Background tasks enqueued with the change that causes them.

`defer(task, *args)` runs `task(*args)` in the worker once the current transaction commits:

* With the database task backend (django-tasks-db) on the database of the transaction, the task's row is
  written *inside* the transaction: the worker sees it exactly when the change commits, a rollback takes it
  away with the change, and a process that dies right after the commit cannot lose it (an on-commit enqueue
  would be lost then). It costs no commit of its own.
* Inside `batched()` (the services that write an appeal open one), the rows of the transaction are written in
  one INSERT when the block ends, and the calls of a `merge=True` task are merged into one task: their list
  arguments are concatenated (`deliver_notifications([1]) + ([2])` → `deliver_notifications([1, 2])`), and a
  task without arguments runs once.
* Any other backend (the immediate one in tests, a broker) is called on commit; if it fails the change stands
  and the failure is logged (the periodic sweeps deliver what is left pending).
"""

import logging
import threading
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, router, transaction

logger = logging.getLogger("gongzhi.tasks")
_local = threading.local()


def _database_backend(task):
    """The task's django-tasks-db backend when its rows live on the default database, else None."""
    try:
        backend = task.get_backend()
    except Exception:  # a misconfigured backend: the on-commit path logs the failure
        return None
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if isinstance(backend, DatabaseBackend) and router.db_for_write(DBTaskResult) == DEFAULT_DB_ALIAS:
        return backend
    return None


def _enqueue_now(task, args: tuple) -> None:
    try:
        task.enqueue(*args)
    except Exception:
        logger.exception("could not enqueue %s%r", getattr(task, "name", task), args)


def _merge(calls: list[tuple]) -> list[tuple]:
    """[(task, args, merge)] → the same, with the calls of each merge=True task merged into one."""
    out: list[tuple] = []
    merged: dict[str, int] = {}
    for task, args, merge in calls:
        key = task.module_path
        if merge and key in merged:
            _t, first, _m = out[merged[key]]
            if first and args:
                out[merged[key]] = (task, (list(first[0]) + list(args[0]),), True)
            continue
        if merge:
            merged[key] = len(out)
        out.append((task, args, merge))
    return out


def _insert(calls: list[tuple]) -> None:
    """Write the task rows of django-tasks-db in one INSERT (what its backend's `enqueue` writes, row by row)."""
    from django.tasks.signals import task_enqueued
    from django_tasks_db.compat import normalize_json
    from django_tasks_db.models import DBTaskResult, get_date_max

    rows = []
    for task, args, _merged in calls:
        backend = task.get_backend()
        backend.validate_task(task)
        rows.append(DBTaskResult(
            id=backend._get_id(), args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
            priority=task.priority, task_path=task.module_path, queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(), backend_name=backend.alias))
    DBTaskResult.objects.bulk_create(rows)
    for row in rows:
        task_enqueued.send(type(row.task.get_backend()), task_result=row.task_result)


def defer(task, *args, merge: bool = False) -> None:
    """Run `task(*args)` in the background once the current transaction commits (see the module's note)."""
    pending = getattr(_local, "pending", None)
    backend = _database_backend(task)
    in_transaction = transaction.get_connection().in_atomic_block
    if backend is not None and in_transaction:
        if pending is not None:
            pending.append((task, args, merge))
        else:
            _insert([(task, args, merge)])
        return
    if backend is not None:  # autocommit: the row commits by itself, as an on-commit enqueue would
        _insert([(task, args, merge)])
        return
    if pending is not None:
        pending.append((task, args, merge))
        return
    transaction.on_commit(lambda: _enqueue_now(task, args))


@contextmanager
def batched():
    """Collect the `defer`red tasks of the block and write them together when it ends without an error (open it
    inside the transaction: the rows then commit with it). Nested blocks join the outermost one."""
    if getattr(_local, "pending", None) is not None:
        yield
        return
    _local.pending = []
    try:
        yield
        calls = _merge(_local.pending)
    finally:
        _local.pending = None
    in_db = [c for c in calls if _database_backend(c[0]) is not None]
    others = [c for c in calls if _database_backend(c[0]) is None]
    if in_db:
        _insert(in_db)
    for task, args, _m in others:
        transaction.on_commit(lambda task=task, args=args: _enqueue_now(task, args))

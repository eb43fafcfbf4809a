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
import time
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.tasks.signals import task_started
from django.utils import timezone

from .conf import setting

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
        rows.append(
            DBTaskResult(
                id=backend._get_id(),
                args_kwargs=normalize_json({"args": list(args), "kwargs": {}}),
                priority=task.priority,
                task_path=task.module_path,
                queue_name=task.queue_name,
                run_after=task.run_after or get_date_max(),
                backend_name=backend.alias,
            )
        )
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


# ---------------------------------------------------------------- batches in the worker


def _remember_running(sender, task_result, **kwargs) -> None:
    _local.running = task_result  # the task the worker is about to call (claim_more reads its worker id)


task_started.connect(_remember_running, dispatch_uid="gongzhi.taskqueue.running")


def gather_seconds() -> float:
    """settings.GONGZHI["TASK_GATHER_SECONDS"] (default 0.2): how long `claim_more` lets a batch fill up."""
    return float(setting("TASK_GATHER_SECONDS"))


def claim_more(task, limit: int, gather: float = 0.0) -> list:
    """For a task that can do several of its kind at once: up to `limit` more READY rows of `task` (same backend
    and queue, in django-tasks-db's order), claimed in one short transaction as the worker claims one (RUNNING,
    started_at, the worker's id appended: task_recovery requeues them if this worker dies before it records
    their results with `finish_claimed`). [] under any other backend (the immediate one in tests).

    `gather`: when fewer than `limit` are ready and the running task was enqueued less than `gather` seconds ago,
    wait until it is that old and claim again. A worker that keeps up with a steady stream otherwise runs one task
    per poll, and pays the per-task cost (claims, transactions, the queries of a batch) for each appeal; a worker
    with a backlog never waits (its tasks are older than that)."""
    backend = _database_backend(task)
    if limit <= 0 or backend is None:
        return []
    running = getattr(_local, "running", None)
    if running is not None and running.task.module_path != task.module_path:
        running = None
    worker_id = running.worker_ids[-1] if running is not None and running.worker_ids else "batch"
    rows = _claim(task, backend, limit, worker_id)
    enqueued = getattr(running, "enqueued_at", None)
    if gather > 0 and len(rows) < limit and enqueued is not None:
        wait = gather - (timezone.now() - enqueued).total_seconds()
        if wait > 0:
            time.sleep(min(wait, gather))
            rows += _claim(task, backend, limit - len(rows), worker_id)
    return rows


def _claim(task, backend, limit: int, worker_id: str) -> list:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    ready = DBTaskResult.objects.ready().filter(
        backend_name=backend.alias, task_path=task.module_path, queue_name=task.queue_name
    )
    with exclusive_transaction(ready.db):
        rows = list(ready.select_for_update(skip_locked=True)[:limit])
        now = timezone.now()
        for row in rows:
            row.status, row.started_at, row.worker_ids = (
                TaskResultStatus.RUNNING,
                now,
                [*row.worker_ids, worker_id],
            )
        save_rows(rows, ["status", "started_at", "worker_ids"])
    for row in rows:
        task_started.send(type(backend), task_result=row.task_result)
    return rows


def finish_claimed(rows: list, outcomes: list) -> None:
    """Records the results of rows from `claim_more` as django-tasks-db's worker records one: an outcome that is
    an exception fails its row (`set_failed`), any other is the row's return value (the successes in one UPDATE).
    Inside a transaction, the results commit with it and `task_finished` is sent after the commit."""
    from django.tasks import TaskResultStatus
    from django.tasks.signals import task_finished
    from django_tasks_db.models import DBTaskResult

    done, now = [], timezone.now()
    for row, outcome in zip(rows, outcomes, strict=True):
        if isinstance(outcome, BaseException):
            row.set_failed(outcome)
            continue
        row.status, row.finished_at, row.return_value = TaskResultStatus.SUCCESSFUL, now, outcome
        row.exception_class_path = row.traceback = ""
        done.append(row)
    save_rows(done, ["status", "finished_at", "return_value", "exception_class_path", "traceback"])

    def tell():
        for row in rows:
            task_finished.send(type(row.task.get_backend()), task_result=row.task_result)

    transaction.on_commit(tell, using=DBTaskResult.objects.db)


def save_rows(rows: list, fields: list[str]) -> None:
    """`row.save(update_fields=fields)` for every row in one statement run for each (executemany): the CASE
    expressions of `bulk_update` cost more to build than the rows to write."""
    if not rows:
        return
    from django.db import connections

    model = type(rows[0])
    db = router.db_for_write(model)
    connection = connections[db]
    qn = connection.ops.quote_name
    columns = [model._meta.get_field(name) for name in fields]
    pk = model._meta.pk
    sql = (
        f"UPDATE {qn(model._meta.db_table)} SET {', '.join(f'{qn(f.column)} = %s' for f in columns)} "
        f"WHERE {qn(pk.column)} = %s"
    )
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns]
        + [pk.get_db_prep_value(row.pk, connection)]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)

"""Tasks left RUNNING by a worker that died (SIGKILL, power loss, OOM), or FAILED because the database connection
dropped under them (a PostgreSQL restart or fail-over), go back to the queue.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a worker killed
mid-task would leave that task undone for ever; and it does not retry a failed task. gongzhi's tasks are
idempotent (they re-derive their work from the rows), so running one again is safe; the scheduler enqueues this
sweep every minute. A task failed by its own error stays failed (it would fail again).
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("gongzhi.tasks")


def requeue_stale(now: datetime | None = None) -> int:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.GONGZHI["TASK_STALE_SECONDS"])
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    count = stale.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("requeued %s task(s) left running by a worker that stopped", count)
    return count


# Errors that say the connection, not the task, failed (Django wraps the drivers' errors in these two).
CONNECTION_ERRORS = ("django.db.utils.OperationalError", "django.db.utils.InterfaceError")
MAX_CLAIMS = 3  # a task claimed this many times is left failed: the database is not coming back for it


def requeue_disconnected(now: datetime | None = None) -> int:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    failed = DBTaskResult.objects.filter(
        status=TaskResultStatus.FAILED,
        exception_class_path__in=CONNECTION_ERRORS,
        finished_at__gte=now - timedelta(days=1),
    )
    ids = [pk for pk, workers in failed.values_list("pk", "worker_ids") if len(workers or []) < MAX_CLAIMS]
    count = DBTaskResult.objects.filter(pk__in=ids, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, started_at=None, finished_at=None, run_after=now
    )
    if count:
        logger.warning("requeued %s task(s) failed by a dropped database connection", count)
    return count


@task()
def requeue_stale_tasks() -> int:
    return requeue_stale() + requeue_disconnected()

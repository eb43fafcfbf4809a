"""Tasks left RUNNING by a worker that died (SIGKILL, power loss, OOM) go back to the queue.

django-tasks-db marks a task RUNNING when a worker claims it and never looks at it again, so a worker killed
mid-task would leave that task undone for ever. gongzhi's tasks are idempotent (they re-derive their work from
the rows), so running one again is safe; the scheduler enqueues this sweep every minute.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

logger = logging.getLogger("gongzhi.tasks")


def requeue_stale(now=None) -> int:
    from django.tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.GONGZHI["TASK_STALE_SECONDS"])
    stale = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=cutoff)
    count = stale.update(status=TaskResultStatus.READY, started_at=None)
    if count:
        logger.warning("requeued %s task(s) left running by a worker that stopped", count)
    return count


@task()
def requeue_stale_tasks() -> int:
    return requeue_stale()

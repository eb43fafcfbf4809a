import logging

from django.db import transaction
from django.tasks import task

from . import notifications, taskqueue
from .conf import setting

logger = logging.getLogger("gongzhi.tasks")

# Notification tasks delivered together at most when the worker falls behind (one transaction for all).
BATCH = 50


@task()
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    """The notifications of one change (core.taskqueue merges them into one task), in one transaction; returns how
    many it sent. The task also claims up to BATCH − 1 other pending deliver_notifications tasks and delivers
    theirs in the same transaction, each row getting its own count; if that fails, each is delivered alone."""
    rows = taskqueue.claim_more(deliver_notifications, BATCH - 1, gather=taskqueue.gather_seconds())
    if not rows:
        return notifications.deliver_many(notification_ids)
    lists: list[list[int] | Exception] = [list(notification_ids)]
    for row in rows:
        try:
            (ids,) = row.args_kwargs["args"]
            lists.append([int(pk) for pk in ids])
        except Exception as exc:  # a row of the wrong shape fails alone
            lists.append(exc)
    try:
        with transaction.atomic():
            counts = _deliver_together(lists)
            taskqueue.finish_claimed(rows, counts[1:])
        own = counts[0]
        assert not isinstance(own, Exception)  # lists[0] is this task's own ids, never an Exception
        return own
    except Exception:
        logger.warning(
            "delivering %s notification tasks together failed; one by one instead", len(lists), exc_info=True
        )
    counts = [ids if isinstance(ids, Exception) else _alone(ids) for ids in lists]
    taskqueue.finish_claimed(rows, counts[1:])
    if isinstance(counts[0], Exception):
        raise counts[0]
    return counts[0]


def _alone(ids: list[int]) -> int | Exception:
    try:
        return notifications.deliver_many(ids)
    except Exception as exc:
        return exc


def _deliver_together(lists: list[list[int] | Exception]) -> list[int | Exception]:
    """deliver_many over every list at once; each list's count is what deliver_many would have returned for it
    run in this order (a notification in two lists counts for the first)."""
    every = sorted({pk for ids in lists if not isinstance(ids, Exception) for pk in ids})
    sent = notifications.deliver_many_ids(every)
    counts: list[int | Exception] = []
    for ids in lists:
        if isinstance(ids, Exception):
            counts.append(ids)
            continue
        mine = sent.intersection(ids)
        sent -= mine
        counts.append(len(mine))
    return counts


@task()
def audit_checkpoint() -> str:
    """The periodic signed checkpoint of the audit trail's heads (core.audit), when a folder and a signing key are
    configured; otherwise nothing (development)."""
    from pathlib import Path

    from .audit import CheckpointError, write_checkpoint

    folder = setting("AUDIT_CHECKPOINT_DIR")
    if not folder or not setting("AUDIT_SIGNING_KEY"):
        return ""
    try:
        return str(write_checkpoint(Path(folder)))
    except CheckpointError:
        logger.exception("the audit checkpoint could not be written")
        raise

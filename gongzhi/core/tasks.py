from django.tasks import task

from . import notifications


@task()
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@task()
def deliver_notifications(notification_ids: list[int]) -> int:
    """The notifications of one change (core.taskqueue merges them into one task), in one transaction."""
    return notifications.deliver_many(notification_ids)

from django.tasks import task

from . import notifications


@task()
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)

from django.tasks import task

from . import services


@task()
def remind_overdue_tasks() -> int:
    """Daily: remind units of resolution tasks past their due date (idempotent per day)."""
    return services.remind_overdue_tasks()

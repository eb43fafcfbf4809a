from django.conf import settings
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult


def test_scheduler_once_enqueues_every_periodic_task(db):
    call_command("scheduler", "--once")
    enqueued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert enqueued == sorted(path for path, _seconds in settings.GONGZHI["PERIODIC_TASKS"])


def test_sweep_task_runs_in_the_worker(db):
    call_command("scheduler", "--once")
    call_command("db_worker", "--batch", "--no-startup-delay", "--interval", "0")
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}

from django.conf import settings
from django.core.management import call_command
from django.utils.module_loading import import_string
from django_tasks_db.models import DBTaskResult


def test_scheduler_once_enqueues_every_periodic_task(db):
    call_command("scheduler", "--once")
    enqueued = sorted(DBTaskResult.objects.values_list("task_path", flat=True))
    assert enqueued == sorted(path for path, _seconds in settings.GONGZHI["PERIODIC_TASKS"])


def test_every_periodic_task_runs(db):
    # The worker process itself (db_worker) closes connections between tasks, which a test transaction cannot
    # survive on PostgreSQL; the tasks' own code runs here, the worker is django-tasks-db's.
    for path, _seconds in settings.GONGZHI["PERIODIC_TASKS"]:
        import_string(path).call()

import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue the periodic tasks of settings.GONGZHI['PERIODIC_TASKS'] at their intervals (the worker runs them)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once and exit")

    def handle(self, *args, once=False, **options):
        schedule = [(import_string(path), seconds) for path, seconds in settings.GONGZHI["PERIODIC_TASKS"]]
        next_run = [0.0] * len(schedule)
        while True:
            now = time.monotonic()
            for i, (task, seconds) in enumerate(schedule):
                if once or now >= next_run[i]:
                    task.enqueue()  # every periodic task is idempotent, so a restart that repeats one is harmless
                    next_run[i] = now + seconds
            if once:
                return
            time.sleep(5)

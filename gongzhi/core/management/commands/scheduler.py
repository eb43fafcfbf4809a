import logging
import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, connections
from django.utils.module_loading import import_string


class Command(BaseCommand):
    help = "Enqueue the periodic tasks of settings.GONGZHI['PERIODIC_TASKS'] at their intervals (the worker runs them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="enqueue every periodic task once and exit")

    def handle(self, *args: Any, once: bool = False, **options: Any) -> None:
        schedule = [(import_string(path), seconds) for path, seconds in settings.GONGZHI["PERIODIC_TASKS"]]
        next_run = [0.0] * len(schedule)
        while True:
            now = time.monotonic()
            for i, (task, seconds) in enumerate(schedule):
                if once or now >= next_run[i]:
                    try:
                        task.enqueue()  # every periodic task is idempotent, so a restart that repeats one is harmless
                    except DatabaseError:  # a restarted or unreachable database: try again at the next tick
                        logging.getLogger("gongzhi.tasks").exception(
                            "scheduler could not enqueue %s", task.name
                        )
                        connections.close_all()
                        if once:
                            raise
                        continue
                    next_run[i] = now + seconds
            if once:
                return
            time.sleep(5)

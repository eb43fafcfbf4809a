import time

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Enqueue the periodic deadline sweep every SWEEP_INTERVAL_SECONDS (the task worker runs it)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true")

    def handle(self, *args, once=False, **options):
        from gongzhi.appeals.tasks import sweep_deadlines

        while True:
            sweep_deadlines.enqueue()
            if once:
                return
            time.sleep(settings.GONGZHI["SWEEP_INTERVAL_SECONDS"])

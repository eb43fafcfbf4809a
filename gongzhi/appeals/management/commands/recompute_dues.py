from django.core.management.base import BaseCommand

from gongzhi.appeals.deadlines import recompute_open_dues


class Command(BaseCommand):
    help = (
        "Recompute the stored due times of every open appeal from the time limits and the working-day calendar in "
        "force (run after editing 办理时限 or the calendar; idempotent, in batches)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="appeals per transaction (default 500)"
        )

    def handle(self, *args, batch_size=500, verbosity=1, **options):
        log = self.stdout.write if verbosity >= 2 else None
        result = recompute_open_dues(batch_size=max(1, batch_size), log=log)
        self.stdout.write(
            f"已按现行时限重算 {result.checked} 件未办结诉求的时限，其中 {result.changed} 件有变化。"
        )

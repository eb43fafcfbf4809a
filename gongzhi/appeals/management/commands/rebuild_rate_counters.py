"""Recompute the monthly rate counters and the overdue board's times from the raw rows (after a bulk load
that bypassed the services, or a change of WARNING_FRACTION)."""

from django.core.management.base import BaseCommand

from gongzhi.appeals import counters


class Command(BaseCommand):
    help = "从原始回访、事件、退单和督办记录重建三率月度计数，并重算超期看板时间"

    def add_arguments(self, parser):
        parser.add_argument("--skip-board", action="store_true", help="只重建三率计数")

    def handle(self, *args, skip_board=False, **options):
        rows = counters.rebuild()
        self.stdout.write(f"三率计数：{rows} 行")
        if not skip_board:
            self.stdout.write(f"超期看板时间：{counters.rebuild_board()} 件诉求")

import logging

from django.conf import settings
from django.core.management.base import BaseCommand

from gongzhi.demo.loader import DEMO_APPEALS, DEMO_DAYS


class Command(BaseCommand):
    help = (
        "Load the demo: a county with streets, communities, grids, units and users, and real appeals "
        "replayed through the services over the last months (idempotent: a second run changes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--limit", type=int, default=DEMO_APPEALS, help="replay this many of the copied appeals (0: all)"
        )
        parser.add_argument(
            "--days", type=int, default=DEMO_DAYS, help="spread the appeals over this many past days"
        )
        parser.add_argument(
            "--structure-only",
            action="store_true",
            help="only the county, units, users, catalogue and knowledge base (seconds; `make run` serves then)",
        )
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="migrate the database and create the cache table first, in this process (make run's start: one "
            "Python start-up instead of three)",
        )
        parser.add_argument(
            "--no-accounts",
            action="store_true",
            help="do not list the demo accounts at the end (make run has)",
        )

    def handle(
        self,
        *args,
        limit=DEMO_APPEALS,
        days=DEMO_DAYS,
        structure_only=False,
        no_accounts=False,
        verbosity=1,
        **options,
    ):
        from gongzhi.appeals.choices import AppealState
        from gongzhi.demo.loader import demo_accounts_text, load_demo

        if options.get("migrate"):
            from django.core.management import call_command

            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
            from gongzhi.core.audit import needs_reseal, reseal_all

            if needs_reseal():  # a demo database from before keyed chains and heads (core.audit)
                reseal_all()
        log = self.stdout.write if verbosity >= 1 else None
        result = load_demo(limit=limit or None, days=days, log=log, structure_only=structure_only)
        if verbosity < 1 or structure_only:
            return
        if result.skipped_replay:
            self.stdout.write("演示诉求已存在，未重复加载。")
        else:
            self.stdout.write(
                f"已加载 {result.created_appeals} 件演示诉求、{result.hotspots} 个诉求热点（{result.seconds:.0f} 秒）。"
            )
            if result.failures:
                # A refusal in the replay is a fault of the demo's stories, for its maintainers: counted here, the
                # examples in the log.
                refused = sum(result.failures.values())
                self.stdout.write(
                    self.style.WARNING(f"演示脚本中有 {refused} 个操作被业务规则拒绝，详见 gongzhi.log。")
                )
                for example in result.failure_examples:
                    logging.getLogger("gongzhi.demo").warning("demo step refused: %s", example)
        labels = dict(AppealState.choices)
        states = "，".join(
            f"{labels.get(state, state)} {count}"
            for state, count in sorted(result.states.items(), key=lambda item: -item[1])
        )
        self.stdout.write(f"演示诉求的状态：{states}")
        if no_accounts:
            return
        self.stdout.write(f"演示账号（密码均为 {settings.GONGZHI['DEMO_PASSWORD']}）：")
        for line in demo_accounts_text():
            self.stdout.write(line)

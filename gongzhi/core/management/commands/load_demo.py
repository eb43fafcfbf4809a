from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Load the demo: a county with streets, communities, grids, units and users, and real appeals "
        "replayed through the services over the last months (idempotent: a second run changes nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="load only this many appeals (tests)")
        parser.add_argument(
            "--days", type=int, default=120, help="spread the appeals over this many past days"
        )

    def handle(self, *args, limit=None, days=120, verbosity=1, **options):
        from gongzhi.core.demo import load_demo

        log = self.stdout.write if verbosity >= 1 else None
        result = load_demo(limit=limit, days=days, log=log)
        if verbosity < 1:
            return
        if result.skipped_replay:
            self.stdout.write("演示数据已存在，未重复加载。")
        else:
            self.stdout.write(f"已加载 {result.created_appeals} 件演示诉求（{result.seconds:.0f} 秒）。")
            if result.failures:
                self.stdout.write(self.style.WARNING(f"被拒绝的操作：{result.failures}"))
                for example in result.failure_examples:
                    self.stdout.write(f"  {example}")
        states = "，".join(f"{k} {v}" for k, v in sorted(result.states.items()))
        self.stdout.write(f"诉求状态：{states}")
        self.stdout.write(f"演示账号（密码：{settings.GONGZHI['DEMO_PASSWORD']}）：")
        for username, label in result.logins:
            self.stdout.write(f"  {username:<14} {label}")

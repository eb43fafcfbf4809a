from django.core.management.base import BaseCommand

from gongzhi.insight import gazetteer


class Command(BaseCommand):
    help = "从近一年的诉求中学习地名（小区、道路、学校等）加入地名库；人工维护过的条目不变。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=gazetteer.LEARN_DAYS, help="读取最近多少天的诉求（默认 365）"
        )

    def handle(self, *args, **opts):
        result = gazetteer.learn_places(days=opts["days"])
        self.stdout.write(f"新增地名 {result['added']} 个，更新 {result['updated']} 个。")

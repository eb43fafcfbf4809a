from django.core.management.base import BaseCommand

from gongzhi.insight import quality


class Command(BaseCommand):
    help = "为尚未打分的历史答复补打答复质量分（每件答复一次；新答复在写下时已自动打分）。"

    def handle(self, *args, **opts):
        done = quality.backfill()
        self.stdout.write(f"已补打分 {done} 件答复。")

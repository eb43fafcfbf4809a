import json

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insight import classifier, hotspots


class Command(BaseCommand):
    help = "从留言 CSV（id, title, detail, time[, likes, dislikes, user]）挖掘热点；最后一行输出 JSON 列表。"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True)
        parser.add_argument("--top", type=int, default=None)

    def handle(self, *args, **opts):
        try:
            rows = classifier.read_csv(opts["input"])
        except OSError as exc:
            raise CommandError(f"无法读取：{exc}") from exc
        result = hotspots.find_hotspots(rows, top=opts["top"])
        keys = ["rank", "heat", "label", "place", "start", "end", "size", "ids"]
        self.stdout.write(json.dumps([{k: r[k] for k in keys} for r in result], ensure_ascii=False))

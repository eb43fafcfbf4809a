import json

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insight import classifier


class Command(BaseCommand):
    help = "在测试 CSV（title, detail, label）上评估分类模型；最后一行输出 JSON。"

    def add_arguments(self, parser):
        parser.add_argument("--model", default=str(classifier.DEFAULT_MODEL))
        parser.add_argument("--test", required=True)

    def handle(self, *args, **opts):
        try:
            model = classifier.load(opts["model"])
            rows = classifier.read_csv(opts["test"])
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise CommandError(f"无法读取：{exc}") from exc
        examples = [
            classifier.Example(r.get("title") or "", r.get("detail") or "", (r.get("label") or "").strip())
            for r in rows
            if (r.get("label") or "").strip()
        ]
        if not examples:
            raise CommandError("测试集中没有带标签的行。")
        self.stdout.write(json.dumps(classifier.evaluate(model, examples), ensure_ascii=False))

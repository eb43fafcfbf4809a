import csv

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insight import classifier, replies

FIELDS = ["id", "relevance", "completeness", "explainability", "timeliness", "overall"]


class Command(BaseCommand):
    help = "为答复打分（id, detail, reply, time, reply_time → 相关性、完整性、解释性、及时性、总分）。"

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True)
        parser.add_argument("--out", required=True)

    def handle(self, *args, **opts):
        try:
            rows = classifier.read_csv(opts["input"])
        except OSError as exc:
            raise CommandError(f"无法读取：{exc}") from exc
        with open(opts["out"], "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            for r in rows:
                s = replies.score(
                    r.get("detail") or "",
                    r.get("reply") or "",
                    r.get("time"),
                    r.get("reply_time"),
                    r.get("title") or "",
                )
                writer.writerow({"id": r.get("id", ""), **s})
        self.stdout.write(f"{len(rows)} rows → {opts['out']}")

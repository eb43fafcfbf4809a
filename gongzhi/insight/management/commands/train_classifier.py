import json

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insight import classifier


class Command(BaseCommand):
    help = "训练一级分类模型（来自标注 CSV，或数据库中已确认分类的诉求）。"

    def add_arguments(self, parser):
        parser.add_argument("--labeled", help="CSV with title, detail, label (default: the shipped data)")
        parser.add_argument("--titles", help="CSV with title, label (title-only examples)")
        parser.add_argument(
            "--from-db", action="store_true", help="train from confirmed categories in the database"
        )
        parser.add_argument("--out", default=str(classifier.DEFAULT_MODEL), help="model file to write")

    def handle(self, *args, **opts):
        try:
            if opts["from_db"]:
                examples = classifier.db_examples()
                if opts["labeled"]:
                    examples += classifier.examples_from_rows(classifier.read_csv(opts["labeled"]))
            elif opts["labeled"]:
                examples = classifier.examples_from_rows(classifier.read_csv(opts["labeled"]))
                if opts["titles"]:
                    examples += [
                        classifier.Example(e.title, "", e.label)
                        for e in classifier.examples_from_rows(classifier.read_csv(opts["titles"]))
                    ]
            else:
                examples = classifier.shipped_examples()
            examples = classifier.dedupe(examples)
            model = classifier.train(examples)
        except (OSError, ValueError, KeyError) as exc:
            raise CommandError(f"训练失败：{exc}") from exc
        classifier.save(model, opts["out"])
        self.stdout.write(
            json.dumps(
                {
                    "out": opts["out"],
                    "n": len(examples),
                    "classes": model.classes,
                    "train_seconds": model.meta["train_seconds"],
                },
                ensure_ascii=False,
            )
        )

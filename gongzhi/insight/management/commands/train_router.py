import json
from typing import TYPE_CHECKING

from django.core.management.base import BaseCommand, CommandError

from gongzhi.insight import router

if TYPE_CHECKING:
    import numpy as np


class Command(BaseCommand):
    help = "从派单历史训练主办单位推荐模型；--evaluate 按时间切分回测（前 80% 训练、后 20% 测试）的单位前一/前三准确率。"

    def add_arguments(self, parser):
        parser.add_argument("--out", help="model file to write (default: settings.INSIGHT_ROUTER_MODEL)")
        parser.add_argument("--evaluate", action="store_true", help="time-split back-test, printed as JSON")
        parser.add_argument(
            "--test-share", type=float, default=0.2, help="newest share of appeals tested (0–0.9)"
        )
        parser.add_argument(
            "--no-save", action="store_true", help="with --evaluate: do not retrain the stored model"
        )

    def handle(self, *args, **opts):
        if not 0 < opts["test_share"] < 0.9:
            raise CommandError("--test-share 须在 0 与 0.9 之间。")
        catalogue = router.Catalogue.from_db()
        records = router.history(catalogue)
        if opts["evaluate"]:
            try:
                result = router.backtest(
                    records,
                    catalogue,
                    test_share=opts["test_share"],
                    categories=predicted_categories(records),
                )
            except ValueError as exc:
                raise CommandError(f"历史派单太少，无法回测：{exc}") from exc
            self.stdout.write(json.dumps({"evaluate": result}, ensure_ascii=False))
            if opts["no_save"]:
                return
        model = router.train(records, catalogue)
        if model is None:
            self.stdout.write(
                json.dumps(
                    {"trained": False, "records": len(records), "note": "派单历史不足，按派单目录推荐"},
                    ensure_ascii=False,
                )
            )
            return
        path = router.save(model, opts["out"])
        self.stdout.write(json.dumps({"trained": True, "out": str(path), **model.meta}, ensure_ascii=False))


def predicted_categories(records) -> dict:
    """The classifier's top-3 for each appeal of the history, as the router saw them at dispatch."""
    from gongzhi.insight import classifier, services

    model = classifier.default_model(services.model_path())
    seen: dict = {}
    for r in records:
        seen.setdefault(r.appeal, r)
    ids = list(seen)
    proba: np.ndarray | list = (
        model.predict_proba([seen[a].title for a in ids], [seen[a].content for a in ids]) if ids else []
    )
    return {a: model.top3(row) for a, row in zip(ids, proba, strict=True)}

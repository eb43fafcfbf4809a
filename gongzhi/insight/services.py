"""Clean entry points for the intake and dispatch pages (read-only: nothing here writes)."""

from django.conf import settings

from gongzhi.appeals.models import Appeal, Category
from gongzhi.appeals.services import suggest_dispatch
from gongzhi.core.models import Region

from . import classifier, duplicates


def model_path() -> str:
    return str(getattr(settings, "INSIGHT_CLASSIFIER_MODEL", classifier.DEFAULT_MODEL))


def classify(title: str, content: str, region: Region | None = None, *, model=None) -> dict:
    """Top-3 first-level categories with calibrated confidences, and the catalogue's suggested lead unit
    for the best category in `region` (or the county when no region is given)."""
    model = model or classifier.default_model(model_path())
    top3 = model.predict_top3(title or "", content or "")
    by_name = {c.name: c for c in Category.objects.filter(level=1, name__in=[name for name, _ in top3])}
    if region is None:
        region = Region.objects.filter(parent__isnull=True).order_by("path").first()
    categories, suggestion = [], None
    for name, confidence in top3:
        cat = by_name.get(name)
        categories.append({"name": name, "category": cat.pk if cat else None, "confidence": confidence})
    best = by_name.get(top3[0][0]) if top3 else None
    if best is not None and region is not None:
        rule = suggest_dispatch(best, region)
        if rule is not None:
            suggestion = {"unit": rule.unit_id, "name": rule.unit.name, "rule": rule.pk,
                          "co_units": list(rule.co_units.values_list("pk", flat=True))}
    return {"categories": categories, "suggested_unit": suggestion}


def similar_appeals(appeal: Appeal, queryset=None, limit: int = 10) -> list[dict]:
    """Near-duplicates of an appeal (same street, same top category, last 30 days)."""
    return duplicates.find_similar(appeal, queryset=queryset, limit=limit)

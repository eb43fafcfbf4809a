"""Clean entry points for the intake and dispatch pages (read-only: nothing here writes)."""

from collections.abc import Sequence

from django.conf import settings

from gongzhi.appeals.models import Appeal, Category, DispatchRule
from gongzhi.appeals.services import pick_dispatch_rule
from gongzhi.core.models import Region

from . import classifier, duplicates


def model_path() -> str:
    return str(getattr(settings, "INSIGHT_CLASSIFIER_MODEL", classifier.DEFAULT_MODEL))


def classify(title: str, content: str, region: Region | None = None, *, model=None) -> dict:
    """Top-3 first-level categories with calibrated confidences, and the catalogue's suggested lead unit
    for the best category in `region` (or the county when no region is given)."""
    return classify_many([(title, content, region)], model=model)[0]


def classify_many(items: Sequence[tuple[str, str, Region | None]], *, model=None) -> list[dict]:
    """`classify` for several appeals at once: one call of the classifier for all of them (its cost per appeal
    falls about fourfold), one query for their categories, and each (category, region)'s catalogue rule looked
    up once. Each result is the one `classify` gives for that appeal alone."""
    if not items:
        return []
    model = model or classifier.default_model(model_path())
    proba = model.predict_proba([title or "" for title, _c, _r in items], [content or "" for _t, content, _r in items])
    top3s = [model.top3(row) for row in proba]
    names = sorted({name for top3 in top3s for name, _ in top3})
    by_name = {c.name: c for c in Category.objects.filter(level=1, name__in=names)}
    # The catalogue rules of every best category's lineage in one query; pick_dispatch_rule then picks as
    # appeals.services.suggest_dispatch does.
    lineages = {by_name[top3[0][0]].pk: by_name[top3[0][0]].lineage() for top3 in top3s
                if top3 and top3[0][0] in by_name}
    rules = {(r.category_id, r.region_id): r for r in DispatchRule.objects.filter(
        category__in=[c.pk for lineage in lineages.values() for c in lineage]).select_related("unit")} \
        if lineages else {}
    county, suggestions, out = None, {}, []
    for (_title, _content, region), top3 in zip(items, top3s, strict=True):
        if region is None:
            county = county or Region.objects.filter(parent__isnull=True).order_by("path").first()
            region = county
        categories = [{"name": name, "category": by_name[name].pk if name in by_name else None,
                       "confidence": confidence} for name, confidence in top3]
        best = by_name.get(top3[0][0]) if top3 else None
        suggestion = None
        if best is not None and region is not None:
            key = (best.pk, region.pk)
            if key not in suggestions:
                rule = pick_dispatch_rule(lineages[best.pk], region, rules)
                suggestions[key] = None if rule is None else {
                    "unit": rule.unit_id, "name": rule.unit.name, "rule": rule.pk,
                    "co_units": list(rule.co_units.values_list("pk", flat=True))}
            found = suggestions[key]
            suggestion = None if found is None else {**found, "co_units": list(found["co_units"])}
        out.append({"categories": categories, "suggested_unit": suggestion})
    return out


def similar_appeals(appeal: Appeal, queryset=None, limit: int = 10) -> list[dict]:
    """Near-duplicates of an appeal (same street, same top category, last 30 days)."""
    return duplicates.find_similar(appeal, queryset=queryset, limit=limit)

"""Clean entry points for the intake and dispatch pages (read-only: nothing here writes)."""

import logging
from collections.abc import Sequence

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal, Category, DispatchRule
from gongzhi.appeals.services import pick_dispatch_rule
from gongzhi.core.models import Region

from . import classifier, duplicates, router

logger = logging.getLogger(__name__)


def model_path() -> str:
    return str(getattr(settings, "INSIGHT_CLASSIFIER_MODEL", classifier.DEFAULT_MODEL))


def classify(
    title: str, content: str, region: Region | None = None, *, model=None, category: Category | None = None
) -> dict:
    """Top-3 first-level categories with calibrated confidences; the router's three lead units with their
    reasons (`units`, insight.router: the dispatch history with the catalogue as the prior) and the best of
    them as `suggested_unit` (with the catalogue rule and co-units when the catalogue names that unit), in
    `region` (or the county when no region is given). `category`: a confirmed category the router trusts over
    the prediction."""
    return classify_many([(title, content, region, category)], model=model)[0]


def classify_many(items: Sequence[tuple], *, model=None) -> list[dict]:
    """`classify` for several appeals at once ((title, content, region[, confirmed category]) each): one call of
    the classifier and of the router for all of them (the classifier's cost per appeal falls about fourfold), one
    query for their categories, and each (category, region)'s catalogue rule looked up once. Each result is the
    one `classify` gives for that appeal alone."""
    if not items:
        return []
    model = model or classifier.default_model(model_path())
    proba = model.predict_proba([it[0] or "" for it in items], [it[1] or "" for it in items])
    top3s = [model.top3(row) for row in proba]
    names = sorted({name for top3 in top3s for name, _ in top3})
    by_name = {c.name: c for c in Category.objects.filter(level=1, name__in=names)}
    # The catalogue rules of every best category's lineage in one query; pick_dispatch_rule then picks as
    # appeals.services.suggest_dispatch does.
    lineages = {
        by_name[top3[0][0]].pk: by_name[top3[0][0]].lineage()
        for top3 in top3s
        if top3 and top3[0][0] in by_name
    }
    rules = (
        {
            (r.category_id, r.region_id): r
            for r in DispatchRule.objects.filter(
                category__in=[c.pk for lineage in lineages.values() for c in lineage]
            ).select_related("unit")
        }
        if lineages
        else {}
    )
    county, suggestions, out = None, {}, []
    for item, top3 in zip(items, top3s, strict=True):
        region = item[2]
        if region is None:
            county = county or Region.objects.filter(parent__isnull=True).order_by("path").first()
            region = county
        categories = [
            {
                "name": name,
                "category": by_name[name].pk if name in by_name else None,
                "confidence": confidence,
            }
            for name, confidence in top3
        ]
        best = by_name.get(top3[0][0]) if top3 else None
        suggestion = None
        if best is not None and region is not None:
            key = (best.pk, region.pk)
            if key not in suggestions:
                rule = pick_dispatch_rule(lineages[best.pk], region, rules)
                suggestions[key] = (
                    None
                    if rule is None
                    else {
                        "unit": rule.unit_id,
                        "name": rule.unit.name,
                        "rule": rule.pk,
                        "co_units": list(rule.co_units.values_list("pk", flat=True)),
                    }
                )
            found = suggestions[key]
            suggestion = None if found is None else {**found, "co_units": list(found["co_units"])}
        out.append({"categories": categories, "suggested_unit": suggestion})
    _route(items, top3s, out)
    return out


def _route(items: Sequence[tuple], top3s: list, out: list[dict]) -> None:
    """The router's three units into each result; its best becomes `suggested_unit` (a failing router leaves the
    catalogue's suggestion: routing must never break intake)."""
    try:
        catalogue = router.Catalogue.current()
        queries = [
            router.Query(
                it[0] or "",
                it[1] or "",
                it[2].pk if it[2] is not None else None,
                list(top3),
                getattr(it[3], "pk", it[3]) if len(it) > 3 else None,
            )
            for it, top3 in zip(items, top3s, strict=True)
        ]
        routes = router.suggest_many(queries, catalogue=catalogue)
    except Exception:
        logger.exception("the unit router failed; the catalogue's suggestion stands")
        for result in out:
            result["units"] = []
        return
    for result, units in zip(out, routes, strict=True):
        result["units"] = units
        current = result["suggested_unit"]
        if units and (current is None or current["unit"] != units[0]["unit"]):
            result["suggested_unit"] = {
                "unit": units[0]["unit"],
                "name": units[0]["name"],
                "rule": None,
                "co_units": [],
            }


def similar_appeals(appeal: Appeal, queryset=None, limit: int = 10) -> list[dict]:
    """Near-duplicates of an appeal (same street, same top category, last 30 days)."""
    return duplicates.find_similar(appeal, queryset=queryset, limit=limit)


def appeal_units(user, appeal_id: int) -> dict:
    """The router's three lead units for an appeal the user may see (staff only): the ones stored with its
    prediction when the appeal came in, else computed now (not stored: a read changes nothing)."""
    from gongzhi.appeals.selectors import visible_appeals
    from gongzhi.core.choices import Role
    from gongzhi.core.errors import PermissionDeniedError

    from .models import AppealPrediction

    if not user.is_authenticated or not user.has_role(*[r for r in Role.values if r != Role.RESIDENT]):
        raise PermissionDeniedError(_("只有工作人员可以查看派单建议。"))
    appeal = visible_appeals(user).select_related("region", "category").get(pk=appeal_id)  # else 404
    stored = AppealPrediction.objects.filter(appeal=appeal).first()
    if stored is not None and stored.units:
        return {"appeal": appeal.pk, "units": stored.units, "computed_at": stored.created_at, "stored": True}
    result = classify(appeal.title, appeal.content, appeal.region, category=appeal.category)
    return {"appeal": appeal.pk, "units": result["units"], "computed_at": timezone.now(), "stored": False}

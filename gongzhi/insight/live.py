"""The insight side of the appeal loop: what the on-commit tasks do for each new appeal.

* `record_prediction(appeal_id)` stores the classifier's top-3 and the suggested lead unit
  (AppealPrediction) and, above settings.GONGZHI["AUTO_DISPATCH_CONFIDENCE"] (default None = off),
  dispatches the appeal through appeals.services.dispatch as the configured system dispatcher.
* `update_hotspots(appeal_id)` re-clusters the appeals of the appeal's street of the last `hotspots.LINK_DAYS` days with
  `HotspotIndex` and joins the new appeal to a hot spot or opens one (several hot spots the appeal links
  are merged into the largest).
"""

import logging
from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min
from django.utils import timezone

from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core.choices import Role
from gongzhi.core.models import Unit, User

from . import classifier, duplicates, hotspots, services
from .models import AppealPrediction, CoSign, HotSpot, HotSpotMember

logger = logging.getLogger(__name__)
MAX_RECENT = 5000


def model_version() -> str:
    from pathlib import Path

    return f"{Path(services.model_path()).name} v{classifier.VERSION}"


def auto_dispatch_user() -> User | None:
    username = settings.GONGZHI.get("AUTO_DISPATCH_USER", "system-dispatcher")
    user = User.objects.filter(username=username, is_active=True).first()
    return user if user is not None and user.has_role(Role.DISPATCHER) else None


def record_prediction(appeal_id: int) -> AppealPrediction | None:
    appeal = Appeal.objects.select_related(REGION_CHAIN).filter(pk=appeal_id).first()
    if appeal is None:
        return None
    result = services.classify(appeal.title, appeal.content, appeal.region)
    best = result["categories"][0] if result["categories"] else {"category": None, "confidence": 0.0}
    suggested = result["suggested_unit"]
    prediction, _created = AppealPrediction.objects.update_or_create(appeal=appeal, defaults={
        "top3": result["categories"], "category_id": best["category"], "confidence": best["confidence"],
        "suggested_unit_id": suggested["unit"] if suggested else None, "model_version": model_version(),
        "created_at": timezone.now()})
    threshold = settings.GONGZHI.get("AUTO_DISPATCH_CONFIDENCE")
    if (threshold is not None and suggested and best["confidence"] >= float(threshold)
            and appeal.state == AppealState.RECEIVED):
        actor = auto_dispatch_user()
        if actor is not None:
            from gongzhi.appeals.services import dispatch
            from gongzhi.core.errors import ServiceError

            category = appeal.category or Category.objects.filter(pk=best["category"]).first()
            try:
                dispatch(actor, appeal.pk, lead_unit=Unit.objects.get(pk=suggested["unit"]),
                         co_units=list(Unit.objects.filter(pk__in=suggested["co_units"])), category=category,
                         note=f"自动派单（分类置信度 {best['confidence']:.2f}）")
            except ServiceError as exc:
                logger.info("auto-dispatch of %s refused: %s", appeal.pk, exc.message)
            else:
                prediction.auto_dispatched = True
                prediction.save(update_fields=["auto_dispatched"])
    return prediction


def _item(appeal: Appeal) -> hotspots.Item:
    return hotspots.make_item(appeal.pk, appeal.title, appeal.content, timezone.localtime(appeal.received_at),
                              user=appeal.appellant_id or appeal.appellant_phone or f"a{appeal.pk}")


# Per worker process, one incremental HotspotIndex per street: a warm update adds only the appeals it has
# not seen (milliseconds); a cold worker builds it once. An index whose appeals no longer match the
# database (a deleted appeal, a reused id) is rebuilt.
_INDEXES: dict = {}
# The region and its parents up to the county (grid → community → street → county) in one query.
REGION_CHAIN = "region__parent__parent__parent"


# Appeals commit a little out of order of their receipt times (concurrent intakes): a warm update re-reads this
# much before the newest appeal it holds.
COMMIT_SLACK = timedelta(seconds=5)


def _street_index(scope, since, until) -> hotspots.HotspotIndex:
    """The street's index, brought up to date. Warm, it reads only the appeals received since shortly before the
    newest one it holds, and checks that the window holds exactly the appeals it expects (count and time range,
    aggregated by the database); otherwise it reads the whole window, as a cold index does, and rebuilds when
    an appeal it holds changed (a reused id)."""
    key = (scope.pk, scope.path)
    index, known = _INDEXES.get(key, (None, None))
    in_street = Appeal.objects.filter(received_at__gte=since, received_at__lte=until,
                                      region__path__startswith=scope.path)
    window = None
    if index is not None and known:
        newest = max(known.values())
        fresh = dict(in_street.filter(received_at__gte=newest - COMMIT_SLACK).values_list("pk", "received_at"))
        expected = {pk: at for pk, at in known.items() if since <= at <= until} | fresh
        check = in_street.aggregate(n=Count("pk"), first=Min("received_at"), last=Max("received_at"))
        if (check["n"], check["first"], check["last"]) == (
                len(expected), min(expected.values(), default=None), max(expected.values(), default=None)):
            window = fresh
    if window is None:
        window = dict(in_street.values_list("pk", "received_at"))
        for pk, at in list((known or {}).items()):  # deleted since: no longer expected in the window
            if since <= at <= until and pk not in window:
                del known[pk]
    if index is None or any(pk in window and window[pk] != at for pk, at in known.items()) \
            or len(known) > 4 * MAX_RECENT:
        index, known = hotspots.HotspotIndex(), {}
    missing = sorted((at, pk) for pk, at in window.items() if pk not in known)[-MAX_RECENT:]
    fields = ("pk", "title", "content", "received_at", "appellant_id", "appellant_phone")
    by_pk = {a.pk: a for a in Appeal.objects.filter(pk__in=[pk for _, pk in missing]).only(*fields)}
    for _at, pk in missing:
        if pk in by_pk:
            index.add(_item(by_pk[pk]))
            known[pk] = by_pk[pk].received_at
    _INDEXES[key] = (index, known)
    return index


def update_hotspots(appeal_id: int) -> HotSpot | None:
    """Joins the appeal to a hot spot (or opens one when it links at least one other appeal)."""
    appeal = Appeal.objects.select_related(REGION_CHAIN).filter(pk=appeal_id).first()
    if appeal is None:
        return None
    scope = duplicates._scope(appeal.region)  # a hot spot is one problem in one place: the appeal's street
    since = appeal.received_at - timedelta(days=hotspots.LINK_DAYS)
    index = _street_index(scope, since, appeal.received_at)
    root = index.add(_item(appeal))  # already there unless the window was trimmed
    linked = [int(i) for i in index.items if index._find(i) == root]
    if len(linked) < 2:
        return None
    with transaction.atomic():
        # Members of a hot spot exist (their rows cascade); only the others need checking.
        spot_of = dict(HotSpotMember.objects.filter(appeal_id__in=linked).values_list("appeal_id", "hotspot_id"))
        others = [pk for pk in linked if pk not in spot_of]
        member_ids = sorted([*spot_of, *Appeal.objects.filter(pk__in=others).values_list("pk", flat=True)])
        if len(member_ids) < 2:
            return None
        existing = list(HotSpot.objects.select_for_update().filter(pk__in=set(spot_of.values())).order_by("pk"))
        if len(existing) > 1:  # the appeal bridged hot spots: the largest absorbs the others
            existing.sort(key=lambda h: (-h.members.count(), h.pk))
            for other in existing[1:]:
                HotSpotMember.objects.filter(hotspot=other).update(hotspot=existing[0])
                other.delete()
        spot = existing[0] if existing else HotSpot.objects.create()
        moved = [pk for pk, spot_id in spot_of.items() if spot_id != spot.pk and spot_id not in
                 {h.pk for h in existing[1:]}]
        if moved:
            HotSpotMember.objects.filter(appeal_id__in=moved).update(hotspot=spot)
        HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal_id=pk)
                                           for pk in member_ids if pk not in spot_of])
        refresh(spot, known=_INDEXES.get((scope.pk, scope.path)))
    return spot


def refresh(spot: HotSpot, known=None) -> HotSpot:
    """Recomputes a hot spot's label, place, heat and time range from its members (heat as in hotspots.py;
    residents who co-signed a member (附议) count as distinct residents).

    `known`: a street's (HotspotIndex, {pk: received_at}) from `_street_index`, whose items (segmented text)
    are reused for the members it holds unchanged instead of segmenting every member again."""
    members = list(Appeal.objects.filter(hotspot_membership__hotspot=spot).order_by("received_at", "pk")
                   .values_list("pk", "received_at"))
    if not members:
        spot.delete()
        return spot
    index, seen = known or (None, {})
    reuse = {pk for pk, at in members if index is not None and seen.get(pk) == at and str(pk) in index.items}
    fields = ("pk", "title", "content", "received_at", "appellant_id", "appellant_phone")
    rest = {a.pk: a for a in Appeal.objects.filter(pk__in=[pk for pk, _at in members if pk not in reuse])
            .only(*fields)} if len(reuse) < len(members) else {}
    items = [index.items[str(pk)] if pk in reuse else _item(rest[pk]) for pk, _at in members]
    doc_freq = Counter()
    for item in items:
        doc_freq.update(item.terms)
    latest = timezone.localtime(timezone.now()).replace(tzinfo=None)
    cosigners = CoSign.objects.filter(appeal__hotspot_membership__hotspot=spot).values_list("resident_id", flat=True)
    summary = hotspots.Hotspot(items).summary(latest, doc_freq, max(len(items), 1),
                                              extra_residents={str(pk) for pk in cosigners})
    spot.label, spot.place = summary["label"][:200], summary["place"][:200]
    spot.heat, spot.size, spot.residents, spot.growth = summary["heat"], len(members), summary["residents"], \
        summary["growth"]
    spot.start, spot.end = members[0][1], members[-1][1]
    spot.updated_at = timezone.now()
    spot.save()
    return spot

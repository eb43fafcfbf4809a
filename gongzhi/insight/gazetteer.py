"""The platform's place gazetteer (地名库): the county's regions, the edited `Place` entries and the names learnt
from the appeals, as one `places.Gazetteer` the live hot spots read (insight/live.py).

* `current()` is read once per worker and again when an entry changes (a cheap count/max query per call);
* `learn_places()` (`gongzhi learn_places`, daily in settings.GONGZHI["PERIODIC_TASKS"]) adds the names seen in
  at least two appeals of the last year and refreshes how many appeals name each; it never changes an entry an
  editor touched (source "edited"), and a refused entry stays refused;
* `record_edit()` writes an admin edit to the audit trail.
"""

import time
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.db.models.functions import Substr
from django.utils import timezone

from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region, append_audit_event

from .models import Place, PlaceKind, PlaceSource
from .places import Gazetteer, candidates, core, specificity

LEARN_DAYS = 365
CHECK_SECONDS = 30
LEARN_SAMPLE = 50_000
_cache: dict = {}


def _build() -> Gazetteer:
    gazetteer = Gazetteer()
    for name in Region.objects.filter(
        level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID]
    ).values_list("name", flat=True):
        gazetteer.add(name)
    for place in Place.objects.order_by("key"):
        if place.refused:
            gazetteer.refused.add(place.key)
            gazetteer.names.pop(place.key, None)
            continue
        gazetteer.names[place.key] = place.name
        for alias in place.aliases.replace("，", ",").split(","):
            alias_key = core(alias.strip())
            if alias_key and alias_key != place.key:
                gazetteer.aliases[alias_key] = place.key
    return gazetteer


def current() -> Gazetteer:
    """The gazetteer as the database holds it (rebuilt when a place or a region changed; looked at most every
    CHECK_SECONDS, as the live hot spots call this for every appeal; an edit in this process is seen at once)."""
    if _cache.get("gazetteer") is not None and time.monotonic() - _cache["checked"] < CHECK_SECONDS:
        return _cache["gazetteer"]
    places, regions = (
        Place.objects.aggregate(n=Count("pk"), at=Max("updated_at")),
        Region.objects.aggregate(n=Count("pk"), last=Max("pk")),
    )
    version = tuple(sorted(places.items())) + tuple(sorted(regions.items()))
    if _cache.get("version") != version:
        _cache.update(version=version, gazetteer=_build())
    _cache["checked"] = time.monotonic()
    return _cache["gazetteer"]


def invalidate() -> None:
    _cache.clear()


def _kind(name: str) -> str:
    return (
        {0: PlaceKind.ESTATE, 1: PlaceKind.ROAD, 2: PlaceKind.REGION}[specificity(name)]
        if not name.endswith(("学校", "中学", "小学", "幼儿园", "医院", "公园", "市场", "大学", "学院", "站"))
        else PlaceKind.LANDMARK
    )


def learn_places(days: int = LEARN_DAYS) -> dict:
    """Learn the names the appeals of the last `days` days use (at least two appeals each; the newest LEARN_SAMPLE
    of them) into `Place`; returns {"added", "updated"}."""
    from gongzhi.appeals.models import Appeal

    since = timezone.now() - timedelta(days=days)
    return learn_from_texts(
        Appeal.objects.filter(received_at__gte=since)
        .order_by("-received_at")
        .values_list("title", Substr("content", 1, 200))[:LEARN_SAMPLE]
    )


def learn_from_texts(texts) -> dict:
    """Learn the place names of (title, content) pairs seen in at least two of them into `Place` (new entries, and
    how many of the texts name each known one); entries an editor touched keep their names. The demo learns the
    names of the appeals it is about to replay this way."""
    texts = list(texts)
    learnt = Gazetteer.learn(texts, base=_build())
    counts: dict[str, int] = {}
    for title, content in texts:
        for key in {learnt.canonical(core(n)) for n in candidates(f"{title} {(content or '')[:200]}")}:
            counts[key] = counts.get(key, 0) + 1
    added = updated = 0
    now = timezone.now()
    with transaction.atomic():
        existing = {p.key: p for p in Place.objects.select_for_update()}
        for key, name in learnt.names.items():
            n = counts.get(key, 0)
            place = existing.get(key)
            if place is None:
                if n >= 2:
                    Place.objects.create(key=key, name=name, kind=_kind(name), appeals=n, updated_at=now)
                    added += 1
            elif place.appeals != n:
                Place.objects.filter(pk=place.pk).update(appeals=n)  # a count, not an edit: updated_at stays
                updated += 1
    invalidate()
    return {"added": added, "updated": updated}


def record_edit(actor, place: Place, before: dict | None) -> None:
    """An editor's change of a gazetteer entry: marked as edited (learning leaves it alone) and audited."""
    after = {
        "key": place.key,
        "name": place.name,
        "aliases": place.aliases,
        "kind": place.kind,
        "refused": place.refused,
    }
    Place.objects.filter(pk=place.pk).update(source=PlaceSource.EDITED, updated_at=timezone.now())
    append_audit_event(
        actor,
        "place_edit" if before else "place_add",
        target=f"place:{place.pk}",
        before=before or {},
        after=after,
    )
    invalidate()

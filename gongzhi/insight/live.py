"""The insight side of the appeal loop: what the on-commit tasks do for each new appeal.

* `record_prediction(appeal_id)` stores the classifier's top-3 and the suggested lead unit
  (AppealPrediction) and, above settings.GONGZHI["AUTO_DISPATCH_CONFIDENCE"] (default None = off),
  dispatches the appeal through appeals.services.dispatch as the configured system dispatcher.
* `update_hotspots(appeal_id)` re-clusters the appeals of the appeal's street of the last `hotspots.LINK_DAYS` days with
  `HotspotIndex` and joins the new appeal to a hot spot or opens one (several hot spots the appeal links
  are merged into the largest); the hot spot's summary is updated incrementally when it can
  (`_refresh_incremental`), else recomputed from all members (`refresh`, also `rebuild_hotspots`).
* `analyse(appeal_id)` is both for one appeal; `analyse_many(ids)` does several with one classifier call and
  one transaction, each appeal getting the result `analyse` gives it (insight.tasks batches pending tasks).
"""

import logging
import threading
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from gongzhi.appeals.choices import AppealState
from gongzhi.appeals.models import Appeal, Category
from gongzhi.core import taskqueue
from gongzhi.core.choices import Role
from gongzhi.core.conf import setting
from gongzhi.core.models import Unit, User

from . import classifier, duplicates, gazetteer, hotspots, services
from .models import AppealPrediction, CoSign, HotSpot, HotSpotMember

logger = logging.getLogger(__name__)
MAX_RECENT = 5000


def model_version() -> str:
    """The model file and the version it was trained as (a v2 file still loads and predicts under v3's code)."""
    from pathlib import Path

    path = services.model_path()
    return f"{Path(path).name} v{classifier.default_model(path).meta.get('version', 1)}"


def auto_dispatch_user() -> User | None:
    username = setting("AUTO_DISPATCH_USER")
    user = User.objects.filter(username=username, is_active=True).first()
    return user if user is not None and user.has_role(Role.DISPATCHER) else None


def _prediction_values(result: dict) -> dict:
    best = result["categories"][0] if result["categories"] else {"category": None, "confidence": 0.0}
    suggested = result["suggested_unit"]
    return {
        "top3": result["categories"],
        "category_id": best["category"],
        "confidence": best["confidence"],
        "suggested_unit_id": suggested["unit"] if suggested else None,
        "units": result.get("units", []),
        "model_version": model_version(),
        "created_at": timezone.now(),
    }


def _auto_dispatch(appeal: Appeal, result: dict, prediction: AppealPrediction) -> None:
    """Above settings.GONGZHI["AUTO_DISPATCH_CONFIDENCE"], dispatch as the system dispatcher."""
    threshold = setting("AUTO_DISPATCH_CONFIDENCE")
    suggested = result["suggested_unit"]
    if (
        threshold is None
        or not suggested
        or prediction.confidence < float(threshold)
        or appeal.state != AppealState.RECEIVED
    ):
        return
    actor = auto_dispatch_user()
    if actor is None:
        return
    from gongzhi.appeals.services import dispatch
    from gongzhi.core.errors import ServiceError

    category = appeal.category or Category.objects.filter(pk=prediction.category_id).first()
    try:
        dispatch(
            actor,
            appeal.pk,
            lead_unit=Unit.objects.get(pk=suggested["unit"]),
            co_units=list(Unit.objects.filter(pk__in=suggested["co_units"])),
            category=category,
            note=f"自动派单（分类置信度 {prediction.confidence:.2f}）",
        )
    except ServiceError as exc:
        logger.info("auto-dispatch of %s refused: %s", appeal.pk, exc.message)
    else:
        prediction.auto_dispatched = True
        prediction.save(update_fields=["auto_dispatched"])


def record_prediction(appeal_id: int) -> AppealPrediction | None:
    appeal = Appeal.objects.select_related(REGION_CHAIN).filter(pk=appeal_id).first()
    if appeal is None:
        return None
    result = services.classify(appeal.title, appeal.content, appeal.region, category=appeal.category)
    prediction, _created = AppealPrediction.objects.update_or_create(
        appeal=appeal, defaults=_prediction_values(result)
    )
    _auto_dispatch(appeal, result, prediction)
    return prediction


def _save_predictions(pairs: list[tuple[Appeal, dict]]) -> dict[int, AppealPrediction]:
    """`update_or_create` of several appeals' predictions: one read, one INSERT, one UPDATE for those that exist
    (a task run again)."""
    existing = {
        p.appeal_id: p for p in AppealPrediction.objects.filter(appeal_id__in=[a.pk for a, _r in pairs])
    }
    new, changed, out = [], [], {}
    for appeal, result in pairs:
        values = _prediction_values(result)
        prediction = existing.get(appeal.pk)
        if prediction is None:
            prediction = AppealPrediction(appeal=appeal, **values)
            new.append(prediction)
        else:
            for name, value in values.items():
                setattr(prediction, name, value)
            changed.append(prediction)
        out[appeal.pk] = prediction
    AppealPrediction.objects.bulk_create(new)
    if changed:
        AppealPrediction.objects.bulk_update(changed, list(_prediction_values(pairs[0][1])))
    return out


def _item(appeal: Appeal) -> hotspots.Item:
    return hotspots.make_item(
        appeal.pk,
        appeal.title,
        appeal.content,
        timezone.localtime(appeal.received_at),
        user=appeal.appellant_id or appeal.appellant_phone or f"a{appeal.pk}",
        gazetteer=gazetteer.current(),
    )


# Per worker process, one incremental HotspotIndex per street: a warm update adds only the appeals it has
# not seen (milliseconds); a cold worker builds it once. An index whose appeals no longer match the
# database (a deleted appeal, a reused id) is rebuilt.
_INDEXES: dict = {}
# The region and its parents up to the county (grid → community → street → county) in one query.
REGION_CHAIN = "region__parent__parent__parent"


# Appeals commit a little out of order of their receipt times (concurrent intakes): a warm update re-reads this
# much before the newest appeal it holds.
COMMIT_SLACK = timedelta(seconds=5)


def _in_street(scope, since, until):
    """The street's appeals received in [since, until] (built only when queried: from a batch's reads, a warm
    update costs less than the ORM's filter)."""
    return Appeal.objects.filter(
        received_at__gte=since, received_at__lte=until, region__path__startswith=scope.path
    )


def _street_index(scope, since, until) -> hotspots.HotspotIndex:
    """The street's index, brought up to date. Warm, it reads only the appeals received since shortly before the
    newest one it holds, and checks that the window holds exactly the appeals it expects (count and time range,
    aggregated by the database); otherwise it reads the whole window, as a cold index does, and rebuilds when
    an appeal it holds changed (a reused id). Inside `_batch_reads`, the warm reads come from the batch's."""
    key = (scope.pk, scope.path)
    index, known = _INDEXES.get(key, (None, None))
    reads = getattr(_batch, "reads", None)
    window = None
    if index is not None and known:
        newest = max(known.values())
        read = reads.warm(key, newest - COMMIT_SLACK, since, until) if reads is not None else None
        if read is not None:
            fresh, check = read
        else:
            in_street = _in_street(scope, since, until)
            fresh = dict(
                in_street.filter(received_at__gte=newest - COMMIT_SLACK).values_list("pk", "received_at")
            )
            check = in_street.aggregate(n=Count("pk"), first=Min("received_at"), last=Max("received_at"))
        expected = {pk: at for pk, at in known.items() if since <= at <= until} | fresh
        if (check["n"], check["first"], check["last"]) == (
            len(expected),
            min(expected.values(), default=None),
            max(expected.values(), default=None),
        ):
            window = fresh
    if window is None:
        window = dict(_in_street(scope, since, until).values_list("pk", "received_at"))
        for pk, at in list((known or {}).items()):  # deleted since: no longer expected in the window
            if since <= at <= until and pk not in window:
                del known[pk]
    if (
        index is None
        or any(pk in window and window[pk] != at for pk, at in known.items())
        or len(known) > 4 * MAX_RECENT
    ):
        index, known = hotspots.HotspotIndex(), {}
    missing = sorted((at, pk) for pk, at in window.items() if pk not in known)[-MAX_RECENT:]
    by_pk = reads.appeals([pk for _, pk in missing]) if reads is not None else {}
    rest = [pk for _, pk in missing if pk not in by_pk]
    if rest:
        by_pk |= {a.pk: a for a in Appeal.objects.filter(pk__in_ids=set(rest)).only(*_ITEM_FIELDS)}
    for _at, pk in missing:
        if pk in by_pk:
            index.add(_item(by_pk[pk]))
            known[pk] = by_pk[pk].received_at
    _INDEXES[key] = (index, known)
    return index


_ITEM_FIELDS = ("pk", "title", "content", "received_at", "appellant_id", "appellant_phone")
_batch = threading.local()


class _BatchReads:
    """What `_street_index` reads for a batch's appeals, in three queries instead of three for each appeal. For each
    street whose index is warm, with lo = shortly before the newest appeal the index holds, and the appeals' windows
    [since, until] (since = until − LINK_DAYS, from `first` to `last`):
    * the (pk, received_at) of its appeals in [lo, newest until] (the fresh rows) and in [first, last) (the band),
    * count, first and last of its appeals in [last, lo), so that each window's check aggregate is that plus the
      band's and the fresh rows' part of the window,
    * the fields of the fresh appeals the index does not hold yet.
    `warm` answers a call these cover (the index's newest appeal has not moved back, its window is in the range),
    else None (the caller then queries as usual)."""

    def __init__(self, appeals):
        windows: dict[tuple, list] = {}
        for appeal in appeals:
            scope = duplicates._scope(appeal.region)
            key = (scope.pk, scope.path) if scope is not None else None
            if _INDEXES.get(key, (None, None))[1]:  # warm
                windows.setdefault(key, []).append(appeal.received_at)
        self.spans, self.fresh, self.band, self.middle, self.loaded = {}, {}, {}, {}, {}
        rows, aggregates = Q(), {}
        for key, untils in windows.items():
            lo, hi = max(_INDEXES[key][1].values()) - COMMIT_SLACK, max(untils)
            first, last = (
                min(untils) - timedelta(days=hotspots.LINK_DAYS),
                hi - timedelta(days=hotspots.LINK_DAYS),
            )
            if last > lo:  # the street's index is far behind: leave it to the usual reads
                continue
            n = len(self.spans)
            self.spans[key] = (lo, hi, first, last, n)
            self.fresh[key], self.band[key] = {}, []
            rows |= Q(region__path__startswith=key[1]) & (
                Q(received_at__gte=lo, received_at__lte=hi) | Q(received_at__gte=first, received_at__lt=last)
            )
            middle = Q(region__path__startswith=key[1], received_at__gte=last, received_at__lt=lo)
            aggregates |= {
                f"n{n}": Count("pk", filter=middle),
                f"f{n}": Min("received_at", filter=middle),
                f"l{n}": Max("received_at", filter=middle),
            }
        if not self.spans:
            return
        for pk, at, path in Appeal.objects.filter(rows).values_list("pk", "received_at", "region__path"):
            for key, (lo, hi, first, last, _n) in self.spans.items():
                if path.startswith(key[1]):
                    if lo <= at <= hi:
                        self.fresh[key][pk] = at
                    elif first <= at < last:
                        self.band[key].append(at)
        row = Appeal.objects.filter(
            received_at__gte=min(span[3] for span in self.spans.values()),
            received_at__lt=max(span[0] for span in self.spans.values()),
        ).aggregate(**aggregates)
        self.middle = {
            key: (row[f"n{n}"], row[f"f{n}"], row[f"l{n}"]) for key, (*_r, n) in self.spans.items()
        }
        unknown = {pk for key, fresh in self.fresh.items() for pk in fresh if pk not in _INDEXES[key][1]}
        if unknown:
            self.loaded = {
                a.pk: a for a in Appeal.objects.filter(pk__in_ids=set(unknown)).only(*_ITEM_FIELDS)
            }

    def warm(self, key, lo, since, until):
        """(fresh, check) of a warm `_street_index` call, or None when these reads do not cover it."""
        span = self.spans.get(key)
        if span is None or lo < span[0] or until > span[1] or not span[2] <= since <= span[3]:
            return None
        fresh = self.fresh[key]
        recent = [at for at in fresh.values() if at <= until]
        band = [at for at in self.band[key] if at >= since]
        n, first, last = self.middle[key]
        times = [*band, *([first, last] if n else []), *recent]
        check = {
            "n": len(band) + n + len(recent),
            "first": min(times, default=None),
            "last": max(times, default=None),
        }
        return {pk: at for pk, at in fresh.items() if at >= lo and since <= at <= until}, check

    def appeals(self, pks: list[int]) -> dict:
        return {pk: self.loaded[pk] for pk in pks if pk in self.loaded}


@contextmanager
def _batch_reads(appeals):
    """`_link` of these appeals inside the block reads the database through one `_BatchReads`."""
    _batch.reads = _BatchReads(appeals)
    try:
        yield
    finally:
        _batch.reads = None


def _link(appeal: Appeal) -> tuple:
    """The CPU side of a hot-spot update (no transaction): the street's index brought up to date, the appeal added.
    Returns (index key, the appeal ids of its cluster)."""
    scope = duplicates._scope(appeal.region)  # a hot spot is one problem in one place: the appeal's street
    since = appeal.received_at - timedelta(days=hotspots.LINK_DAYS)
    index = _street_index(scope, since, appeal.received_at)
    key = str(appeal.pk)
    root = index._find(key) if key in index.items else index.add(_item(appeal))  # segmented once
    return (scope.pk, scope.path), [int(i) for i in index.cluster(root)]


def update_hotspots(appeal_id: int) -> HotSpot | None:
    """Joins the appeal to a hot spot (or opens one when it links at least one other appeal)."""
    appeal = Appeal.objects.select_related(REGION_CHAIN).filter(pk=appeal_id).first()
    if appeal is None:
        return None
    key, linked = _link(appeal)
    if len(linked) < 2:
        return None
    with transaction.atomic():
        return _join(key, linked)


def _join(key, linked: list[int]) -> HotSpot | None:
    """The database side (inside a transaction): the cluster's appeals become one hot spot's members."""
    # Members of a hot spot exist (their rows cascade); only the others need checking.
    spot_of = dict(
        HotSpotMember.objects.filter(appeal_id__in_ids=set(linked)).values_list("appeal_id", "hotspot_id")
    )
    others = [pk for pk in linked if pk not in spot_of]
    member_ids = sorted(
        [*spot_of, *Appeal.objects.filter(pk__in_ids=set(others)).values_list("pk", flat=True)]
    )
    if len(member_ids) < 2:
        return None
    existing = list(HotSpot.objects.select_for_update().filter(pk__in=set(spot_of.values())).order_by("pk"))
    if len(existing) > 1:  # the appeal bridged hot spots: the largest absorbs the others
        existing.sort(key=lambda h: (-h.members.count(), h.pk))
        for other in existing[1:]:
            HotSpotMember.objects.filter(hotspot=other).update(hotspot=existing[0])
            _SPOTS.pop(other.pk, None)
            other.delete()
    spot = existing[0] if existing else HotSpot.objects.create()
    moved = [
        pk
        for pk, spot_id in spot_of.items()
        if spot_id != spot.pk and spot_id not in {h.pk for h in existing[1:]}
    ]
    if moved:
        HotSpotMember.objects.filter(appeal_id__in=moved).update(hotspot=spot)
    added = [pk for pk in member_ids if pk not in spot_of]
    HotSpotMember.objects.bulk_create([HotSpotMember(hotspot=spot, appeal_id=pk) for pk in added])
    known = _INDEXES.get(key)
    if len(existing) != 1 or moved or not _refresh_incremental(spot, added, known):
        refresh(spot, known=known)
    return spot


# Per worker process, each hot spot's SpotAggregate as this process last wrote it: {pk: (updated_at, aggregate,
# co-signers)}. It is used only while the row's updated_at is the one written with it (nobody else — another
# worker, a co-sign, a rebuild — refreshed the hot spot since); otherwise `refresh` recomputes from the members.
_SPOTS: dict = {}
MAX_SPOTS = 20000


def _holds(cached, spot: HotSpot) -> bool:
    """Whether `_SPOTS`'s entry for the hot spot is its current aggregate: the row is the one written with it."""
    return cached is not None and cached[0] == spot.updated_at and cached[1].n == spot.size


def _order(pk: int, received_at) -> tuple:
    return (received_at, pk)  # the members' order in `refresh`


def _refresh_incremental(spot: HotSpot, added: list[int], known) -> bool:
    """Adds new members to a hot spot's summary in O(their key words), without reading its other members.
    False when it cannot (no aggregate from this process, or the row changed since): `refresh` then does."""
    cached = _SPOTS.pop(spot.pk, None)  # put back by _save: an update that fails half-way leaves none
    if known is None or not _holds(cached, spot):
        return False
    index, seen = known
    if any(str(pk) not in index.items or pk not in seen for pk in added):
        return False
    _at, aggregate, cosigners = cached
    cosigners = cosigners | {
        str(pk) for pk in CoSign.objects.filter(appeal_id__in=added).values_list("resident_id", flat=True)
    }
    for pk in added:
        aggregate.add(index.items[str(pk)], _order(pk, seen[pk]))
    times = [seen[pk] for pk in added]
    spot.start = min([spot.start, *times]) if spot.start else min(times)
    spot.end = max([spot.end, *times]) if spot.end else max(times)
    _save(spot, aggregate, cosigners)
    return True


def _save(spot: HotSpot, aggregate: hotspots.SpotAggregate, cosigners: set) -> None:
    _summarise(spot, aggregate, cosigners)
    spot.save()
    _remember(spot, aggregate, cosigners)


_SUMMARY_FIELDS = ["label", "place", "heat", "size", "residents", "growth", "start", "end", "updated_at"]


def _summarise(spot: HotSpot, aggregate: hotspots.SpotAggregate, cosigners: set) -> None:
    """Sets the hot spot's _SUMMARY_FIELDS from its aggregate (start and end are the caller's)."""
    latest = timezone.localtime(timezone.now()).replace(tzinfo=None)
    summary = aggregate.summary(latest, extra_residents=cosigners)
    spot.label, spot.place = summary["label"][:200], summary["place"][:200]
    spot.heat, spot.size, spot.residents, spot.growth = (
        summary["heat"],
        aggregate.n,
        summary["residents"],
        summary["growth"],
    )
    spot.updated_at = timezone.now()


def _remember(spot: HotSpot, aggregate: hotspots.SpotAggregate, cosigners: set) -> None:
    if len(_SPOTS) >= MAX_SPOTS:
        _SPOTS.clear()
    _SPOTS[spot.pk] = (spot.updated_at, aggregate, cosigners)


class _Joins:
    """`_join` for a batch's steps in order (inside its transaction), with the database read once for the batch
    and written once at the end: the memberships of every appeal the steps link, which of the others exist, their
    hot spots (locked) and their co-signers are read up front; each step then does in memory what `_join` does
    when a cluster joins one hot spot incrementally or opens a new one (`refresh` of a new hot spot is the
    aggregate of its members: SpotAggregate does not depend on their order), and `flush` writes the new members
    in one INSERT and each changed hot spot once (one UPDATE statement). A step it does not cover (hot spots to
    merge, a hot spot without this process's aggregate, an appeal missing from the index) flushes and runs
    `_join` itself, then reads the memberships again."""

    def __init__(self, steps: list[tuple]):
        self.ids = sorted({pk for _key, linked in steps if len(linked) >= 2 for pk in linked})
        self.cosigners: dict[int, set] = {}
        for appeal_id, resident_id in CoSign.objects.filter(appeal_id__in_ids=set(self.ids)).values_list(
            "appeal_id", "resident_id"
        ):
            self.cosigners.setdefault(appeal_id, set()).add(str(resident_id))
        self.members: list[HotSpotMember] = []
        self.dirty: dict[int, tuple] = {}  # hot spot pk → (hot spot, aggregate, co-signers), to write
        self._load()

    def _load(self) -> None:
        self.spot_of = dict(
            HotSpotMember.objects.filter(appeal_id__in_ids=set(self.ids)).values_list(
                "appeal_id", "hotspot_id"
            )
        )
        self.exists = set(
            Appeal.objects.filter(pk__in_ids={pk for pk in self.ids if pk not in self.spot_of}).values_list(
                "pk", flat=True
            )
        )
        self.spots = {
            spot.pk: spot
            for spot in HotSpot.objects.select_for_update()
            .filter(pk__in=set(self.spot_of.values()))
            .order_by("pk")
        }

    def join(self, key, linked: list[int]) -> HotSpot | None:
        spot_of = self.spot_of
        member_ids = sorted(pk for pk in linked if pk in spot_of or pk in self.exists)
        if len(member_ids) < 2:
            return None
        touched = {spot_of[pk] for pk in linked if pk in spot_of}
        added = [pk for pk in member_ids if pk not in spot_of]
        known = _INDEXES.get(key)
        indexed = known is not None and all(
            str(pk) in known[0].items and pk in known[1] for pk in (added if touched else member_ids)
        )
        if len(touched) > 1 or not indexed:
            return self._alone(key, linked)
        if touched:
            spot = self.spots.get(touched.pop())
            if spot is None:  # deleted meanwhile (a rebuild): as `_join` finds it
                return self._alone(key, linked)
            entry = self.dirty.get(spot.pk)
            if entry is None:
                cached = _SPOTS.pop(spot.pk, None)  # as _refresh_incremental
                if not _holds(cached, spot):
                    return self._alone(key, linked)
                entry = (spot, cached[1], cached[2])
            _spot, aggregate, cosigners = entry
        else:  # a new hot spot: what `refresh` computes from its members, all in the index
            spot = HotSpot.objects.create()
            self.spots[spot.pk] = spot
            aggregate, cosigners = hotspots.SpotAggregate(), set()
        index, seen = known
        for pk in added:
            aggregate.add(index.items[str(pk)], _order(pk, seen[pk]))
            cosigners = cosigners | self.cosigners.get(pk, set())
            spot_of[pk] = spot.pk
            self.members.append(HotSpotMember(hotspot=spot, appeal_id=pk))
        times = [seen[pk] for pk in added]
        spot.start = min([spot.start, *times]) if spot.start else min(times)
        spot.end = max([spot.end, *times]) if spot.end else max(times)
        self.dirty[spot.pk] = (spot, aggregate, cosigners)
        return spot

    def _alone(self, key, linked: list[int]) -> HotSpot | None:
        self.flush()
        spot = _join(key, linked)
        self._load()
        return spot

    def flush(self) -> None:
        HotSpotMember.objects.bulk_create(self.members)
        self.members = []
        entries = list(self.dirty.values())
        self.dirty = {}
        for spot, aggregate, cosigners in entries:
            _summarise(spot, aggregate, cosigners)
        taskqueue.save_rows([spot for spot, _a, _c in entries], _SUMMARY_FIELDS)
        for spot, aggregate, cosigners in entries:
            _remember(spot, aggregate, cosigners)


def refresh(spot: HotSpot, known=None) -> HotSpot:
    """Recomputes a hot spot's label, place, heat and time range from all its members (heat as in hotspots.py;
    residents who co-signed a member (附议) count as distinct residents): the full rebuild, which the incremental
    update (`_refresh_incremental`) must always agree with.

    `known`: a street's (HotspotIndex, {pk: received_at}) from `_street_index`, whose items (segmented text)
    are reused for the members it holds unchanged instead of segmenting every member again."""
    computed = _aggregate(spot, known)
    if computed is None:
        _SPOTS.pop(spot.pk, None)
        spot.delete()
        return spot
    spot.start, spot.end, aggregate, cosigners = computed
    _save(spot, aggregate, cosigners)
    return spot


def _aggregate(spot: HotSpot, known=None) -> tuple | None:
    """(start, end, SpotAggregate, co-signers) of a hot spot from all its members; None when it has none."""
    members = list(
        Appeal.objects.filter(hotspot_membership__hotspot=spot)
        .order_by("received_at", "pk")
        .values_list("pk", "received_at")
    )
    if not members:
        return None
    index, seen = known or (None, {})
    reuse = {pk for pk, at in members if index is not None and seen.get(pk) == at and str(pk) in index.items}
    rest = (
        {
            a.pk: a
            for a in Appeal.objects.filter(pk__in_ids={pk for pk, _at in members if pk not in reuse}).only(
                *_ITEM_FIELDS
            )
        }
        if len(reuse) < len(members)
        else {}
    )
    items = [index.items[str(pk)] if pk in reuse else _item(rest[pk]) for pk, _at in members]
    cosigners = {
        str(pk)
        for pk in CoSign.objects.filter(appeal__hotspot_membership__hotspot=spot).values_list(
            "resident_id", flat=True
        )
    }
    aggregate = hotspots.SpotAggregate()
    for (pk, at), item in zip(members, items, strict=True):
        aggregate.add(item, _order(pk, at))
    return members[0][1], members[-1][1], aggregate, cosigners


def _prewarm(links: list[tuple]) -> None:
    """Before a batch's write transaction: the aggregate of each existing hot spot the batch will join that this
    process does not hold (after a start, or after another process wrote the hot spot), computed as `refresh`
    does. Inside the transaction `_Joins` adds to it incrementally if the hot spot's row is still the one read
    here (its updated_at and size); otherwise it refreshes there, as without this. The row is read before the
    members, so a write in between shows as a newer updated_at. On SQLite every writer waits while the batch's
    transaction runs, and a refresh of a hot spot of 800 members in it took ≈ 20 ms."""
    key_of = {pk: key for key, linked in links if len(linked) >= 2 for pk in linked}
    spot_key = {}
    for appeal_id, spot_id in HotSpotMember.objects.filter(appeal_id__in_ids=set(key_of)).values_list(
        "appeal_id", "hotspot_id"
    ):
        spot_key.setdefault(spot_id, key_of[appeal_id])
    for spot in HotSpot.objects.filter(pk__in_ids=set(spot_key)):
        if _holds(_SPOTS.get(spot.pk), spot):
            continue
        computed = _aggregate(spot, _INDEXES.get(spot_key[spot.pk]))
        if computed is not None and computed[2].n == spot.size:
            _remember(spot, computed[2], computed[3])


def rebuild_hotspots() -> int:
    """Every hot spot recomputed from its members (`refresh`): growth moves with the clock even when no appeal
    joins, and a member deleted with its appeal leaves the summary only here. Returns how many."""
    count = 0
    for spot in HotSpot.objects.order_by("pk").iterator():
        with transaction.atomic():
            locked = HotSpot.objects.select_for_update().filter(pk=spot.pk).first()
            if locked is not None:
                refresh(locked)
                count += 1
    return count


def analyse(appeal_id: int) -> dict | Exception:
    """What the analyse_appeal task does for one appeal: the prediction (and auto-dispatch), then the hot-spot
    join, each in its own transaction; both run even if one fails. Returns the task's result, or the first
    error."""
    out, errors = {"appeal": appeal_id}, []
    try:
        prediction = record_prediction(appeal_id)
        out["confidence"] = prediction.confidence if prediction else None
    except Exception as exc:
        errors.append(exc)
    try:
        spot = update_hotspots(appeal_id)
        out["hotspot"] = spot.pk if spot else None
    except Exception as exc:
        errors.append(exc)
    return errors[0] if errors else out


def analyse_many(appeal_ids: list[int], record=None) -> dict[int, dict | Exception]:
    """`analyse` for several appeals (in this order) with one classifier call, one read of the appeals and one
    transaction for all their writes; `record(outcomes)` runs inside that transaction (the task rows' results
    commit with the writes). Each appeal's result is the one `analyse` gives it alone, in the same order: the
    CPU side (classifier, hot-spot index) runs first without a transaction, then the writes in order.

    If anything fails, the transaction rolls back and every appeal is analysed again on its own (`analyse`),
    so one bad appeal fails only its own task; `record` is then called after, outside any transaction."""
    try:
        return _analyse_together(appeal_ids, record)
    except Exception:
        logger.warning("analysing appeals %s together failed; one by one instead", appeal_ids, exc_info=True)
    outcomes = {pk: analyse(pk) for pk in appeal_ids}
    if record is not None:
        record(outcomes)
    return outcomes


def _analyse_together(appeal_ids: list[int], record) -> dict[int, dict | Exception]:
    by_pk = Appeal.objects.select_related(REGION_CHAIN).in_bulk(appeal_ids)
    appeals = [by_pk[pk] for pk in dict.fromkeys(appeal_ids) if pk in by_pk]
    results = services.classify_many([(a.title, a.content, a.region, a.category_id) for a in appeals])
    with _batch_reads(appeals):
        links = [_link(appeal) for appeal in appeals]
    _prewarm(links)
    outcomes: dict[int, dict | Exception] = {
        pk: {"appeal": pk, "confidence": None, "hotspot": None} for pk in appeal_ids
    }
    with transaction.atomic():
        predictions = _save_predictions(list(zip(appeals, results, strict=True)))
        for appeal, result in zip(appeals, results, strict=True):
            _auto_dispatch(appeal, result, predictions[appeal.pk])
            outcomes[appeal.pk]["confidence"] = predictions[appeal.pk].confidence
        joins = _Joins(links)
        for appeal, (key, linked) in zip(appeals, links, strict=True):
            spot = joins.join(key, linked) if len(linked) >= 2 else None
            outcomes[appeal.pk]["hotspot"] = spot.pk if spot else None
        joins.flush()
        if record is not None:
            record(outcomes)
    return outcomes

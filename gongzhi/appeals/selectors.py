"""Every read of appeals, scoped to the user (spec §7)."""

from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When

from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.masking import mask_id_number, mask_name, mask_phone

from .choices import OPEN_STATES, Light
from .models import Appeal

COUNTY_WIDE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)


def visible_appeals(user) -> QuerySet[Appeal]:
    """A resident sees their own; a handler their unit's (lead or co-unit); community staff and grid
    workers their region's; the hotline centre, supervisors and leaders the whole county."""
    qs = Appeal.objects.select_related("region", "category", "lead_unit")
    if user is None or not user.is_authenticated:
        return qs.none()
    if user.has_role(*COUNTY_WIDE_ROLES):
        return qs
    scope = Q(pk__in=[])
    if user.has_role(Role.HANDLER) and user.unit_id:
        scope |= Q(lead_unit_id=user.unit_id) | Q(co_units=user.unit_id)
    if user.has_role(Role.COMMUNITY_STAFF, Role.GRID_WORKER, Role.PARTY_MEMBER) and user.region_id:
        region = user.region
        scope |= Q(region__path__startswith=region.path)
        if region.level == RegionLevel.GRID and region.parent_id:
            # Residents file at their community (their form lists communities, not staff's grids): the community's
            # grid workers see those too, not the other grids' appeals.
            scope |= Q(region_id=region.parent_id)
    if user.has_role(Role.GRID_WORKER, Role.PARTY_MEMBER, Role.COMMUNITY_STAFF):
        scope |= Q(first_receiver=user)
    scope |= Q(appellant=user)
    return qs.filter(scope).distinct()


def similar_candidates() -> QuerySet[Appeal]:
    """The open appeals that may be shown to anyone as "the same problem, already reported" (after a submission,
    and to co-sign): never a confidential one, whose appellant chose that the unit alone hears it."""
    return Appeal.objects.filter(state__in=OPEN_STATES, confidential=False)


def can_unmask(user, appeal: Appeal) -> bool:
    """Full numbers only for the first receiver, the lead unit's handler (unless confidential) and supervisors;
    never for an anonymous appeal."""
    if user is None or not user.is_authenticated:
        return False
    if appeal.appellant_id == user.pk:
        return True
    if appeal.anonymous:  # the appellant chose to stay unknown: nobody else may unmask them
        return False
    if user.has_role(Role.SUPERVISOR):
        return True
    if appeal.first_receiver_id == user.pk:
        return True
    return (
        user.has_role(Role.HANDLER)
        and user.unit_id is not None
        and user.unit_id == appeal.lead_unit_id
        and not appeal.confidential
    )


def hides_identity(user, appeal: Appeal) -> bool:
    """Confidential appeals hide the appellant from the handling units; anonymous ones from everyone."""
    if appeal.appellant_id == getattr(user, "pk", None):
        return False
    if appeal.anonymous:
        return True
    if not appeal.confidential:
        return False
    if user is None or not getattr(user, "is_authenticated", False):
        return True
    return not (
        user.has_role(Role.SUPERVISOR, Role.OPERATOR, Role.DISPATCHER) or appeal.first_receiver_id == user.pk
    )


def appellant_for(user, appeal: Appeal) -> dict:
    """What this user may read of the appellant: masked numbers, or nothing when hidden."""
    if hides_identity(user, appeal):
        label = "匿名" if appeal.anonymous else "保密"
        return {
            "name": label,
            "phone": "",
            "contact_phone": "",
            "id_number": "",
            "hidden": True,
            "can_reveal": False,
        }
    own = appeal.appellant_id == getattr(user, "pk", None)
    return {
        "name": appeal.appellant_name if own or not appeal.confidential else mask_name(appeal.appellant_name),
        "phone": appeal.appellant_phone if own else mask_phone(appeal.appellant_phone),
        "contact_phone": appeal.contact_phone if own else mask_phone(appeal.contact_phone),
        "id_number": appeal.appellant_id_number if own else mask_id_number(appeal.appellant_id_number),
        "hidden": False,
        "can_reveal": not own
        and can_unmask(user, appeal)
        and bool(appeal.appellant_phone or appeal.appellant_id_number),
    }


def timeline(appeal: Appeal):
    return appeal.events.select_related("actor", "unit").order_by("created_at", "id")


def light_q(light: str, now) -> Q:
    """The appeals whose traffic light is `light` at `now`, as a query on the stored board times (deadlines.
    stored_light as SQL: red when now > next_due, yellow from warn_at, green before it, none when the appeal
    waits on nothing), so filtering by light is an indexed comparison, not a pass over every open appeal."""
    if light == Light.RED:
        return Q(next_due__lt=now)
    if light == Light.YELLOW:
        return Q(warn_at__lte=now, next_due__gte=now)
    if light == Light.GREEN:
        return Q(warn_at__gt=now)
    if light == Light.NONE:
        return Q(next_due__isnull=True)
    raise ValueError(f"unknown light {light!r}")


QUEUE_SORTS = ("urgent", "newest", "oldest")


def queue_order(qs: QuerySet[Appeal], sort: str, now) -> QuerySet[Appeal]:
    """A work queue in the order chosen: `urgent` (the default) red first, then yellow, then the soonest due of the
    step each appeal waits on (dispatch, sign, contact, reply or callback: the stored next_due), then those waiting
    on nothing; `newest` / `oldest` by receipt."""
    if sort == "newest":
        return qs.order_by("-received_at", "-id")
    if sort == "oldest":
        return qs.order_by("received_at", "id")
    rank = Case(
        When(next_due__lt=now, then=Value(0)),
        When(warn_at__lte=now, then=Value(1)),
        When(next_due__isnull=False, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return qs.annotate(queue_rank=rank).order_by(
        "queue_rank", F("next_due").asc(nulls_last=True), "-received_at", "-id"
    )


class UrgentQueue:
    """`queue_order(qs, "urgent")` a page at a time, for Paginator: the appeals waiting on a step (next_due set, a few
    per cent of all) in urgency order, then the rest newest first, each part its own query. The one-query form sorts
    every appeal the user may see by a computed rank, where the list used to read the newest from an index."""

    def __init__(self, qs: QuerySet[Appeal], now):
        base = qs.select_related("first_receiver")
        self.waiting = queue_order(base.filter(next_due__isnull=False), "urgent", now)
        self.rest = base.filter(next_due__isnull=True).order_by("-received_at", "-id")
        self._waiting_count = self._count = None

    def count(self) -> int:
        if self._count is None:
            self._waiting_count = self.waiting.count()
            self._count = self._waiting_count + self.rest.count()
        return self._count

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, key):
        if isinstance(key, int):
            return self[key : key + 1][0]
        self.count()
        start, stop, split = (
            key.start or 0,
            key.stop if key.stop is not None else self._count,
            self._waiting_count,
        )
        items = list(self.waiting[start : min(stop, split)]) if start < split else []
        if stop > split:
            items += list(self.rest[max(start - split, 0) : stop - split])
        return items


def next_in_queue(qs, current_id: int, limit: int = 500) -> int | None:
    """The appeal after `current_id` in the ordered queue `qs` (a queryset or an UrgentQueue); the queue's first when
    the current one has left it (dispatched, answered …). None when the queue holds nothing else."""
    ids = [appeal.pk for appeal in qs[:limit]]
    if current_id in ids:
        at = ids.index(current_id)
        rest = ids[at + 1 :] or ids[:at]
        return rest[0] if rest else None
    return ids[0] if ids else None


def overdue_board(qs: QuerySet[Appeal], now) -> tuple[QuerySet[Appeal], dict]:
    """The overdue board over `qs`: appeals whose light is red or yellow (from the stored board times,
    deadlines.board_fields), red first then by the earliest due — one range on a partial index, so it
    never reads closed appeals — and the red and yellow counts per lead unit and in all."""
    flagged = qs.filter(warn_at__lte=now)
    red = Q(next_due__lt=now)
    # A scoped user's queryset is DISTINCT (joins on co-units): count over its ids, not its joined rows.
    # COUNT(next_due) (never null on the board), not COUNT(id): every column read is in appeal_board_warn,
    # so the counts are an index-only scan.
    base = Appeal.objects.filter(pk__in=flagged.values("pk")) if qs.query.distinct else flagged
    per_unit = list(
        base.order_by()
        .values("lead_unit", "lead_unit__name")
        .annotate(red=Count("next_due", filter=red), yellow=Count("next_due", filter=~red))
        .order_by("-red", "-yellow", "lead_unit__name")
    )
    counts = {
        "red": sum(r["red"] for r in per_unit),
        "yellow": sum(r["yellow"] for r in per_unit),
        "units": per_unit,
    }
    # Red (next_due < now) sorts before yellow (next_due >= now) by next_due alone.
    return flagged.order_by("next_due", "pk"), counts


def active_category_by_code(code: str):
    """The active category with this code (its parents loaded, so `lineage()` needs no query), or None. Cached per
    process (core.refcache): the instance is shared, do not change it."""
    from gongzhi.core import refcache

    from .models import Category

    return refcache.cached(
        refcache.REFERENCE,
        ("active_category", code),
        lambda: (
            Category.objects.using(refcache.DB)
            .select_related("parent__parent__parent")
            .filter(code=code, is_active=True)
            .first()
        ),
    )


def home_community(user):
    """The community a resident lives in, to preselect on their appeal form: the region of their account, else
    that of their latest appeal; None when neither says."""
    if user is None or not user.is_authenticated:
        return None
    region = user.region
    if region is None:
        latest = (
            Appeal.objects.filter(appellant=user).select_related("region").order_by("-received_at").first()
        )
        region = latest.region if latest else None
    return region.ancestor_at(RegionLevel.COMMUNITY) if region is not None else None


MAP_LIMIT = 5000  # pins on one map: the most recent this many of the filter (the page says when more matched)


def stored_light(next_due, warn_at, now) -> str:
    """light_q's rule on one row's stored board times (the map reads them with values(), no model)."""
    if next_due is None:
        return Light.NONE
    if next_due < now:
        return Light.RED
    if warn_at is not None and warn_at <= now:
        return Light.YELLOW
    return Light.GREEN


def map_points(qs: QuerySet[Appeal], now, limit: int = MAP_LIMIT) -> dict:
    """The appeals of `qs` that have a place, as map pins (WGS-84): {"count", "truncated", "points": [{id, number,
    title, longitude, latitude, light}]}, newest first. `qs` is already scoped (visible_appeals) and filtered."""
    rows = list(
        qs.filter(longitude__isnull=False, latitude__isnull=False)
        .order_by("-received_at", "-id")
        .values_list("pk", "number", "title", "longitude", "latitude", "next_due", "warn_at")[: limit + 1]
    )
    points = [
        {
            "id": pk,
            "number": number,
            "title": title,
            "longitude": float(lon),
            "latitude": float(lat),
            "light": stored_light(next_due, warn_at, now),
        }
        for pk, number, title, lon, lat, next_due, warn_at in rows[:limit]
    ]
    return {"count": len(points), "truncated": len(rows) > limit, "points": points}

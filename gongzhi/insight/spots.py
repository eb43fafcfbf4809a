"""Stored hot spots as people meet them: the heat told in words, a name staff give one, and the daily cooling.

* `heat_words(spot)`: how many people, since when, growing or cooling — what the list and the wall screen say
  instead of a formula (the formula is in docs/insight.md §3);
* `rename_hotspot(actor, pk, name)`: a name that sticks (the computed label goes on changing underneath and comes
  back when the name is cleared), written to the audit trail;
* `cool_hotspots()`: daily, the hot spots that had no new appeal for a day are summarised again, so their growth
  and heat follow the clock (a quiet hot spot cools: docs/insight.md §3).
"""

from collections import Counter
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.choices import Role
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import append_audit_event

from . import charts, hotspots
from .models import HotSpot, HotSpotMember

RENAME_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
NAME_CHARS = 60
SPARK_DAYS = 30
COOL_WITHIN_DAYS = 400  # older hot spots have cooled to the bottom of the list already


def list_thresholds() -> tuple[int, int]:
    """(appeals, distinct residents) a hot spot needs to be listed: settings GONGZHI["HOTSPOT_MIN_SIZE"] and
    ["HOTSPOT_MIN_RESIDENTS"], defaults 3 and 2."""
    conf = settings.GONGZHI
    return (
        int(conf.get("HOTSPOT_MIN_SIZE", hotspots.MIN_SIZE)),
        int(conf.get("HOTSPOT_MIN_RESIDENTS", hotspots.MIN_RESIDENTS)),
    )


def heat_words(spot: HotSpot, now=None, short: bool = False) -> str:
    """ "12 位居民反映 15 件 · 自 3月2日起 · 近两周明显增多，仍在升温" — the heat as a leader reads it (`short`: without
    the start, for the wall screen)."""
    now = now or timezone.now()
    parts = [_("%(p)s 位居民反映 %(n)s 件") % {"p": spot.residents, "n": spot.size}]
    if spot.start and not short:
        start = timezone.localtime(spot.start)
        parts.append(_("自 %(d)s起") % {"d": f"{start.year}年{start.month}月{start.day}日"})
    quiet = (now - spot.end).days if spot.end else None
    if quiet is not None and quiet >= hotspots.GROWTH_DAYS:
        parts.append(_("已 %(d)s 天无新诉求，正在降温") % {"d": quiet})
    elif spot.growth > 0.1:
        parts.append(_("近两周明显增多，仍在升温"))
    elif spot.growth < -0.1:
        parts.append(_("近两周有所减少"))
    else:
        parts.append(_("近两周持平"))
    return " · ".join(parts)


def hotspot_rows(user, limit: int = 50, only: int | None = None) -> list[dict]:
    """The hot spots that have appeals this user may see, ranked by heat; members anonymised (no names).

    The stored hot spots are read in heat order (index insight_hotspot_rank) and kept while one of their
    members is visible, so the page stops after `limit` rows whatever the number of appeals; the members of
    all the rows come in one query. `only`: that hot spot's row alone, if the user may see it, with its rank."""
    from django.db.models import Exists, F, OuterRef, Q

    from gongzhi.appeals.selectors import COUNTY_WIDE_ROLES

    visible = visible_appeals(user)
    members_q = HotSpotMember.objects.filter(hotspot=OuterRef("pk"))
    if not user.has_role(*COUNTY_WIDE_ROLES):  # the county-wide roles see every appeal: no need to ask which
        members_q = members_q.filter(appeal__in=visible.values("pk"))
    min_size, min_residents = list_thresholds()
    listed = HotSpot.objects.filter(Exists(members_q), size__gte=min_size, residents__gte=min_residents)
    first_rank = 1
    if only is not None:
        spot = listed.filter(pk=only).first()
        if spot is None:
            return []
        ahead = (
            Q(heat__gt=spot.heat)
            | Q(heat=spot.heat, size__gt=spot.size)
            | Q(heat=spot.heat, size=spot.size, pk__lt=spot.pk)
        )
        first_rank = listed.filter(ahead).count() + 1
        listed = listed.filter(pk=only)
    spots = list(listed.order_by("-heat", "-size", "pk")[:limit])
    by_spot: dict[int, list] = {spot.pk: [] for spot in spots}
    in_spots = (
        visible.filter(hotspot_membership__hotspot__in=spots)
        .annotate(spot_id=F("hotspot_membership__hotspot"))
        .order_by("received_at", "pk")
    )
    for appeal in in_spots:
        by_spot[appeal.spot_id].append(appeal)
    today = timezone.localdate()
    rows = []
    for rank, spot in enumerate(spots, first_rank):
        members = by_spot[spot.pk]
        per_day = Counter(timezone.localtime(a.received_at).date() for a in members)
        end = max(today, max(per_day, default=today))
        spark = [per_day.get(end - timedelta(days=k), 0) for k in range(SPARK_DAYS - 1, -1, -1)]
        rows.append(
            {
                "rank": rank,
                "spot": spot,
                "members": members,
                "spark": charts.sparkline(spark),
                "spark_id": f"spark-{spot.pk}",
                "heat_words": heat_words(spot),
            }
        )
    return rows


def hotspot_points(rows: list[dict], link: str = "") -> list[dict]:
    """The hot spots on a map: each at the centroid of its visible appeals that have a place (core.geo.centroid)."""
    from gongzhi.core.geo import centroid

    points = []
    for row in rows:
        spot = row["spot"]
        at = centroid((a.longitude, a.latitude) for a in row["members"])
        if at is None:
            continue
        points.append(
            {
                "name": f"#{row['rank']} {spot.title or '—'}",
                "kind_class": "hot",
                "id": spot.pk,
                "subtitle": _("%(n)s 件诉求 · %(p)s 位居民")
                % {"n": len(row["members"]), "p": spot.residents},
                "longitude": round(at[0], 6),
                "latitude": round(at[1], 6),
                "url": f"{link}#hotspot-{spot.pk}",
            }
        )
    return points


def rename_hotspot(actor, hotspot_id: int, name: str) -> HotSpot:
    """Give a hot spot a name people read (blank: back to the computed label)."""
    if not actor.has_role(*RENAME_ROLES):
        raise ServiceError(_("只有领导、督办、派单员和管理员可以为热点命名。"), code="forbidden")
    name = " ".join((name or "").split())
    if len(name) > NAME_CHARS:
        raise ServiceError(_("名称最多 %(n)s 个字。") % {"n": NAME_CHARS}, field="name")
    with transaction.atomic():
        spot = HotSpot.objects.select_for_update().filter(pk=hotspot_id).first()
        if spot is None:
            raise ServiceError(_("热点不存在。"), code="not_found")
        if spot.name == name:
            return spot
        before = {"name": spot.name, "label": spot.label}
        spot.name = name
        spot.save(update_fields=["name"])
        append_audit_event(
            actor,
            "hotspot_rename",
            target=f"hotspot:{spot.pk}",
            before=before,
            after={"name": name, "label": spot.label},
        )
    return spot


def cool_hotspots(now=None) -> int:
    """Summarise again the hot spots with no new appeal for a day (their heat and growth follow the clock);
    returns how many. Idempotent: a second run the same day finds them fresh."""
    from . import live

    now = now or timezone.now()
    stale = (
        HotSpot.objects.filter(
            end__gte=now - timedelta(days=COOL_WITHIN_DAYS), updated_at__lt=now - timedelta(days=1)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in stale.iterator():
        with transaction.atomic():
            spot = HotSpot.objects.select_for_update().filter(pk=pk).first()
            if spot is not None:
                live.refresh(spot)
                count += 1
    return count

"""Nearby duplicates while an appeal is typed (appeals spec §6, issue J item 3).

`nearby_similar(user, title=…, content=…, region=…, latitude=…, longitude=…)` → the open appeals of the last
`NEARBY_DAYS` (30) in the same community as `region` or within `NEARBY_RADIUS_M` (250 m) of the point whose text is
like the draft (the MinHash/LSH duplicate index of insight.duplicates, Jaccard ≥ 0.3 on character 3-grams), most
similar first, as dicts {"appeal", "similarity", "distance_m"} (distance None when either side has no coordinates).

Who sees what: a resident (or anyone without an account) gets only appeals that are not confidential
(appeals.selectors.similar_candidates) and their titles with personal data removed (core.redaction); hotline,
dispatch and supervision staff get every open appeal they may read, titles as written.
`cosign_nearby` lets a resident join one of these instead of submitting their own (附议), checked against the same
list so that nobody co-signs an appeal they were not shown.
"""

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.choices import OPEN_STATES
from gongzhi.appeals.models import Appeal
from gongzhi.appeals.selectors import COUNTY_WIDE_ROLES, similar_candidates, visible_appeals
from gongzhi.core import geodesy
from gongzhi.core.choices import RegionLevel
from gongzhi.core.conf import setting
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Region
from gongzhi.core.redaction import redact_appeal

from . import duplicates

MIN_TEXT = 4
LIMIT = 5


def radius_m() -> int:
    return int(setting("NEARBY_RADIUS_M"))


def window() -> timedelta:
    return timedelta(days=int(setting("NEARBY_DAYS")))


def sees_everything(user) -> bool:
    return bool(
        user is not None and getattr(user, "is_authenticated", False) and user.has_role(*COUNTY_WIDE_ROLES)
    )


def community_of(region: Region | None) -> Region | None:
    """The community a region lies in (a grid's parent); None above community level."""
    if region is None:
        return None
    if region.level == RegionLevel.COMMUNITY:
        return region
    if region.level == RegionLevel.GRID and region.parent_id:
        return region.parent
    return None


def parse_place(region, latitude, longitude) -> tuple[Region | None, float | None, float | None]:
    """Checks the optional place fields; a clear Chinese error for each bad one."""
    found = None
    if isinstance(region, Region):
        found = region
    elif region not in (None, ""):
        try:
            found = Region.objects.select_related("parent").filter(pk=int(region)).first()
        except (TypeError, ValueError):
            found = None
        if found is None:
            raise ServiceError(_("所选区域不存在。"), field="region")
    has_lat, has_lon = latitude not in (None, ""), longitude not in (None, "")
    if has_lat != has_lon:
        raise ServiceError(_("经度和纬度须同时填写。"), field="latitude" if not has_lat else "longitude")
    if has_lat and not geodesy.valid_point(latitude, longitude):
        raise ServiceError(
            _("经纬度无效：纬度须在 -90 到 90 之间，经度须在 -180 到 180 之间。"), field="latitude"
        )
    lat = float(latitude) if has_lat else None
    lon = float(longitude) if has_lon else None
    return found, lat, lon


def nearby_similar(
    user,
    *,
    title: str = "",
    content: str = "",
    region: Region | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    limit: int = LIMIT,
    exclude: int | None = None,
) -> list[dict]:
    text = duplicates.appeal_text(title, content).strip()
    community = community_of(region)
    if len(text) < MIN_TEXT or (community is None and latitude is None):
        return []
    if sees_everything(user):
        qs = visible_appeals(user).filter(state__in=OPEN_STATES)
    else:
        qs = similar_candidates()
    qs = qs.filter(received_at__gte=timezone.now() - window())
    place = Q(pk__in=[])
    if community is not None:
        place |= Q(region__path__startswith=community.path)
    if latitude is not None:
        lat_lo, lat_hi, lon_lo, lon_hi = geodesy.bounding_box(latitude, longitude, radius_m())
        place |= Q(latitude__gte=lat_lo, latitude__lte=lat_hi, longitude__gte=lon_lo, longitude__lte=lon_hi)
    qs = qs.filter(place)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    index = duplicates.DuplicateIndex(duplicates.THRESHOLD)
    by_pk: dict[int, tuple[Appeal, float | None]] = {}
    for appeal in qs.select_related("region", "appellant").order_by("-received_at")[:2000]:
        distance = geodesy.haversine_m(latitude, longitude, appeal.latitude, appeal.longitude)
        in_community = community is not None and appeal.region.path.startswith(community.path)
        if not in_community and (distance is None or distance > radius_m()):
            continue  # the box's corners lie outside the circle
        by_pk[appeal.pk] = (appeal, distance)
        index.add(appeal.pk, duplicates.appeal_text(appeal.title, appeal.content))
    out = []
    for candidate in index.query(text)[:limit]:
        assert isinstance(candidate.key, int)  # the index holds appeals' pks (above)
        appeal, distance = by_pk[candidate.key]
        out.append(
            {
                "appeal": appeal,
                "similarity": candidate.jaccard,
                "distance_m": None if distance is None else round(distance),
            }
        )
    return out


def rows(user, found: list[dict]) -> list[dict]:
    """The wire form: {"id", "number", "title", "similarity", "distance_m"} (and what pages show besides)."""
    full = sees_everything(user)
    return [
        {
            "id": f["appeal"].pk,
            "number": f["appeal"].number,
            "title": f["appeal"].title if full else redact_appeal(f["appeal"])[0],
            "similarity": f["similarity"],
            "distance_m": f["distance_m"],
            "status": f["appeal"].status_label,
            "received_at": f["appeal"].received_at,
        }
        for f in found
    ]

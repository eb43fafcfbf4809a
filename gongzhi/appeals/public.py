"""What anyone may read about appeals without an account: counts by place (appeals spec §7).

`density(resolution)` counts the appeals received in the last 90 days by H3 cell of their coordinates and keeps only
the cells with at least `GONGZHI_DENSITY_MIN_COUNT` appeals (k-anonymity: default 5, a lower setting is raised to 5),
so that no cell points at a handful of households. No text, no ids: [{"h3", "count"}]. Cached briefly."""

from collections import Counter
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import geodesy
from gongzhi.core.conf import setting
from gongzhi.core.errors import ServiceError

from .choices import AppealState
from .models import Appeal

K_FLOOR = 5
WINDOW = timedelta(days=90)
CACHE_SECONDS = 300


def min_count() -> int:
    """The smallest count a public cell may show: the setting, never below 5."""
    try:
        value = int(setting("DENSITY_MIN_COUNT"))
    except (TypeError, ValueError):
        value = K_FLOOR
    return max(K_FLOOR, value)


def parse_resolution(value) -> int:
    if value in (None, ""):
        return 8
    try:
        resolution = int(str(value).strip())
    except ValueError:
        resolution = -1
    if not geodesy.MIN_RESOLUTION <= resolution <= geodesy.MAX_RESOLUTION:
        raise ServiceError(
            _("resolution 须是 %(lo)d 到 %(hi)d 之间的整数。")
            % {"lo": geodesy.MIN_RESOLUTION, "hi": geodesy.MAX_RESOLUTION},
            field="resolution",
        )
    return resolution


def density(resolution: int = 8, *, now=None) -> list[dict]:
    k = min_count()
    key = f"public-density:{resolution}:{k}"
    if now is None:
        cached = cache.get(key)
        if cached is not None:
            return cached
    import h3

    since = (now or timezone.now()) - WINDOW
    points = (
        Appeal.objects.filter(
            received_at__gte=since, latitude__isnull=False, longitude__isnull=False, confidential=False
        )
        .exclude(state=AppealState.MERGED)
        .values_list("latitude", "longitude")
    )
    counts = Counter(
        h3.latlng_to_cell(float(lat), float(lon), resolution)
        for lat, lon in points.iterator()
        if lat is not None and lon is not None and geodesy.valid_point(lat, lon)
    )
    out = [
        {"h3": cell, "count": n} for cell, n in sorted(counts.items(), key=lambda c: (-c[1], c[0])) if n >= k
    ]
    if now is None:
        cache.set(key, out, CACHE_SECONDS)
    return out

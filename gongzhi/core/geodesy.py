"""Distances and grid cells on WGS-84 coordinates, in one place.

* `haversine_m(lat1, lon1, lat2, lon2)`: the great-circle distance in metres (mean Earth radius 6,371,008.8 m);
  within 0.5 % of the ellipsoidal distance, far finer than the 250 m a "nearby" appeal is.
* `snap(lat, lon)`: the centre of the H3 cell (resolution 9, edge ≈ 174 m, area ≈ 0.1 km², i.e. ~150 m apart) that
  holds the point: what the public sees instead of where a resident stands.
* `cell(lat, lon, resolution)`: the H3 cell id, for counts by place (the public density map).
"""

from decimal import Decimal
from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_M = 6_371_008.8
PUBLIC_RESOLUTION = 9
MIN_RESOLUTION, MAX_RESOLUTION = 5, 9


def _f(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def valid_point(lat, lon) -> bool:
    lat, lon = _f(lat), _f(lon)
    return lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180


def haversine_m(lat1, lon1, lat2, lon2) -> float | None:
    """Metres between two points; None when either point is missing."""
    values = [_f(v) for v in (lat1, lon1, lat2, lon2)]
    if any(v is None for v in values):
        return None
    p1, l1, p2, l2 = (radians(v) for v in values)
    a = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * asin(min(1.0, sqrt(a)))


def bounding_box(lat, lon, radius_m: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) around a point: a cheap database prefilter before haversine."""
    lat, lon = float(lat), float(lon)
    dlat = radius_m / 111_320.0
    dlon = radius_m / (111_320.0 * max(cos(radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def cell(lat, lon, resolution: int = PUBLIC_RESOLUTION) -> str | None:
    import h3

    if not valid_point(lat, lon):
        return None
    return h3.latlng_to_cell(float(lat), float(lon), resolution)


def snap(lat, lon, resolution: int = PUBLIC_RESOLUTION) -> tuple[float, float] | tuple[None, None]:
    """The centre of the point's H3 cell, rounded to 6 decimals (the stored precision)."""
    import h3

    c = cell(lat, lon, resolution)
    if c is None:
        return None, None
    clat, clon = h3.cell_to_latlng(c)
    return round(clat, 6), round(clon, 6)


def as_decimal(value) -> Decimal | None:
    f = _f(value)
    return None if f is None else Decimal(str(round(f, 6)))

"""Region boundaries and `locate`: which region a point (WGS-84 longitude, latitude) lies in.

A boundary is a GeoJSON Polygon or MultiPolygon in WGS-84, checked by `clean_boundary` (shapely) before it is kept.
`locate` answers with the deepest region (grid before community before street before county) whose boundary covers
the point; a point on the edge between two regions of one level goes to the one with the smaller code, so the
answer never depends on the order rows were read in.

The boundaries are read once per process into a shapely STRtree of prepared geometries and kept in the reference
cache (core.refcache): any edit of a region (admin, `import_boundaries`, the demo) gives the cache a new token and
the next `locate` builds the index again. bench/locate.py measures it.
"""

import json
import math
from dataclasses import dataclass

import numpy
import shapely
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import mapping, shape
from shapely.validation import explain_validity

from . import refcache
from .choices import REGION_LEVEL_ORDER

POLYGON_TYPES = ("Polygon", "MultiPolygon")
# The keys that civil-affairs administrative-division files use for a division's code, in the order tried.
CODE_KEYS = ("code", "adcode", "gb", "GB", "CODE", "ADCODE", "xzqdm", "XZQDM", "region_code")
NAME_KEYS = ("name", "NAME", "xzqmc", "XZQMC")


class BoundaryError(ValueError):
    """A boundary that cannot be kept; `message` is for people (Chinese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _geometry_of(value):
    """The geometry mapping in `value`: a mapping, a Feature, or JSON text of either."""
    if isinstance(value, (str, bytes)):
        try:
            value = json.loads(value)
        except ValueError:
            raise BoundaryError(_("边界不是有效的 GeoJSON 文本。")) from None
    if not isinstance(value, dict):
        raise BoundaryError(_("边界须是 GeoJSON 对象（Polygon 或 MultiPolygon）。"))
    if value.get("type") == "Feature":
        value = value.get("geometry")
        if not isinstance(value, dict):
            raise BoundaryError(_("要素没有几何图形。"))
    return value


def to_shape(value):
    """A checked shapely geometry for a boundary (see `clean_boundary`)."""
    value = _geometry_of(value)
    kind = value.get("type")
    if kind not in POLYGON_TYPES:
        raise BoundaryError(
            _("边界须是面（Polygon 或 MultiPolygon），不能是「%(kind)s」。") % {"kind": kind or "—"}
        )
    try:
        geometry = shape(value)
    except Exception:  # shapely raises several kinds for malformed coordinates
        raise BoundaryError(_("边界的坐标格式不正确。")) from None
    if geometry.is_empty:
        raise BoundaryError(_("边界是空的。"))
    min_x, min_y, max_x, max_y = geometry.bounds
    if (
        not all(math.isfinite(v) for v in geometry.bounds)
        or min_x < -180
        or max_x > 180
        or min_y < -90
        or max_y > 90
    ):
        raise BoundaryError(_("边界坐标须是 WGS-84 经纬度（经度 -180～180，纬度 -90～90）。"))
    if not geometry.is_valid:
        raise BoundaryError(
            _("边界图形无效（%(why)s），请检查是否自相交或未闭合。") % {"why": explain_validity(geometry)}
        )
    return geometry


def clean_boundary(value) -> dict | None:
    """The boundary as it is kept (a GeoJSON geometry mapping), or None for an empty value; BoundaryError if it
    is not a valid Polygon/MultiPolygon in WGS-84 ranges."""
    if value in (None, "", {}):
        return None
    return _as_json(mapping(to_shape(value)))


def _as_json(value):
    """shapely's mapping holds tuples; the database gives lists back: keep what equals what is read."""
    return json.loads(json.dumps(value))


# ---------------------------------------------------------------- locate


@dataclass(frozen=True)
class Located:
    id: int
    code: str
    name: str
    level: str
    path: str


class _Index:
    def __init__(self, rows):
        self.regions, geometries = [], []
        for pk, code, name, level, path, boundary in rows:
            try:
                geometry = to_shape(boundary)
            except BoundaryError:
                continue  # a row written behind the service's back; it cannot be located, the others still can
            shapely.prepare(geometry)
            self.regions.append(Located(pk, code, name, level, path))
            geometries.append(geometry)
        self.geometries = numpy.array(geometries, dtype=object)
        self.tree = shapely.STRtree(geometries) if geometries else None
        depth = {level: n for n, level in enumerate(REGION_LEVEL_ORDER)}
        # deeper first, then the smaller code: the order `locate` prefers
        self.rank = [(-depth.get(r.level, 0), r.code) for r in self.regions]

    def locate(self, lon: float, lat: float) -> Located | None:
        if self.tree is None:
            return None
        point = shapely.Point(lon, lat)
        candidates = self.tree.query(point)  # by bounding box
        if len(candidates) == 0:
            return None
        # inside or on the edge; the prepared polygons answer in about log(vertices)
        hits = candidates[shapely.intersects(self.geometries[candidates], point)]
        if len(hits) == 0:
            return None
        best = min(hits, key=lambda i: self.rank[i])
        return self.regions[best]


def _load_index() -> _Index:
    from .models import Region

    rows = (
        Region.with_boundary.using(refcache.DB)
        .filter(boundary__isnull=False)
        .values_list("pk", "code", "name", "level", "path", "boundary")
    )
    return _Index(list(rows))


def region_index() -> _Index:
    return refcache.cached(refcache.REFERENCE, "region_boundaries", _load_index)


def locate(longitude, latitude) -> Located | None:
    """The deepest region whose boundary covers the WGS-84 point, or None (outside every boundary, or none kept)."""
    try:
        lon, lat = float(longitude), float(latitude)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return region_index().locate(lon, lat)


def locate_region(longitude, latitude):
    """`locate`'s answer as a Region (cached, shared: do not change it), or None."""
    from .selectors import region_by_code

    found = locate(longitude, latitude)
    return region_by_code(found.code) if found is not None else None


# ---------------------------------------------------------------- changing boundaries


def set_boundary(actor, region, boundary) -> bool:
    """Give `region` a checked boundary (None clears it); writes the audit trail. True when it changed."""
    from .models import Region, append_audit_event

    cleaned = clean_boundary(boundary)
    with transaction.atomic():
        before = Region.with_boundary.select_for_update().values_list("boundary", flat=True).get(pk=region.pk)
        if before == cleaned:
            return False
        Region.objects.filter(pk=region.pk).update(boundary=cleaned)
        refcache.forget()
        append_audit_event(
            actor,
            "set_region_boundary",
            target=f"core.region:{region.code}",
            note=region.name,
            before={"boundary": _summary(before)},
            after={"boundary": _summary(cleaned)},
        )
    return True


def _summary(boundary) -> dict | None:
    """What the audit trail keeps of a boundary: its kind, extent and a digest (not megabytes of coordinates)."""
    if not boundary:
        return None
    import hashlib

    geometry = shape(boundary)
    text = json.dumps(boundary, sort_keys=True, separators=(",", ":"))
    return {
        "type": boundary.get("type"),
        "bounds": [round(v, 6) for v in geometry.bounds],
        "area_km2": round(_area_km2(geometry), 3),
        "sha256": hashlib.sha256(text.encode()).hexdigest(),
    }


def _area_km2(geometry) -> float:
    """Approximate area: degrees scaled at the centre's latitude (good enough for a county's report)."""
    lat = (geometry.bounds[1] + geometry.bounds[3]) / 2
    return geometry.area * 111.32 * 111.32 * math.cos(math.radians(lat))


@dataclass
class ImportReport:
    matched: list  # [(code, name)] boundaries set (changed or already equal)
    changed: int
    unknown: list  # [(code, name)] features whose code names no region
    invalid: list  # [(code or '#n', message)] features refused
    without_code: int

    @property
    def ok(self) -> bool:
        return not self.invalid

    def lines(self) -> list[str]:
        out = [
            _("匹配 %(n)s 个区域，其中边界有变化 %(c)s 个。") % {"n": len(self.matched), "c": self.changed}
        ]
        if self.unknown:
            out.append(
                _("未找到区域编码 %(n)s 个：%(codes)s")
                % {
                    "n": len(self.unknown),
                    "codes": "、".join(f"{c}（{n}）" if n else c for c, n in self.unknown[:20]),
                }
            )
        if self.without_code:
            out.append(
                _("%(n)s 个要素没有编码（properties 中的 code/adcode/gb）。") % {"n": self.without_code}
            )
        for code, message in self.invalid[:20]:
            out.append(_("%(code)s：%(message)s") % {"code": code, "message": message})
        return out


def _feature_code(properties: dict) -> str:
    for key in CODE_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _feature_name(properties: dict) -> str:
    return next((str(properties[k]) for k in NAME_KEYS if properties.get(k)), "")


def import_boundaries(actor, data, dry_run: bool = False) -> ImportReport:
    """Set regions' boundaries from a GeoJSON FeatureCollection whose features carry the region's code in
    `properties` (`code`, `adcode`, `gb` …, as civil-affairs division data has them), matched by code.

    All or nothing: any invalid geometry refuses the whole file (the report names each); unknown codes are reported
    and skipped. `dry_run` checks and reports without saving."""
    from .models import Region

    if isinstance(data, (bytes, str)):
        try:
            data = json.loads(data)
        except ValueError:
            raise BoundaryError(_("文件不是有效的 GeoJSON（JSON 格式错误）。")) from None
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise BoundaryError(_("文件须是 GeoJSON FeatureCollection（要素集合）。"))
    codes_known = {code: (pk, name) for pk, code, name in Region.objects.values_list("pk", "code", "name")}
    matched, unknown, invalid, planned, without_code = [], [], [], [], 0
    for feature in data["features"]:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        code, name = _feature_code(properties), _feature_name(properties)
        if not code:
            without_code += 1
            continue
        if code not in codes_known:
            unknown.append((code, name))
            continue
        try:
            boundary = clean_boundary(feature.get("geometry"))
        except BoundaryError as exc:
            invalid.append((f"{code}（{name or codes_known[code][1]}）", exc.message))
            continue
        if boundary is None:
            invalid.append((f"{code}（{name or codes_known[code][1]}）", _("要素没有几何图形。")))
            continue
        matched.append((code, codes_known[code][1]))
        planned.append((code, boundary))
    report = ImportReport(
        matched=matched, changed=0, unknown=unknown, invalid=invalid, without_code=without_code
    )
    if invalid or dry_run:
        return report
    regions = {r.code: r for r in Region.objects.filter(code__in=[c for c, _b in planned])}
    with transaction.atomic():
        for code, boundary in planned:
            report.changed += set_boundary(actor, regions[code], boundary)
    return report


# ---------------------------------------------------------------- what maps draw

SIMPLIFY_DEGREES = 0.00003  # ≈ 3 m: a map at street scale cannot show finer, and the file shrinks many times


def boundaries_geojson(level: str | None = None) -> dict:
    """The regions' boundaries (one level, or all) as a GeoJSON FeatureCollection for maps, simplified, WGS-84;
    properties {id, code, name, level, parent}. Cached with the reference data."""

    def load():
        from .models import Region

        rows = Region.with_boundary.using(refcache.DB).filter(boundary__isnull=False)
        if level:
            rows = rows.filter(level=level)
        features = []
        for pk, code, name, lvl, parent_id, boundary in rows.order_by("path").values_list(
            "pk", "code", "name", "level", "parent_id", "boundary"
        ):
            try:
                geometry = to_shape(boundary).simplify(SIMPLIFY_DEGREES, preserve_topology=True)
            except BoundaryError:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": _as_json(mapping(geometry)),
                    "properties": {"id": pk, "code": code, "name": name, "level": lvl, "parent": parent_id},
                }
            )
        return {"type": "FeatureCollection", "features": features}

    return refcache.cached(refcache.REFERENCE, ("boundaries_geojson", level or ""), load)


def centroid(points) -> tuple[float, float] | None:
    """The mean (longitude, latitude) of points — a hot spot's place on the map."""
    points = [(float(lon), float(lat)) for lon, lat in points if lon is not None and lat is not None]
    if not points:
        return None
    return (sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points))


def region_points() -> dict[int, tuple[float, float]]:
    """{region id: a point inside its boundary (WGS-84)}: where a map puts what belongs to a region and has no place
    of its own (an activity held "in the community")."""

    def load():
        from .models import Region

        out = {}
        for pk, boundary in (
            Region.with_boundary.using(refcache.DB)
            .filter(boundary__isnull=False)
            .values_list("pk", "boundary")
        ):
            try:
                point = to_shape(boundary).representative_point()
            except BoundaryError:
                continue
            out[pk] = (round(point.x, 6), round(point.y, 6))
        return out

    return refcache.cached(refcache.REFERENCE, "region_points", load)

"""The maps' configuration (settings GONGZHI_MAP_*) as the pages' script (static/js/map.js) reads it.

Tiles are optional: an intranet or a test has none, and the maps draw the regions' boundaries alone. 天地图 tiles are
CGCS2000, which equals WGS-84 at map scale (`wgs84`); 高德 and 腾讯 tiles are GCJ-02 (`gcj02`): the script then
moves every WGS-84 point to GCJ-02 for display and a tapped point back to WGS-84 (gcoord), and what is stored stays
WGS-84.
"""

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

CRS_CHOICES = ("wgs84", "gcj02")


def map_config(**extra: Any) -> dict[str, Any]:
    crs = getattr(settings, "GONGZHI_MAP_CRS", "wgs84")
    return {
        "tiles": getattr(settings, "GONGZHI_MAP_TILES", "") or "",
        "attribution": getattr(settings, "GONGZHI_MAP_ATTRIBUTION", "") or "",
        "subdomains": getattr(settings, "GONGZHI_MAP_SUBDOMAINS", "") or "abc",
        "crs": crs if crs in CRS_CHOICES else "wgs84",
        "boundaries": reverse("core_api:region-boundaries"),
        "locate": reverse("core_api:region-locate"),
        **extra,
    }


def tile_csp_source(template: str) -> str | None:
    """The Content-Security-Policy source that allows a tile URL template's host, e.g.
    https://t{s}.tianditu.gov.cn/… → https://*.tianditu.gov.cn; None for an empty or unusable template."""
    if not template:
        return None
    parts = urlsplit(template.replace("{s}", "subdomain"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname
    if "subdomain" in host or "{" in template.split("/")[2]:
        labels = host.split(".")
        host = "*." + ".".join(labels[1:]) if len(labels) > 2 else host
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"

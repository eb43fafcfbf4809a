"""{% map_assets %}: Leaflet, the cluster plug-in, gcoord, static/js/map.js and the map configuration (core.maps),
once per page that shows a map."""

from typing import Any

from django import template

from gongzhi.core.maps import map_config

register = template.Library()


@register.inclusion_tag("includes/map_assets.html")
def map_assets() -> dict[str, Any]:
    return {"map_config": map_config()}

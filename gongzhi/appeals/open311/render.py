"""Open311 GeoReport v2 wire formats: XML (required) and JSON (Spark convention: lists are root arrays)."""

import json
from xml.etree import ElementTree as ET

from django.http import HttpResponse

# Tag of one item inside each plural element (the spec's XML shape).
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
CONTENT_TYPES = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, sub in value.items():
            if sub is not None:
                _fill(ET.SubElement(element, key), sub)
    elif isinstance(value, list):
        item_tag = ITEM_TAGS.get(element.tag, "item")
        for sub in value:
            _fill(ET.SubElement(element, item_tag), sub)
    else:
        element.text = _text(value)


def to_xml(root_tag: str, payload) -> bytes:
    root = ET.Element(root_tag)
    _fill(root, payload)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(
        root, encoding="utf-8", xml_declaration=False
    )


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def respond(fmt: str, root_tag: str, payload, status: int = 200, headers: dict | None = None) -> HttpResponse:
    """`payload` is the list (or object) below `root_tag`; JSON drops the root element as the spec does."""
    if fmt == "json":
        body = json.dumps(_drop_none(payload), ensure_ascii=False).encode()
    else:
        body = to_xml(root_tag, payload)
    response = HttpResponse(body, status=status, content_type=CONTENT_TYPES.get(fmt, CONTENT_TYPES["xml"]))
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def errors(fmt: str, status: int, *messages: str, code: int | None = None) -> HttpResponse:
    return respond(fmt, "errors", [{"code": code or status, "description": str(m)} for m in messages], status)

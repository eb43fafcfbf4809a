import json
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gongzhi.appeals.models import Category
from gongzhi.appeals.open311.models import Open311Key

SCHEMAS = Path(__file__).parent / "schemas"


def _registry() -> Registry:
    resources = []
    for path in SCHEMAS.glob("*.json"):
        contents = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(contents, default_specification=DRAFT7)))
    return Registry().with_resources(resources)


REGISTRY = _registry()


def validate(name: str, payload) -> None:
    """Validate a JSON response against the official schema `name` (e.g. "requests.json")."""
    schema = REGISTRY.contents(name)
    Draft7Validator(schema, registry=REGISTRY).validate(payload)


def parse_xml(response) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    body = response.content
    assert body.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(body)


def spec_error(response, status: int, fmt: str = "json") -> list[str | None]:
    """The spec's error body: a list of {code, description}; returns the descriptions."""
    assert response.status_code == status, response.content
    if fmt == "json":
        body = json.loads(response.content)
        assert isinstance(body, list) and body
        assert all(set(e) == {"code", "description"} and e["description"] for e in body)
        return [e["description"] for e in body]
    root = parse_xml(response)
    assert root.tag == "errors"
    return [e.findtext("description") for e in root.findall("error")]


@pytest.fixture
def api_key(db):
    _key, raw = Open311Key.issue("测试客户端")
    return raw


@pytest.fixture
def services_catalogue(db):
    """Two leaf categories of our own (live-server tests flush the shipped catalogue)."""
    top, _ = Category.objects.get_or_create(code="T9", defaults={"name": "测试大类", "level": 1})
    mid, _ = Category.objects.get_or_create(
        code="T901", defaults={"name": "测试中类", "level": 2, "parent": top}
    )
    a, _ = Category.objects.get_or_create(
        code="T90101", defaults={"name": "路灯损坏", "level": 3, "parent": mid}
    )
    b, _ = Category.objects.get_or_create(
        code="T90102", defaults={"name": "井盖缺失", "level": 3, "parent": mid}
    )
    return a, b

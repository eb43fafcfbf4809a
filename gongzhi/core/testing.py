"""Helpers shared by the test suites of every app (imported by the root conftest.py and by tests)."""

from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import Group
from django.http import HttpResponse

from .models import Region, Unit, User

if TYPE_CHECKING:
    from django.test import Client

PASSWORD = "test-pass-123"


def make_user(
    username: str,
    role: str | None,
    *,
    unit: Unit | None = None,
    region: Region | None = None,
    phone: str | None = None,
    **extra: Any,
) -> User:
    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        unit=unit,
        region=region,
        phone=phone,
        display_name=extra.pop("display_name", username),
        **extra,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def client_for(user: User) -> "Client":
    """A test client logged in as `user` (no password round)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def text(response: HttpResponse) -> str:
    return response.content.decode()


def box(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    """A rectangle as a GeoJSON Polygon (WGS-84, counter-clockwise)."""
    return {
        "type": "Polygon",
        "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    }


# The boundaries `give_boundaries` draws for the root conftest's `county` fixture: the county is the square
# 112–113°E × 28–29°N, 东风街道 its west half, 幸福社区 the south-west quarter, 幸福一网格 that quarter's west half;
# 西湖街道 the east half, 和平社区 two separate squares in it (a MultiPolygon).
TEST_BOUNDARIES = {
    "county": box(112.0, 28.0, 113.0, 29.0),
    "street": box(112.0, 28.0, 112.5, 29.0),
    "community": box(112.0, 28.0, 112.5, 28.5),
    "grid": box(112.0, 28.0, 112.25, 28.5),
    "other_street": box(112.5, 28.0, 113.0, 29.0),
    "other_community": {
        "type": "MultiPolygon",
        "coordinates": [
            box(112.6, 28.1, 112.7, 28.2)["coordinates"],
            box(112.8, 28.6, 112.9, 28.7)["coordinates"],
        ],
    },
}


def give_boundaries(county: dict[str, Region]) -> dict[str, Region]:
    """Draw TEST_BOUNDARIES on the conftest `county` regions (through the service, as an admin would)."""
    from .geo import set_boundary

    for key, boundary in TEST_BOUNDARIES.items():
        set_boundary(None, county[key], boundary)
    return county

"""GET /api/v1/public/density/: counts by H3 cell over 90 days, never a cell under 5 (k-anonymity)."""

from datetime import timedelta
from decimal import Decimal

import h3
import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from gongzhi.appeals import public
from gongzhi.appeals.models import Appeal

URL = "/api/v1/public/density/"
A = (28.228512, 112.938814)
B = (28.260000, 112.990000)  # ~6 km from A: another cell at resolutions 8 and 9


def put(region, where, n, **extra):
    now = timezone.now()
    Appeal.objects.bulk_create(
        [
            Appeal(
                number=f"D{where[0]:.3f}{n}{i}{extra.get('tag', '')}"[:20],
                kind="complaint",
                channel="mobile",
                title="路灯坏了",
                content="幸福小区3栋201室的王建国反映路灯坏了",
                region=region,
                latitude=Decimal(f"{where[0]:.6f}"),
                longitude=Decimal(f"{where[1]:.6f}"),
                received_at=extra.get("at", now - timedelta(days=1)),
                confidential=extra.get("confidential", False),
            )
            for i in range(n)
        ]
    )


@pytest.fixture(autouse=True)
def _fresh_cache(db):
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def points(county):
    put(county["grid"], A, 5)
    put(county["grid"], B, 4)  # four appeals: a cell that must never be shown
    put(county["grid"], B, 3, tag="old", at=timezone.now() - timedelta(days=91))  # outside the 90 days
    put(county["grid"], B, 2, tag="c", confidential=True)


def test_only_cells_with_at_least_five_and_no_text(points):
    response = APIClient().get(URL, {"resolution": 8})
    assert response.status_code == 200
    body = response.json()
    assert body == [{"h3": h3.latlng_to_cell(*A, 8), "count": 5}]
    assert "王建国" not in response.content.decode() and "路灯" not in response.content.decode()


def test_a_setting_below_five_is_clamped(settings, points):
    settings.GONGZHI = {**settings.GONGZHI, "DENSITY_MIN_COUNT": 2}
    assert public.min_count() == 5
    cells = APIClient().get(URL, {"resolution": 9}).json()
    assert cells and all(c["count"] >= 5 for c in cells)
    assert h3.latlng_to_cell(*B, 9) not in {c["h3"] for c in cells}


def test_a_higher_setting_is_kept(settings, points):
    settings.GONGZHI = {**settings.GONGZHI, "DENSITY_MIN_COUNT": 6}
    assert APIClient().get(URL).json() == []


@pytest.mark.parametrize("value", ["4", "10", "abc", "-1", "8.5"])
def test_resolution_out_of_bounds_is_a_clear_400(db, value):
    response = APIClient().get(URL, {"resolution": value})
    assert response.status_code == 400
    assert "resolution" in response.content.decode() and "5 到 9" in response.content.decode()


def test_the_default_resolution_is_8(points):
    assert APIClient().get(URL).json()[0]["h3"] == h3.latlng_to_cell(*A, 8)

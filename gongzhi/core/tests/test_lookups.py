"""`__in_ids`: the same rows as `__in`, with the whole list as one query parameter (on the suite's database,
SQLite or PostgreSQL)."""

import pytest

from gongzhi.core.models import Region


def test_in_ids_finds_what_in_finds_on_keys_and_foreign_keys(county):
    regions = list(Region.objects.order_by("pk"))
    some = [r.pk for r in regions[::2]] + [10**12]  # and an id that is nobody's
    assert list(Region.objects.filter(pk__in_ids=some).order_by("pk")) == list(
        Region.objects.filter(pk__in=some).order_by("pk")
    )
    parents = {r.parent_id for r in regions if r.parent_id}
    assert (
        set(Region.objects.filter(parent_id__in_ids=parents).values_list("pk", flat=True))
        == set(Region.objects.filter(parent_id__in=parents).values_list("pk", flat=True))
        != set()
    )
    assert not Region.objects.filter(pk__in_ids=[]).exists()


def test_a_long_list_is_one_parameter(county):
    ids = list(range(1, 5001))
    found = Region.objects.filter(pk__in_ids=ids).values_list("pk", flat=True)
    assert set(found) == set(Region.objects.values_list("pk", flat=True))
    _sql, params = found.query.sql_with_params()
    assert len(params) == 1  # `__in` sends 5,000


def test_only_integers_go_into_the_list(county):
    with pytest.raises(ValueError):
        list(Region.objects.filter(pk__in_ids=["1) OR (1=1"]))

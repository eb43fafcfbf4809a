"""Residents now file at their community (the form lists communities, not staff's grids): the community's grid
workers see those appeals, and still not another grid's or another community's."""

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region


def test_a_grid_worker_sees_the_appeals_filed_at_their_community(make_appeal, users, county):
    other_grid = Region.objects.create(
        code="4301010102", name="幸福二网格", level=RegionLevel.GRID, parent=county["community"]
    )
    at_community = make_appeal(region=county["community"], title="小区门口积水")
    in_own_grid = make_appeal(region=county["grid"])
    in_other_grid = make_appeal(region=other_grid, title="二网格的路灯")
    elsewhere = make_appeal(region=county["other_community"], title="和平社区的噪音")
    seen = set(visible_appeals(users["grid_worker"]).values_list("pk", flat=True))
    assert {at_community.pk, in_own_grid.pk} <= seen
    assert in_other_grid.pk not in seen and elsewhere.pk not in seen

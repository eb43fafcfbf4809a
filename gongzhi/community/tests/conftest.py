from datetime import timedelta

import pytest
from django.utils import timezone

from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.models import Unit
from gongzhi.core.testing import make_user

from .. import services


@pytest.fixture
def party_unit(county):
    return Unit.objects.create(
        code="P-XF", name="中共幸福社区委员会", kind=UnitKind.PARTY_ORG, region=county["community"]
    )


@pytest.fixture
def social_unit(county):
    return Unit.objects.create(
        code="S-01", name="阳光社工中心", kind=UnitKind.SOCIAL_ORG, region=county["county"]
    )


@pytest.fixture
def party_member(users, county, party_unit):
    return make_user(
        "partymember1", Role.PARTY_MEMBER, region=county["community"], unit=party_unit, phone="13600000001"
    )


@pytest.fixture
def activity(users, units):
    staff = users["community_staff"]
    a = services.create_activity(
        staff,
        title="重阳节敬老志愿服务",
        description="为辖区高龄老人理发、量血压。",
        region=staff.region,
        location="幸福社区党群服务中心",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=3),
        capacity=2,
        hours="3",
        organizer_unit=units["community"],
        party_masses=True,
        needs=["elderly"],
    )
    services.advance_activity(staff, a.pk, "publish")
    a.refresh_from_db()
    return a


@pytest.fixture
def center(users, county, party_member):
    center = services.create_central_household(
        users["community_staff"], party_member=party_member, grid=county["grid"], address="幸福小区1栋101"
    )
    for i in range(1, 6):
        services.link_household(
            party_member, center.pk, address=f"幸福小区1栋{i}02", head_name=f"住户{i}", phone=f"1390000000{i}"
        )
    return center

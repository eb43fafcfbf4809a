"""Shared test fixtures: a small county, units, one user per role, and a way to make appeals."""

import pytest

from gongzhi.appeals.models import Category, DispatchRule
from gongzhi.core.choices import RegionLevel, Role, UnitKind
from gongzhi.core.models import Region, Unit
from gongzhi.core.testing import PASSWORD, make_user  # noqa: F401  (PASSWORD re-exported for tests)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Uploaded files of a test go to its own temporary folder, not the project's media/; passwords hash fast."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.INSIGHT_ROUTER_MODEL = tmp_path / "router.joblib"  # never the installation's learnt router
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def list_small_hotspots(settings):
    """The hot-spot list shows every hot spot, not only those of 3+ appeals from 2+ people (the defaults): for
    tests of order, scope and maps built on hot spots of one or two appeals."""
    settings.GONGZHI = {**settings.GONGZHI, "HOTSPOT_MIN_SIZE": 1, "HOTSPOT_MIN_RESIDENTS": 0}


@pytest.fixture
def county(db):
    county = Region.objects.create(code="430100", name="示范县", level=RegionLevel.COUNTY)
    street = Region.objects.create(code="430101", name="东风街道", level=RegionLevel.STREET, parent=county)
    community = Region.objects.create(
        code="43010101", name="幸福社区", level=RegionLevel.COMMUNITY, parent=street
    )
    grid = Region.objects.create(
        code="4301010101", name="幸福一网格", level=RegionLevel.GRID, parent=community
    )
    other_street = Region.objects.create(
        code="430102", name="西湖街道", level=RegionLevel.STREET, parent=county
    )
    other_community = Region.objects.create(
        code="43010201", name="和平社区", level=RegionLevel.COMMUNITY, parent=other_street
    )
    return {
        "county": county,
        "street": street,
        "community": community,
        "grid": grid,
        "other_street": other_street,
        "other_community": other_community,
    }


@pytest.fixture
def units(county):
    return {
        "housing": Unit.objects.create(
            code="U-ZJ", name="县住建局", kind=UnitKind.DEPARTMENT, region=county["county"]
        ),
        "hrss": Unit.objects.create(
            code="U-RS", name="县人社局", kind=UnitKind.DEPARTMENT, region=county["county"]
        ),
        "community": Unit.objects.create(
            code="U-XF", name="幸福社区居委会", kind=UnitKind.COMMUNITY_COMMITTEE, region=county["community"]
        ),
        "property": Unit.objects.create(
            code="U-WY", name="安居物业公司", kind=UnitKind.PROPERTY_COMPANY, region=county["community"]
        ),
        "hotline": Unit.objects.create(
            code="U-12345", name="县12345热线中心", kind=UnitKind.DEPARTMENT, region=county["county"]
        ),
    }


@pytest.fixture
def users(units, county):
    return {
        "resident": make_user("resident1", Role.RESIDENT, phone="13800138000"),
        "resident2": make_user("resident2", Role.RESIDENT, phone="13900139000"),
        "operator": make_user("operator1", Role.OPERATOR, unit=units["hotline"], is_staff=True),
        "dispatcher": make_user("dispatcher1", Role.DISPATCHER, unit=units["hotline"], is_staff=True),
        "handler": make_user("handler1", Role.HANDLER, unit=units["housing"], is_staff=True),
        "handler_other": make_user("handler2", Role.HANDLER, unit=units["hrss"], is_staff=True),
        "community_handler": make_user("handler3", Role.HANDLER, unit=units["community"], is_staff=True),
        "supervisor": make_user("supervisor1", Role.SUPERVISOR, unit=units["hotline"], is_staff=True),
        "grid_worker": make_user(
            "gridworker1",
            Role.GRID_WORKER,
            region=county["grid"],
            unit=units["community"],
            phone="13700137000",
            is_staff=True,
        ),
        "community_staff": make_user(
            "staff1", Role.COMMUNITY_STAFF, region=county["community"], unit=units["community"], is_staff=True
        ),
        "other_staff": make_user(
            "staff2", Role.COMMUNITY_STAFF, region=county["other_community"], is_staff=True
        ),
        "leader": make_user("leader1", Role.LEADER, is_staff=True),
        "admin": make_user("admin", Role.ADMIN, is_staff=True, is_superuser=True),
    }


@pytest.fixture
def category(db):
    """城乡建设 / 城市建设和市政管理 / 城管执法 (from the shipped catalogue)."""
    top = Category.objects.get(level=1, name="城乡建设")
    return Category.objects.filter(parent__parent=top, level=3).order_by("code").first()


@pytest.fixture
def dispatch_rule(category, units):
    return DispatchRule.objects.create(category=category.top, region=None, unit=units["housing"])


@pytest.fixture
def make_appeal(users, county, category):
    from gongzhi.appeals import services

    def make(actor=None, **overrides):
        actor = actor or users["resident"]
        fields = {
            "kind": "complaint",
            "channel": "mobile",
            "title": "小区路灯坏了",
            "content": "幸福小区3栋门口的路灯坏了两周了，晚上出行不安全。",
            "region": county["grid"],
            "category": category,
        }
        fields.update(overrides)
        if fields.get("appellant_id_number"):
            fields.setdefault("id_number_consent", True)  # the separate consent an ID number needs
        appeal, _code = services.submit_appeal(actor, **fields)
        return appeal

    return make

"""The demo (`gongzhi load_demo`): a small load (`--limit 60`) through the real services, checked for
what every page needs — users of every role who can log in, appeals in many states with valid,
past-dated hash chains — and for idempotence (a second run changes no row count)."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from gongzhi.appeals.choices import AppealState, CloseReason, SupervisionKind
from gongzhi.appeals.models import Appeal, AppealEvent, Callback, DispatchRule, KnowledgeArticle, Supervision
from gongzhi.core.audit import verify_chain
from gongzhi.core.choices import RegionLevel, Role, UnitKind
from gongzhi.core.models import Region, Unit, User
from gongzhi.demo.loader import COUNTY_CODE, DEMO_ACCOUNTS, DEMO_CSV, read_demo_rows

LIMIT = 60
DAYS = 30  # 60 appeals in 30 days: enough recent ones still open


def _row_counts() -> dict[str, int]:
    models = [
        *apps.get_app_config("core").get_models(),
        *apps.get_app_config("appeals").get_models(),
        apps.get_model("auth", "Group"),
    ]
    return {m._meta.label: m._default_manager.count() for m in models}


def test_demo_csv_is_shipped_and_well_formed():
    rows = read_demo_rows()
    assert DEMO_CSV.exists() and 2900 <= len(rows) <= 3100
    assert len({r.client_key for r in rows}) == len(rows)
    assert all(r.title and len(r.detail) >= 10 for r in rows)
    labelled = [r for r in rows if r.label]
    assert 1900 <= len(labelled) <= 2100
    assert {r.source_file for r in rows} == {"labeled.csv", "unlabeled.csv", "hotspot_messages.csv"}
    # the hot-spot groups: a dozen real problems of one place each, always among the loaded appeals
    groups = {r.group for r in rows if r.group}
    assert len(groups) == 12
    assert {r.group for r in read_demo_rows(1200) if r.group} == groups and len(read_demo_rows(1200)) == 1200


def check_places_units_rules_and_articles():
    county = Region.objects.get(code=COUNTY_CODE)
    streets = Region.objects.filter(parent=county, level=RegionLevel.STREET)
    assert 3 <= streets.count() <= 4
    for street in streets:
        communities = street.children.all()
        assert 2 <= communities.count() <= 4
        for community in communities:
            assert community.children.filter(level=RegionLevel.GRID).count() == 2
    kinds = set(Unit.objects.filter(code__startswith=COUNTY_CODE).values_list("kind", flat=True))
    assert kinds >= {
        UnitKind.PARTY_ORG,
        UnitKind.DEPARTMENT,
        UnitKind.STREET_OFFICE,
        UnitKind.COMMUNITY_COMMITTEE,
        UnitKind.PROPERTY_COMPANY,
        UnitKind.OWNERS_COMMITTEE,
        UnitKind.SOCIAL_ORG,
        UnitKind.ENTERPRISE,
    }
    # Every first-level category of the catalogue has a responsible unit, and 物业服务 goes to the community's
    # property company (a region-specific rule on a level-3 category).
    tops = DispatchRule.objects.filter(region=None, category__level=1).values_list(
        "category__name", flat=True
    )
    assert {"城乡建设", "劳动和社会保障", "教育文体", "商贸旅游", "卫生计生", "环境保护", "交通运输"} <= set(
        tops
    )
    from gongzhi.appeals.services import suggest_dispatch

    grid = Region.objects.filter(path__startswith=county.path, level=RegionLevel.GRID).first()
    property_rule = suggest_dispatch(
        DispatchRule.objects.get(category__name="物业服务", region=grid.parent).category, grid
    )
    assert property_rule.unit.kind == UnitKind.PROPERTY_COMPANY and property_rule.unit.region == grid.parent
    assert KnowledgeArticle.objects.count() >= 12


def check_users_of_every_role_log_in():
    password = settings.GONGZHI["DEMO_PASSWORD"]
    for username, _role, _what in DEMO_ACCOUNTS:
        if not username.isdigit():  # a phone number logs in by code (tests/e2e and core's phone login tests)
            assert authenticate(username=username, password=password) is not None, username
    assert authenticate(username="handler1", password="wrong-password") is None
    for role in Role:
        assert User.objects.filter(groups__name=role).exists() or role == Role.ADMIN, role
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="resident1").phone == "13800000001"
    handler1 = User.objects.get(username="handler1")
    assert handler1.unit.name.endswith("住房和城乡建设局")
    assert not User.objects.filter(is_staff=True).exclude(username="admin").exists()
    assert Appeal.objects.filter(lead_unit=handler1.unit).exists()


def check_appeals_have_rule_following_past_histories():
    appeals = Appeal.objects.filter(client_key__startswith="demo-")
    assert appeals.count() == LIMIT
    states = set(appeals.values_list("state", flat=True))
    assert AppealState.CLOSED in states and len(states) >= 3
    assert appeals.filter(close_reason=CloseReason.RESOLVED).exists()
    assert appeals.filter(reopen_count__gte=1).exists()  # 重办
    assert Supervision.objects.filter(
        kind=SupervisionKind.SUPERVISION, level__gte=1
    ).exists()  # 督办: overdue
    late = [e for e in AppealEvent.objects.filter(action="reply") if e.after.get("on_time") is False]
    assert late
    assert len(set(appeals.values_list("channel", flat=True))) >= 3
    now = timezone.now()
    assert appeals.filter(received_at__lt=now - timedelta(days=20)).exists()
    assert appeals.filter(received_at__gt=now - timedelta(days=5)).exists()
    assert Callback.objects.filter(valid=True).exists()
    assert set(Callback.objects.values_list("satisfaction", flat=True)) >= {"satisfied", "basically"}
    for appeal in appeals:
        events = list(appeal.events.order_by("created_at", "id"))
        assert events and events[0].action == "submit"
        assert events[0].created_at == appeal.received_at
        assert [e.pk for e in events] == sorted(e.pk for e in events)  # time order is chain order
        assert verify_chain(events) is None, appeal.number
        assert all(e.created_at <= now for e in events)


def check_overdue_open_appeals_are_supervised():
    """The sweep ran at the end of the load: every open appeal that is late now carries its 督办."""
    from gongzhi.appeals import deadlines

    now = timezone.now()
    for appeal in Appeal.objects.filter(client_key__startswith="demo-").exclude(
        state__in=[AppealState.CLOSED, AppealState.MERGED]
    ):
        for step, _start, due in deadlines.active_steps(appeal):
            if due < now:
                assert appeal.supervisions.filter(step=step, due=due, level__gte=1).exists(), appeal.number


def check_no_table_holds_a_number_in_clear_text():
    """Issue K item 2: every phone and ID number the demo stores (read back through the encrypted fields) appears in
    no column of any table, including account names, notices, audit notes, sessions and the cache."""
    from django.db import connection

    from gongzhi.core.fieldcrypt import models_with_encrypted_fields

    numbers = {"13800000001", "13600000011"}
    for model, names in models_with_encrypted_fields():
        for values in model.objects.values_list(*names):
            numbers.update(v for v in values if v and len(v) >= 11)
    assert len(numbers) > 10
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for row in cursor.fetchall():
                text = " ".join(str(v) for v in row if v is not None)
                found += [(table, n) for n in numbers if n in text]
    assert not found, found[:10]


@pytest.mark.django_db
def test_load_demo_builds_a_county_with_true_histories_and_is_idempotent():
    """One load (they take seconds), checked from every side, then loaded again."""
    call_command("load_demo", limit=LIMIT, days=DAYS, verbosity=0)
    check_places_units_rules_and_articles()
    check_users_of_every_role_log_in()
    check_appeals_have_rule_following_past_histories()
    check_overdue_open_appeals_are_supervised()
    check_boundaries_nest_and_places_lie_inside()
    check_no_table_holds_a_number_in_clear_text()
    before = _row_counts()
    out = StringIO()
    call_command("load_demo", limit=LIMIT, days=DAYS, stdout=out)
    assert _row_counts() == before
    # What the console says is for a newcomer: in Chinese, the states by their labels, every demo account.
    text = out.getvalue()
    assert "演示诉求已存在" in text and "已办结归档" in text
    assert not re.search(r"\b(closed|accepted|in_progress|replied|dispatched)\b", text), text
    for login, role, _what in DEMO_ACCOUNTS:
        assert login in text and role in text


def check_boundaries_nest_and_places_lie_inside():
    """Issue J: every demo region has a boundary inside its parent's, and every appeal with a place lies inside its
    region (and `locate` finds that region or, on a shared edge, a neighbour of one level)."""
    from shapely.geometry import Point

    from gongzhi.core.geo import locate, to_shape

    shapes = {pk: to_shape(b) for pk, b in Region.with_boundary.values_list("pk", "boundary")}
    assert all(shape is not None for shape in shapes.values()) and len(shapes) == Region.objects.count()
    for region in Region.objects.filter(parent__isnull=False):
        assert shapes[region.parent_id].buffer(1e-9).contains(shapes[region.pk]), region.code
    placed = list(Appeal.objects.filter(longitude__isnull=False).select_related("region"))
    assert len(placed) >= Appeal.objects.count() * 0.6
    for appeal in placed:
        point = Point(float(appeal.longitude), float(appeal.latitude))
        assert shapes[appeal.region_id].buffer(1e-9).contains(point), appeal.number
        assert locate(appeal.longitude, appeal.latitude).level == appeal.region.level

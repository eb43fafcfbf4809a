"""core.refcache: every cached row is seen anew once it is written, whoever writes it.

"Another process" is a write the process does not hear of: raw SQL or a bulk update (no model signals), so only
the database's triggers can tell the cache. Each test reads the value once (filling the cache), writes the row
that way, and checks the next read returns the new value.
"""

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongzhi.appeals import deadlines
from gongzhi.appeals.choices import LimitProfile, LimitUnit, Step
from gongzhi.appeals.models import Category, TimeLimit
from gongzhi.appeals.selectors import active_category_by_code
from gongzhi.core import refcache
from gongzhi.core.calendar import load_overrides
from gongzhi.core.choices import Role
from gongzhi.core.models import CacheStamp, Region, User
from gongzhi.core.notices import get_kind, preference_for, render
from gongzhi.core.notices.models import NotificationPreference, NotificationTemplate
from gongzhi.core.selectors import region_by_code
from gongzhi.core.testing import make_user
from gongzhi.core.webhooks import active_subscriptions
from gongzhi.core.webhooks.models import WebhookSubscription


def tokens() -> dict:
    return dict(CacheStamp.objects.values_list("scope", "token"))


def raw(sql: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_every_scope_has_a_stamp_and_a_write_renews_only_its_own():
    before = tokens()
    assert set(before) == set(refcache.SCOPES)
    Region.objects.create(code="X1", name="甲", level="county")
    after = tokens()
    assert after[refcache.REFERENCE] != before[refcache.REFERENCE]
    assert after[refcache.ROLES] == before[refcache.ROLES]
    make_user("stamp-user", Role.RESIDENT)  # joins a group
    assert tokens()[refcache.ROLES] != after[refcache.ROLES]


@pytest.mark.django_db
def test_a_rolled_back_edit_leaves_no_value_behind(county):
    assert region_by_code("430100").name == "示范县"
    before = tokens()[refcache.REFERENCE]
    with pytest.raises(RuntimeError), transaction.atomic():
        Region.objects.filter(code="430100").update(name="改名县")
        assert region_by_code("430100").name == "改名县"  # the transaction sees its own edit
        raise RuntimeError("roll back")
    assert tokens()[refcache.REFERENCE] == before
    assert region_by_code("430100").name == "示范县"


@pytest.mark.django_db
def test_a_cached_value_costs_only_the_stamp(county):
    region_by_code("43010101")
    with CaptureQueriesContext(connection) as queries:
        region = region_by_code("43010101")
        assert [r.code for r in region.ancestors()] == ["43010101", "430101", "430100"]
    assert len(queries) == 1 and "cachestamp" in queries[0]["sql"]


@pytest.mark.django_db
def test_regions(county):
    assert region_by_code("430101").name == "东风街道"
    assert region_by_code("NOPE") is None
    raw("UPDATE core_region SET name = %s WHERE code = %s", ["东风新街道", "430101"])
    assert region_by_code("430101").name == "东风新街道"
    assert region_by_code("43010101").parent.name == "东风新街道"
    Region.objects.create(code="NOPE", name="新区", level="street", parent=county["county"])
    assert region_by_code("NOPE").name == "新区"


@pytest.mark.django_db
def test_active_categories(category):
    assert active_category_by_code(category.code) == category
    assert [c.pk for c in active_category_by_code(category.code).lineage()] == [
        c.pk for c in category.lineage()
    ]
    Category.objects.filter(pk=category.pk).update(is_active=False)
    assert active_category_by_code(category.code) is None
    raw("UPDATE appeals_category SET is_active = %s WHERE id = %s", [True, category.pk])
    assert active_category_by_code(category.code) == category


@pytest.mark.django_db
def test_time_limits(category):
    default = deadlines.limits_for("complaint", "normal", category)[Step.REPLY]
    assert default == deadlines.DEFAULT_LIMITS[Step.REPLY][LimitProfile.NORMAL]
    TimeLimit.objects.bulk_create(
        [
            TimeLimit(
                category=category.top,
                profile=LimitProfile.NORMAL,
                step=Step.REPLY,
                amount=3,
                unit=LimitUnit.WORKING_DAYS,
            )
        ]
    )
    assert deadlines.limits_for("complaint", "normal", category)[Step.REPLY] == deadlines.Limit(
        3, LimitUnit.WORKING_DAYS
    )
    TimeLimit.objects.filter(category=category.top).update(amount=4)
    assert deadlines.limits_for("complaint", "normal", category)[Step.REPLY].amount == 4
    raw("DELETE FROM appeals_timelimit")
    assert deadlines.limits_for("complaint", "normal", category)[Step.REPLY] == default


@pytest.mark.django_db
def test_calendar_overrides():
    day = date(2031, 3, 3)  # a Monday past the library's data
    assert load_overrides() == {}
    raw(
        "INSERT INTO core_calendaroverride (date, is_working_day, note) VALUES (%s, %s, %s)",
        [day, False, "测试"],
    )
    assert load_overrides() == {day: False}
    load_overrides()[day + timedelta(days=1)] = False  # a caller's change stays its own
    assert load_overrides() == {day: False}
    raw("UPDATE core_calendaroverride SET is_working_day = %s", [True])
    assert load_overrides() == {day: True}


@pytest.mark.django_db
def test_notice_templates():
    kind = get_kind("appeal_received")
    assert render(kind, {"number": "N1"})[1] == "您的诉求（编号 N1）已受理，我们会尽快办理。"
    NotificationTemplate.objects.filter(kind="appeal_received").update(body="编号 {{ number }} 已收到。")
    assert render(kind, {"number": "N1"})[1] == "编号 N1 已收到。"


@pytest.mark.django_db
def test_webhook_subscriptions():
    assert active_subscriptions() == []
    WebhookSubscription.objects.bulk_create(
        [
            WebhookSubscription(
                name="12345", url="https://example.org/hook", secret="s" * 20, event_types=["appeals.*"]
            )
        ]
    )
    assert [s.name for s in active_subscriptions()] == ["12345"]
    WebhookSubscription.objects.update(is_active=False)
    assert active_subscriptions() == []


@pytest.mark.django_db
def test_roles():
    user = make_user("roles-user", Role.RESIDENT)
    assert User.objects.get(pk=user.pk).roles == {Role.RESIDENT}
    raw(
        "INSERT INTO core_user_groups (user_id, group_id) VALUES (%s, %s)",
        [user.pk, Group.objects.get(name=Role.OPERATOR).pk],
    )
    assert User.objects.get(pk=user.pk).roles == {Role.RESIDENT, Role.OPERATOR}
    Group.objects.filter(name=Role.OPERATOR).update(name="operator-renamed")
    assert User.objects.get(pk=user.pk).roles == {Role.RESIDENT, "operator-renamed"}
    User.objects.filter(pk=user.pk).update(is_superuser=True)  # read from the user's own row, never cached
    assert "admin" in User.objects.get(pk=user.pk).roles


@pytest.mark.django_db
def test_notice_preferences():
    user = make_user("pref-user", Role.RESIDENT)
    assert preference_for(user).sms is True and preference_for(user).pk is None
    NotificationPreference.objects.bulk_create([NotificationPreference(user=user, sms=False)])
    assert preference_for(user).sms is False
    raw(
        "UPDATE core_notificationpreference SET sms = %s, disabled_kinds = %s",
        [True, '["appeal_dispatched"]'],
    )
    assert preference_for(user).sms is True
    assert preference_for(user).disabled_kinds == ["appeal_dispatched"]


@pytest.mark.django_db
def test_without_its_stamp_row_a_scope_is_not_cached(county):
    region_by_code("430101")
    CacheStamp.objects.filter(scope=refcache.REFERENCE).delete()
    raw("UPDATE core_region SET name = %s WHERE code = %s", ["无戳街道", "430101"])
    assert region_by_code("430101").name == "无戳街道"
    refcache.ensure_stamps()
    assert set(tokens()) == set(refcache.SCOPES)

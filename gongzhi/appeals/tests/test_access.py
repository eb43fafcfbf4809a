"""Access scoping and masking (spec §7): who sees which appeals, and what of the appellant."""

import pytest

from gongzhi.appeals import selectors, services
from gongzhi.core.errors import PermissionDeniedError
from gongzhi.core.models import AuditEvent

ID_NUMBER = "11010519491231002X"


@pytest.fixture
def appeals(users, units, county, make_appeal):
    """a1: resident1 in the grid, led by 住建局.  a2: resident2 in 和平社区 (other street), led by 人社局.
    a3: resident1 in 幸福社区, led by the community committee with 住建局 as co-unit.
    a4: taken on the hotline by the operator in 和平社区, not dispatched.  a5: the grid worker's own patrol report."""
    d = users["dispatcher"]
    a1 = make_appeal(appellant_id_number=ID_NUMBER)
    services.dispatch(d, a1.pk, lead_unit=units["housing"])
    a2 = make_appeal(users["resident2"], region=county["other_community"])
    services.dispatch(d, a2.pk, lead_unit=units["hrss"])
    a3 = make_appeal(region=county["community"], title="楼道堆放杂物")
    services.dispatch(d, a3.pk, lead_unit=units["community"], co_units=[units["housing"]])
    a4 = make_appeal(
        users["operator"],
        channel="hotline",
        region=county["other_community"],
        appellant_name="张三",
        appellant_phone="13612345678",
        appellant_id_number=ID_NUMBER,
    )
    a5 = make_appeal(users["grid_worker"], channel="grid_patrol", title="井盖缺失有安全隐患")
    for appeal in (a1, a2, a3):
        appeal.refresh_from_db()
    return {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "a5": a5}


ALL = {"a1", "a2", "a3", "a4", "a5"}
VISIBLE = {
    "resident": {"a1", "a3"},
    "resident2": {"a2"},
    "handler": {"a1", "a3"},  # lead of a1, co-unit of a3
    "handler_other": {"a2"},
    "community_handler": {"a3"},
    # the grid's subtree, what is filed at its community itself (residents choose a community), and what they received
    "grid_worker": {"a1", "a3", "a5"},
    "community_staff": {"a1", "a3", "a5"},  # 幸福社区 and its grid
    "other_staff": {"a2", "a4"},  # 和平社区
    "operator": ALL,
    "dispatcher": ALL,
    "supervisor": ALL,
    "leader": ALL,
    "admin": ALL,
}


@pytest.mark.parametrize("role", list(VISIBLE))
def test_visible_appeals_by_role(role, users, appeals):
    ids = {
        name
        for name, appeal in appeals.items()
        if selectors.visible_appeals(users[role]).filter(pk=appeal.pk).exists()
    }
    assert ids == VISIBLE[role]
    assert selectors.visible_appeals(users[role]).count() == len(VISIBLE[role])  # no duplicate rows


def test_anonymous_user_sees_nothing(appeals):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.visible_appeals(AnonymousUser()).exists()
    assert not selectors.visible_appeals(None).exists()


# who may read the full numbers of a1 (received online; the dispatcher who dispatched it became its first receiver)
MASKING = {
    "resident": "own",
    "resident2": False,
    "operator": False,
    "dispatcher": True,
    "handler": True,
    "handler_other": False,
    "community_handler": False,
    "grid_worker": False,
    "community_staff": False,
    "supervisor": True,
    "leader": False,
    "admin": False,
}


@pytest.mark.parametrize("role", list(MASKING))
def test_masking_and_reveal_by_role(role, users, appeals):
    a1 = appeals["a1"]
    user = users[role]
    seen = selectors.appellant_for(user, a1)
    if MASKING[role] == "own":
        assert seen["phone"] == "13800138000" and seen["id_number"] == ID_NUMBER and not seen["can_reveal"]
        return
    assert seen["phone"] == "138****8000"
    assert seen["id_number"] == "110105********002X"
    assert seen["can_reveal"] is MASKING[role]
    audits = AuditEvent.objects.filter(action="unmask_contact").count()
    if MASKING[role]:
        full = services.reveal_contact(user, a1)
        assert full["phone"] == "13800138000" and full["id_number"] == ID_NUMBER
        event = AuditEvent.objects.filter(action="unmask_contact").latest("id")
        assert event.actor == user and event.target == f"appeal:{a1.pk}"
        assert "13800138000" not in str(event.after)  # the audit trail itself keeps the masked number
        assert AuditEvent.objects.filter(action="unmask_contact").count() == audits + 1
    else:
        with pytest.raises(PermissionDeniedError):
            services.reveal_contact(user, a1)
        assert AuditEvent.objects.filter(action="unmask_contact").count() == audits


def test_first_receiver_may_reveal(users, appeals):
    a4 = appeals["a4"]
    assert a4.first_receiver == users["operator"]
    assert selectors.appellant_for(users["operator"], a4)["can_reveal"]
    assert services.reveal_contact(users["operator"], a4)["phone"] == "13612345678"
    with pytest.raises(PermissionDeniedError):
        services.reveal_contact(users["dispatcher"], a4)


def test_confidential_hides_the_appellant_from_the_unit(users, units, make_appeal):
    appeal = make_appeal(confidential=True, appellant_id_number=ID_NUMBER)
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    appeal.refresh_from_db()
    for role in ("handler", "community_staff"):
        seen = selectors.appellant_for(users[role], appeal)
        assert seen["hidden"] and seen["phone"] == "" and seen["id_number"] == "" and seen["name"] == "保密"
        with pytest.raises(PermissionDeniedError):
            services.reveal_contact(users[role], appeal)
    supervisor = selectors.appellant_for(users["supervisor"], appeal)
    assert not supervisor["hidden"] and supervisor["phone"] == "138****8000" and supervisor["can_reveal"]
    assert selectors.appellant_for(users["resident"], appeal)["phone"] == "13800138000"


def test_anonymous_hides_the_appellant_from_everyone(users, units, make_appeal):
    appeal = make_appeal(
        users["operator"],
        channel="hotline",
        anonymous=True,
        appellant_phone="13612345678",
        appellant_name="李四",
    )
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    appeal.refresh_from_db()
    assert appeal.appellant_name == ""
    for role in ("operator", "dispatcher", "handler", "supervisor", "leader", "admin"):
        seen = selectors.appellant_for(users[role], appeal)
        assert seen["hidden"] and seen["name"] == "匿名" and seen["phone"] == "" and not seen["can_reveal"], (
            role
        )
        with pytest.raises(PermissionDeniedError):
            services.reveal_contact(users[role], appeal)


def test_appellant_for_a_visitor_without_account_never_fails(users, make_appeal):
    from django.contrib.auth.models import AnonymousUser

    plain = make_appeal()
    secret = make_appeal(confidential=True)
    assert selectors.appellant_for(AnonymousUser(), plain)["phone"] == "138****8000"
    assert not selectors.appellant_for(AnonymousUser(), plain)["can_reveal"]
    assert selectors.appellant_for(AnonymousUser(), secret)["hidden"]
    assert selectors.appellant_for(None, secret)["hidden"]

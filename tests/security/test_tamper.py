"""Tamper evidence for every hash chain: edit one row of any event table in the database (behind the services'
back) and `gongzhi verify_audit` names that row; delete one and the chain is named. The list of chains is every
ChainedEvent model, so a new chain is covered without touching this test."""

from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command

from gongzhi.core.audit import ChainedEvent
from gongzhi.core.models import append_audit_event
from gongzhi.insight import proactive

CHAINS = sorted(m._meta.label for m in apps.get_models() if issubclass(m, ChainedEvent))


def verify() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_audit", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


@pytest.fixture
def chained(world):
    """world has events in every chain: appeals, deliberation, credit, community; add a proactive task's and two
    platform events."""
    # the task was made without its "create" event (conftest): record it as the service would, then complete it
    proactive._event(world["task"], world["users"]["leader"], "create", note="交办路灯集中排查")
    proactive.complete_proactive_task(world["users"]["handler"], world["task"].pk, note="已排查12处路灯")
    append_audit_event(world["users"]["admin"], "role_change", target="user:1", note="授予派单员")
    append_audit_event(world["users"]["admin"], "role_change", target="user:2", note="授予督办员")
    return world


def test_every_chain_is_known():
    assert {
        "appeals.AppealEvent",
        "community.CommunityEvent",
        "credit.CreditEvent",
        "deliberation.DeliberationEvent",
        "insight.ProactiveTaskEvent",
        "core.AuditEvent",
    } <= set(CHAINS)


@pytest.mark.parametrize("label", CHAINS)
def test_an_edited_row_is_named(label, chained):
    model = apps.get_model(label)
    assert model.objects.count() >= 1, f"the world has no {label} to tamper with"
    ok, out = verify()
    assert ok, out
    victim = model.objects.order_by("id").first()
    model.objects.filter(pk=victim.pk).update(note=victim.note + "（已篡改）")
    ok, out = verify()
    assert not ok
    line = next(line for line in out.splitlines() if line.startswith(f"BROKEN {label}"))
    assert f"first broken event id={victim.pk}" in line and "altered content" in line


@pytest.mark.parametrize("label", CHAINS)
def test_a_deleted_row_breaks_the_chain(label, chained):
    model = apps.get_model(label)
    field = model.chain_subject_field
    events = list(model.objects.order_by("id"))
    # a row with a successor in its own chain, so that the successor's link is broken
    victim = next(
        (
            e
            for e in events
            for later in events
            if later.pk > e.pk and (not field or getattr(later, f"{field}_id") == getattr(e, f"{field}_id"))
        ),
        None,
    )
    assert victim is not None, f"the world needs two events in one {label} chain"
    model.objects.filter(pk=victim.pk)._raw_delete(model.objects.db)
    ok, out = verify()
    assert not ok and f"BROKEN {label}" in out

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongzhi.appeals import services
from gongzhi.appeals.models import AppealEvent
from gongzhi.core.models import AuditChain, AuditEvent, append_audit_event


def run() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_intact_trail_verifies(users, make_appeal, units):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    append_audit_event(users["admin"], "test", target="x")
    assert "intact" in run()


def test_an_edited_row_is_named(users, make_appeal, units):
    appeal = make_appeal()
    services.dispatch(users["dispatcher"], appeal.pk, lead_unit=units["housing"])
    services.sign(users["handler"], appeal.pk)
    dispatch = AppealEvent.objects.get(appeal=appeal, action="dispatch")
    AppealEvent.objects.filter(pk=dispatch.pk).update(note="改过的派单意见")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=out)
    assert (
        f"appeals.AppealEvent chain {appeal.pk} ({appeal.number}): first broken event id={dispatch.pk}"
        in out.getvalue()
    )


def test_removing_the_last_global_event_is_caught(users):
    append_audit_event(users["admin"], "one")
    last = append_audit_event(users["admin"], "two")
    AuditEvent.objects.filter(pk=last.pk)._raw_delete(AuditEvent.objects.db)
    assert AuditChain.objects.get(name="core").last_hash == last.hash
    with pytest.raises(CommandError):
        run()

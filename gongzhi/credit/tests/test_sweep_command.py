"""The periodic command: warnings and deliveries once, a second run changes nothing."""

from datetime import date

from django.core.management import call_command

from gongzhi.core.outbox import OutboxMessage
from gongzhi.credit import services


def test_credit_sweep_command_is_idempotent(officer, make_case, published_case, platforms, receiver, capsys):
    services.issue_notice(
        officer,
        make_case().pk,
        grace_months=1,
        reason="暂时困难",
        intended_ground="G1",
        notice_on=date(2026, 10, 9),
    )
    published_case("G1")
    call_command("credit_sweep")
    first = capsys.readouterr().out
    assert "warnings=2" in first and "delivered=3" in first  # half-way and week-before warnings, 3 platforms
    call_command("credit_sweep")
    second = capsys.readouterr().out
    assert "warnings=0" in second and "delivered=0" in second
    assert OutboxMessage.objects.filter(delivered_at__isnull=True).count() == 0
    assert len(receiver.processed) == 2

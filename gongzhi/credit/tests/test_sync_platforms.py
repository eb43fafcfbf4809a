"""Credit sync that forgets no platform (issue K item 5): a platform that received a record receives every later
change of it even when deactivated since; a platform added (or made active again) later receives the records
published now, once; a delivery not confirmed in its window is escalated to the officer and their supervisors."""

from datetime import date, timedelta

from django.utils import timezone

from gongzhi.core.choices import Role
from gongzhi.core.models import AuditEvent, Notification
from gongzhi.core.outbox import OutboxMessage
from gongzhi.core.testing import make_user
from gongzhi.credit import selectors, services

D = date.fromisoformat


def test_a_deactivated_platform_still_learns_of_the_deletion(officer, published_case, platforms):
    case = published_case("G1")
    services.set_platform_active(officer, platforms[2].pk, False)
    services.delete_listing(officer, case.pk, ground="performed", event_on=D("2026-07-01"))
    deleted = selectors.sync_status(case).filter(event_type="credit.deleted")
    assert set(deleted.values_list("target_label", flat=True)) == {"信用中国", "第三方信用平台", "征信系统"}
    # …but it gets no new listing
    other = published_case("G1")
    assert "第三方信用平台" not in set(selectors.sync_status(other).values_list("target_label", flat=True))
    assert AuditEvent.objects.filter(action="platform_inactive").exists()


def test_a_platform_added_later_receives_what_is_published_now_once(
    officer, published_case, platforms, receiver
):
    first, second = published_case("G1"), published_case("G2")
    services.correct(officer, second.pk, changes={"performed_amount": "1000.00"}, reason="金额有误")
    late = services.create_platform(
        officer,
        name="省信用平台",
        backend="webhook",
        address=receiver.url + "/sheng",
        secret="p" * 32,
        confirm_window_hours=24,
    )
    backfilled = OutboxMessage.objects.filter(target=late.target)
    assert backfilled.count() == 2 and set(backfilled.values_list("subject", flat=True)) == {
        f"credit.case:{first.pk}",
        f"credit.case:{second.pk}",
    }
    record = backfilled.get(subject=f"credit.case:{second.pk}").payload["record"]
    assert record["performed_amount"] == "1000.00"  # the record as it stands, correction included
    assert services.backfill_platform(officer, late) == 0  # idempotent
    services.set_platform_active(officer, late.pk, False)
    third = published_case("G1")
    services.set_platform_active(officer, late.pk, True)  # back: only what it missed
    assert (
        list(
            OutboxMessage.objects.filter(target=late.target).values_list("subject", flat=True).order_by("id")
        )[-1]
        == f"credit.case:{third.pk}"
    )
    assert OutboxMessage.objects.filter(target=late.target).count() == 3
    assert AuditEvent.objects.filter(action="backfill_platform").count() == 2


def test_an_unconfirmed_delivery_is_escalated_once_to_officer_and_supervisor(
    officer, published_case, platforms
):
    boss_of_officer = make_user("chief1", Role.LEADER, unit=officer.unit)
    case = published_case("G1")
    case.officer = officer
    case.save(update_fields=["officer"])
    OutboxMessage.objects.filter(target=platforms[0].target).update(
        confirm_by=timezone.now() - timedelta(hours=1)
    )
    assert services.escalate_unconfirmed() == 2
    told = Notification.objects.filter(subject="信用平台逾期未确认")
    assert set(told.values_list("recipient", flat=True)) == {officer.pk, boss_of_officer.pk}
    assert "信用中国" in told.first().body and case.case_number in told.first().body
    assert services.escalate_unconfirmed() == 0  # once
    counts = services.sweep()
    assert counts["escalated"] == 0
    assert [m.target_label for m in selectors.overdue_deliveries()] == ["信用中国"]  # and on the board


def test_the_admin_backfills_a_platform_it_adds(officer, published_case, platforms, receiver, client, users):
    published_case("G1")
    client.force_login(users["admin"])
    response = client.post(
        "/admin/credit/creditplatform/add/",
        {
            "name": "市信用平台",
            "backend": "webhook",
            "address": receiver.url + "/shi",
            "secret": "q" * 32,
            "confirm_window_hours": 24,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from gongzhi.credit.models import CreditPlatform

    platform = CreditPlatform.objects.get(name="市信用平台")
    assert OutboxMessage.objects.filter(target=platform.target).count() == 1
    assert AuditEvent.objects.filter(
        action="create_platform", target=f"credit.platform:{platform.pk}"
    ).exists()

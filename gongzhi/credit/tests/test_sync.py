"""Platform sync: every publication, shielding, deletion and correction reaches every platform once, through
the outbox, against a real local HTTP receiver and a file drop."""

from datetime import date, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.core import outbox
from gongzhi.core.outbox import OutboxMessage
from gongzhi.credit import selectors, services

D = date.fromisoformat


def deliver_all(now=None):
    outbox.deliver_due(now=now)
    outbox.collect_file_acks()


def ack_files(folder):
    for message in folder.glob("*.json"):
        message.with_suffix(".ack").write_text("ok")


def test_each_change_creates_one_delivery_per_platform(
    officer, boss, published_case, platforms, receiver, tmp_path
):
    case = published_case("G1")
    assert OutboxMessage.objects.filter(subject=f"credit.case:{case.pk}").count() == 3
    services.correct(officer, case.pk, changes={"performed_amount": "1000.00"}, reason="金额有误")
    app = services.submit_repair(
        boss,
        case.pk,
        ground="performance",
        statement="已全部履行完毕",
        commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")],
    )
    services.decide_repair(officer, app.pk, approve=True, reason="准予修复")
    messages = selectors.sync_status(case)
    assert sorted(messages.values_list("event_type", flat=True)) == sorted(
        ["credit.published"] * 3 + ["credit.corrected"] * 3 + ["credit.shielded"] * 3
    )
    deliver_all()
    # the HTTP platforms confirmed in their answer; the file platform confirms by writing .ack files
    assert messages.filter(acknowledged_at__isnull=True).count() == 3
    ack_files(tmp_path / "drop")
    deliver_all()
    assert messages.filter(acknowledged_at__isnull=True).count() == 0
    assert len(receiver.keys_for("/xyzg")) == 3 and len(receiver.keys_for("/zx")) == 3
    bodies = [receiver.processed[k] for k in receiver.keys_for("/xyzg")]
    assert [b["data"]["action"] for b in bodies] == ["published", "corrected", "shielded"]
    assert bodies[0]["data"]["record"]["uscc"] == case.enterprise.uscc
    assert len(list((tmp_path / "drop").glob("*.json"))) == 3


def test_a_failing_platform_is_retried_and_shows_as_overdue(officer, published_case, platforms, receiver):
    receiver.fail_next = 100  # both HTTP platforms are down
    case = published_case("G1")
    deliver_all()
    failing = selectors.sync_status(case).filter(delivered_at__isnull=True)
    assert failing.count() == 2 and all(m.status == "failing" for m in failing)
    assert list(selectors.overdue_deliveries()) == []
    later = timezone.now() + timedelta(hours=25)
    OutboxMessage.objects.filter(target=platforms[0].target).update(
        confirm_by=timezone.now() - timedelta(hours=1)
    )
    assert [m.target_label for m in selectors.overdue_deliveries()] == ["信用中国"]
    receiver.fail_next = 0
    deliver_all(now=later)
    assert selectors.sync_status(case).filter(delivered_at__isnull=True).count() == 0
    assert list(selectors.overdue_deliveries()) == []
    assert len(receiver.processed) == 2  # each HTTP platform processed the publication once


def test_deletion_is_synced_and_not_before_commit(officer, published_case, platforms):
    case = published_case("G1")
    services.delete_listing(officer, case.pk, ground="performed", event_on=D("2026-07-01"))
    assert selectors.sync_status(case).filter(event_type="credit.deleted").count() == 3


def test_inactive_platforms_get_nothing(officer, published_case, platforms):
    platforms[2].is_active = False
    platforms[2].save()
    case = published_case("G1")
    assert selectors.sync_status(case).count() == 2


def test_grace_and_settlement_send_nothing(officer, make_case, platforms):
    case = services.issue_notice(
        officer, make_case().pk, grace_months=1, reason="暂时困难", intended_ground="G1"
    )
    services.settle(officer, case.pk, settlement="settled")
    assert OutboxMessage.objects.count() == 0

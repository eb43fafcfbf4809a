"""Every way a listing ends reaches every platform: each deletion ground (A-10.1 items 1–7 on a G1 listing, expiry
and early deletion of a fixed-term one) and revocation (A-9) queue one message per platform, which the receiver
processes once even when the first attempt fails."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from gongzhi.core import outbox
from gongzhi.credit import selectors, services
from gongzhi.credit.choices import ITEM_GROUNDS, CaseState, DeletionGround

D = date.fromisoformat

ENDINGS = [("G1", ground, {"event_on": D("2026-09-30")}) for ground in ITEM_GROUNDS] + [
    ("G2", DeletionGround.EXPIRED, {"event_on": D("2028-06-03")}),
    ("G2", DeletionGround.EARLY, {"note": "积极履行全部义务"}),
]


def deliver_everything(folder, now=None):
    outbox.deliver_due(now=now)
    for message in folder.glob("*.json"):
        message.with_suffix(".ack").write_text("ok")
    outbox.collect_file_acks()


@pytest.mark.parametrize(("listing", "ground", "kwargs"), ENDINGS, ids=[e[1] for e in ENDINGS])
def test_every_deletion_ground_reaches_every_platform(
    officer, published_case, platforms, receiver, tmp_path, listing, ground, kwargs
):
    case = published_case(listing)
    receiver.fail_next = 1  # the first platform call fails and is retried later
    case = services.delete_listing(officer, case.pk, ground=ground, **kwargs)
    assert case.state == CaseState.DELETED and case.deletion_ground == ground
    deletions = selectors.sync_status(case).filter(event_type="credit.deleted")
    assert sorted(deletions.values_list("target_label", flat=True)) == [
        "信用中国",
        "征信系统",
        "第三方信用平台",
    ]
    deliver_everything(tmp_path / "drop")
    deliver_everything(tmp_path / "drop", now=timezone.now() + timedelta(minutes=5))
    assert not selectors.sync_status(case).filter(acknowledged_at__isnull=True).exists()
    for path in ("/xyzg", "/zx"):
        keys = receiver.keys_for(path)
        assert len(set(keys)) == 2  # publication and deletion, each processed once
        actions = sorted(receiver.processed[k]["data"]["action"] for k in set(keys))
        assert actions == ["deleted", "published"]
    assert receiver.processed[deletions.get(target_label="信用中国").idempotency_key]["data"]["record"][
        "state"
    ] == ("deleted")


def test_revocation_reaches_every_platform(officer, published_case, platforms, receiver, tmp_path):
    case = services.revoke(officer, published_case("G1").pk, reason="被执行人不应纳入")
    revocations = selectors.sync_status(case).filter(event_type="credit.revoked")
    assert revocations.count() == 3
    deliver_everything(tmp_path / "drop")
    assert not selectors.sync_status(case).filter(acknowledged_at__isnull=True).exists()
    assert (
        len(list((tmp_path / "drop").glob("*.json"))) == 2
    )  # the file platform got publication and revocation

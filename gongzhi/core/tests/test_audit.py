"""The hash-chained audit trail: appending keeps the chain valid; editing or deleting a row breaks it there."""

from itertools import pairwise

import pytest

from gongzhi.core.audit import verify_chain
from gongzhi.core.models import AuditChain, AuditEvent, append_audit_event


@pytest.fixture
def chain(db):
    return [
        append_audit_event(None, f"action_{i}", target=f"thing:{i}", note=f"第{i}件事", after={"n": i})
        for i in range(5)
    ]


def ordered():
    return AuditEvent.objects.order_by("id")


def test_appended_events_form_a_valid_chain(chain):
    assert verify_chain(ordered()) is None
    assert chain[0].prev_hash == "" and all(b.prev_hash == a.hash for a, b in pairwise(chain))
    assert AuditChain.objects.get(name="core").last_hash == chain[-1].hash
    assert len({e.hash for e in chain}) == 5


@pytest.mark.parametrize(
    "change", [{"note": "改过的说明"}, {"action": "other"}, {"after": {"n": 99}}, {"target": "thing:x"}]
)
def test_editing_a_row_breaks_the_chain_at_that_row(chain, change):
    AuditEvent.objects.filter(pk=chain[2].pk).update(**change)
    assert verify_chain(ordered()).pk == chain[2].pk


def test_rehashing_an_edited_row_breaks_the_next_link(chain):
    edited = AuditEvent.objects.get(pk=chain[2].pk)
    edited.note = "改过的说明"
    AuditEvent.objects.filter(pk=edited.pk).update(note=edited.note, hash=edited.compute_hash())
    assert verify_chain(ordered()).pk == chain[3].pk


def test_deleting_a_row_breaks_the_chain(chain):
    AuditEvent.objects.filter(pk=chain[1].pk).delete()  # the queryset bypasses the model's refusal
    assert verify_chain(ordered()).pk == chain[2].pk


def test_events_refuse_to_be_changed_through_the_model(chain):
    event = AuditEvent.objects.get(pk=chain[0].pk)
    event.note = "x"
    with pytest.raises(RuntimeError):
        event.save()
    with pytest.raises(RuntimeError):
        event.delete()


def test_hash_survives_the_database_round_trip(chain):
    for event in ordered():
        assert event.compute_hash() == event.hash


def test_empty_chain_is_valid(db):
    assert verify_chain(AuditEvent.objects.none()) is None


def test_append_links_a_subject_chain_by_its_last_event_or_the_given_hash(make_appeal, users):
    """ChainedEvent.append: a subject's event seals onto that subject's last event (or onto `prev_hash` when the
    caller knows it); the system (None) is stored as no actor."""
    from gongzhi.appeals.models import AppealEvent

    appeal = make_appeal()
    last = AppealEvent.objects.filter(appeal=appeal).latest("id")
    event = AppealEvent.append(None, "remind", actor_label="系统", appeal=appeal, note="催办")
    assert (event.prev_hash, event.actor_id) == (last.hash, None)
    assert (
        AppealEvent.append(users["dispatcher"], "remind", prev_hash=event.hash, appeal=appeal).prev_hash
        == event.hash
    )
    assert verify_chain(AppealEvent.objects.filter(appeal=appeal).order_by("id")) is None

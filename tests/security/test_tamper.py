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


# ---------------------------------------------------------------- issue K item 3: heads, keys and checkpoints


def _longest_chain(model):
    """The events of the table's longest chain, in order (the world gives every table one of three or more)."""
    from gongzhi.core.audit import _walk

    chains = sorted(_walk(model), key=lambda kv: len(kv[1]))
    assert chains and len(chains[-1][1]) >= 3, (
        f"the world needs a chain of three events in {model._meta.label}"
    )
    return chains[-1]


def _more_events(world):
    """A third event in a chain of every table the world leaves with fewer."""
    u = world["users"]
    proactive._event(world["task"], u["leader"], "remind", note="请本周内完成")


@pytest.mark.parametrize("label", CHAINS)
@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_a_deleted_row_is_found_wherever_it_was(label, where, chained):
    """Deleting a chain's last event leaves every remaining link intact: the chain's head finds it."""
    _more_events(chained)
    model = apps.get_model(label)
    key, events = _longest_chain(model)
    assert verify()[0]
    victim = {"first": events[0], "middle": events[len(events) // 2], "last": events[-1]}[where]
    model.objects.filter(pk=victim.pk)._raw_delete(model.objects.db)
    ok, out = verify()
    assert not ok and f"BROKEN {label}" in out, out
    if key:
        assert f"chain {key}" in out


@pytest.mark.parametrize("label", CHAINS)
def test_an_inserted_row_is_found(label, chained):
    """A row added at the end with a correct link but sealed without the key (plain SHA-256, as before keys)."""
    from gongzhi.core.audit import legacy_hash

    model = apps.get_model(label)
    _key, events = _longest_chain_or_any(model)
    last = events[-1]
    forged = model.objects.get(pk=last.pk)
    forged.pk = None
    forged.note = "伪造的记录"
    forged.prev_hash = last.hash
    forged.hash = legacy_hash(forged)
    model.objects.bulk_create([forged])  # behind the services' back: no head moves
    ok, out = verify()
    assert not ok and f"BROKEN {label}" in out and "altered content" in out


@pytest.mark.parametrize("label", CHAINS)
def test_a_chain_recomputed_without_the_key_is_found(label, chained, settings):
    """Editing a row and recomputing every later hash (and the head) under another key: every link is intact
    but no hash is the platform's."""
    from gongzhi.core import audit
    from gongzhi.core.models import AuditHead

    model = apps.get_model(label)
    key, events = _longest_chain_or_any(model)
    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_KEY": "the-attackers-guess"}
    prev = ""
    for event in events:
        if event is events[0]:
            event.note += "（已篡改）"
        event.prev_hash = prev
        event.hash = event.compute_hash()
        model.objects.filter(pk=event.pk).update(note=event.note, prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    AuditHead.objects.filter(chain=label, subject=key).update(last_hash=prev)
    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_KEY": ""}
    audit._key.cache_clear()
    ok, out = verify()
    assert not ok and f"BROKEN {label}" in out and "altered content" in out


def _longest_chain_or_any(model):
    from gongzhi.core.audit import _walk

    chains = sorted(_walk(model), key=lambda kv: len(kv[1]))
    assert chains, f"the world has no {model._meta.label}"
    return chains[-1]


def test_deleting_an_appeals_last_event_names_the_appeal(world):
    """The contract of issue K item 3: delete the last event row of one appeal directly in the database, and
    `gongzhi verify_audit` exits non-zero and prints that appeal's number."""
    from gongzhi.appeals.models import AppealEvent

    appeal = world["appeal"]
    last = AppealEvent.objects.filter(appeal=appeal).order_by("-id").first()
    AppealEvent.objects.filter(pk=last.pk)._raw_delete(AppealEvent.objects.db)
    ok, out = verify()
    assert not ok and appeal.number in out and "its last events removed" in out


def _keys(tmp_path):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from gongzhi.core.audit import public_key_text

    key = Ed25519PrivateKey.generate()
    return key, public_key_text(key.public_key())


def test_a_checkpoint_finds_a_chain_rewritten_with_the_key(chained, tmp_path, settings):
    """Someone holding the HMAC key rewrites a chain consistently, head included: only the signed checkpoint
    (kept on write-once storage) shows it."""
    import base64

    from cryptography.hazmat.primitives import serialization

    from gongzhi.appeals.models import AppealEvent
    from gongzhi.core.models import AuditHead

    private, public = _keys(tmp_path)
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    settings.GONGZHI = {
        **settings.GONGZHI,
        "AUDIT_SIGNING_KEY": base64.b64encode(raw).decode(),
        "AUDIT_VERIFY_KEY": public,
    }
    out = StringIO()
    call_command("audit_checkpoint", "--dir", str(tmp_path / "worm"), stdout=out)
    path = next((tmp_path / "worm").glob("audit-checkpoint-*.json.gz"))
    ok, text = verify_with(path)
    assert ok and "signature verified" in text

    appeal = chained["appeal"]
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("id"))
    prev = ""
    for event in events:
        if event is events[0]:
            event.note = "改写后的受理记录"
        event.prev_hash = prev
        event.hash = event.compute_hash()
        AppealEvent.objects.filter(pk=event.pk).update(
            note=event.note, prev_hash=event.prev_hash, hash=event.hash
        )
        prev = event.hash
    AuditHead.objects.filter(chain="appeals.AppealEvent", subject=str(appeal.pk)).update(last_hash=prev)
    ok, text = verify()
    assert ok, text  # without the checkpoint the rewrite is consistent
    ok, text = verify_with(path)
    assert not ok and appeal.number in text and "no longer extends the signed checkpoint" in text


def test_a_checkpoint_finds_a_chain_shortened_and_head_moved(chained, tmp_path, settings):
    from gongzhi.appeals.models import AppealEvent
    from gongzhi.core.audit import write_checkpoint
    from gongzhi.core.models import AuditHead

    private, public = _keys(tmp_path)
    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_VERIFY_KEY": public}
    path = write_checkpoint(tmp_path, private)
    appeal = chained["appeal"]
    events = list(AppealEvent.objects.filter(appeal=appeal).order_by("id"))
    AppealEvent.objects.filter(pk=events[-1].pk)._raw_delete(AppealEvent.objects.db)
    AuditHead.objects.filter(chain="appeals.AppealEvent", subject=str(appeal.pk)).update(
        last_hash=events[-2].hash, length=len(events) - 1
    )
    assert verify()[0]
    ok, text = verify_with(path)
    assert not ok and "shorter than in the signed checkpoint" in text


def test_a_forged_or_foreign_checkpoint_is_refused(chained, tmp_path, settings):
    import gzip
    import json

    from gongzhi.core.audit import write_checkpoint

    private, public = _keys(tmp_path)
    other, _other_public = _keys(tmp_path)
    settings.GONGZHI = {**settings.GONGZHI, "AUDIT_VERIFY_KEY": public}
    foreign = write_checkpoint(tmp_path / "a", other)
    ok, text = verify_with(foreign)
    assert not ok and "signature does not verify" in text
    mine = write_checkpoint(tmp_path / "b", private)
    signed = json.loads(gzip.decompress(mine.read_bytes()))
    next(iter(signed["checkpoint"]["chains"].values())).clear()  # drop a table's chains from the signed list
    mine.write_bytes(gzip.compress(json.dumps(signed).encode()))
    ok, text = verify_with(mine)
    assert not ok and "signature does not verify" in text


def verify_with(path) -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("verify_audit", "--checkpoint", str(path), stdout=out)
    except CommandError as exc:
        return False, out.getvalue() + str(exc)
    return True, out.getvalue()


def test_reseal_upgrades_a_database_from_before_keys_and_heads(chained):
    """A database written before keyed chains and heads: `reseal_audit` seals the intact chains again under the
    key and gives them heads, and leaves a chain that was already broken as it is, naming it."""
    from gongzhi.appeals.models import AppealEvent
    from gongzhi.core.audit import _walk, chained_models, legacy_hash
    from gongzhi.core.models import AuditHead

    for model in chained_models():  # make it an old database: unkeyed hashes, no heads
        for _key, events in _walk(model):
            prev = ""
            for event in events:
                event.prev_hash = prev
                event.hash = legacy_hash(event)
                model.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
                prev = event.hash
    AuditHead.objects.all().delete()
    assert not verify()[0]
    broken = AppealEvent.objects.filter(appeal=chained["appeal"]).order_by("id").first()
    AppealEvent.objects.filter(pk=broken.pk).update(note="升级前就被改过")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("reseal_audit", stdout=out)
    assert f"BROKEN appeals.AppealEvent chain {chained['appeal'].pk}" in out.getvalue()
    ok, text = verify()
    assert not ok and text.count("BROKEN") == 1 and chained["appeal"].number in text

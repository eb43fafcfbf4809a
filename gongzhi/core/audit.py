"""The audit trail: append-only, hash-chained domain events that prove themselves (issue K item 3).

Each domain keeps its own event table (AppealEvent, …) built on `ChainedEvent`. An event's hash is an HMAC, under
a key kept outside the database (`audit_key`), of its own content and the hash of the event before it in the same
chain, so editing, inserting or deleting a row breaks a link (`verify_chain` names the first broken one) and a
chain cannot be recomputed without the key. A chain is one subject's events (one appeal's timeline) — the subject
row is already locked by the service that writes — or, for events without a subject, the global chain guarded by
a row lock on `AuditChain`. Every chain keeps its head (`AuditHead`: last hash and length), written with each
event, so deleting a chain's last events is found too. `gongzhi audit_checkpoint` signs every head (Ed25519) into
a file for write-once storage; `gongzhi verify_audit --checkpoint FILE` then also finds a chain rewritten since,
even by someone holding the HMAC key. The functions below are what those commands run.
"""

import base64
import functools
import gzip
import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .conf import setting

# One encoder for every call: json.dumps(cls=…) would build a new one each time (a few µs per audit event).
_CANONICAL = DjangoJSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


@functools.lru_cache(maxsize=4)
def _key(configured: str, secret: str) -> bytes:
    if configured:
        return configured.encode()
    # Derived from the secret key when no audit key is set (development; `check --deploy` warns in production,
    # because rotating the secret key would then break every chain).
    return hmac.new(secret.encode(), b"gongzhi.audit.v1", hashlib.sha256).digest()


def audit_key() -> bytes:
    """The HMAC key of the chains: GONGZHI_AUDIT_KEY, from the environment, never stored in the database."""
    return _key(setting("AUDIT_KEY"), settings.SECRET_KEY)


def seal_text(text: str) -> str:
    """The chain hash of an event's canonical JSON (the importer seals from a template through this too)."""
    return hmac.new(audit_key(), text.encode(), hashlib.sha256).hexdigest()


class ChainedEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    action = models.CharField(_("动作"), max_length=40)
    before = models.JSONField(_("变更前"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField(_("变更后"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("说明"), blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    # The foreign key whose value names an event's chain (one chain per subject); None: one chain for the table.
    chain_subject_field: str | None = None
    # For events without a subject: the AuditChain row that holds the chain's last hash.
    chain_head: str | None = None

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit events are append-only")
        super().save(*args, **kwargs)
        advance_head(self)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit events are append-only")

    def chain_payload(self) -> dict:
        return {
            "subject": self.chain_subject_id(),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "created_at": self.created_at.isoformat(),
            "action": self.action,
            "before": self.before,
            "after": self.after,
            "note": self.note,
            "prev": self.prev_hash,
        }

    def chain_subject_id(self) -> Any:
        field = self.chain_subject_field
        return getattr(self, f"{field}_id") if field else None

    @classmethod
    def append(
        cls,
        actor: Any,
        action: str,
        *,
        actor_label: str = "",
        note: str = "",
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        prev_hash: str | None = None,
        **fields: Any,
    ) -> Self:
        """Append one event to its chain: seal it onto the chain's last hash and save it (the one way events are
        written; each app's helper only says how it names the actor and what else its table holds).

        An event with a subject (`chain_subject_field` set, e.g. an appeal) joins that subject's chain: the caller
        holds the subject's row lock, as for the change the event records. `prev_hash` spares the query for the
        chain's last hash when the caller knows it ("" for a subject created in the same transaction). An event
        without one joins the table's chain (`chain_head`), whose `AuditChain` row this locks. `actor` is a user or
        None (the system); it is stored only when it is a saved user."""
        from .models import AuditChain

        event = cls(
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=actor_label,
            action=action,
            note=note,
            before=before or {},
            after=after or {},
            **fields,
        )
        subject = event.chain_subject_id()
        if subject is None:
            if not cls.chain_head:
                raise ValueError(f"{cls.__name__}: an event without a subject needs the table's chain_head")
            with transaction.atomic():
                head, _created = AuditChain.objects.select_for_update().get_or_create(name=cls.chain_head)
                event.seal(head.last_hash)
                event.save()
                head.last_hash = event.hash
                head.save(update_fields=["last_hash"])
            return event
        if prev_hash is None:
            assert cls.chain_subject_field is not None
            prev_hash = (
                cls._default_manager.filter(**{f"{cls.chain_subject_field}_id": subject})
                .order_by("-id")
                .values_list("hash", flat=True)
                .first()
                or ""
            )
        event.seal(prev_hash)
        event.save()
        return event

    def canonical_payload(self) -> str:
        # Round-trip through JSON so the hash is the same before and after the database stores it.
        return canonical_json(json.loads(canonical_json(self.chain_payload())))

    def compute_hash(self) -> str:
        return seal_text(self.canonical_payload())

    def seal(self, prev_hash: str) -> None:
        self.prev_hash = prev_hash
        self.hash = self.compute_hash()


def verify_chain(events) -> Any | None:
    """Walk events in chain order; return the first event whose link is broken, else None."""
    prev = ""
    for event in events:
        if event.prev_hash != prev or event.compute_hash() != event.hash:
            return event
        prev = event.hash
    return None


def chain_key(event: ChainedEvent) -> tuple[str, str]:
    subject = event.chain_subject_id()
    return event._meta.label, "" if subject is None else str(subject)


def advance_head(event: ChainedEvent) -> None:
    """Move the event's chain head to it (the caller holds the chain's lock, as for writing the event)."""
    from .models import AuditHead

    chain, subject = chain_key(event)
    if not AuditHead.objects.filter(chain=chain, subject=subject).update(
        last_hash=event.hash, length=F("length") + 1
    ):
        AuditHead.objects.create(chain=chain, subject=subject, last_hash=event.hash, length=1)


def chained_models() -> list[type[ChainedEvent]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, ChainedEvent)]


def _walk(model) -> Iterator[tuple[str, list]]:
    """Each chain of the table in order: (subject key, its events)."""
    field = model.chain_subject_field
    order = [f"{field}_id", "id"] if field else ["id"]
    subject, events = object(), []
    for event in model.objects.order_by(*order).iterator(chunk_size=2000):
        key = getattr(event, f"{field}_id") if field else None
        key = "" if key is None else str(key)
        if key != subject:
            if events:
                yield subject, events
            subject, events = key, []
        events.append(event)
    if events:
        yield subject, events


def broken_links(checkpoint: dict | None = None):
    """Yield (model, subject key, first broken event or None, reason) for every chain of every event table.

    reasons: "content" (a row's content altered, or sealed without the key), "link" (a row removed or inserted
    before this one), "head" (the chain's last events removed, or rows added after them), "headless" (a chain
    with no head: written behind the services' back), "gone" (a head whose chain has no event left); with a
    checkpoint also "rewritten" (the chain no longer extends what was signed) and "shortened"."""
    from .models import AuditHead

    signed = (checkpoint or {}).get("chains", {})
    for model in chained_models():
        label = model._meta.label
        heads = {
            s: (h, n)
            for s, h, n in AuditHead.objects.filter(chain=label)
            .values_list("subject", "last_hash", "length")
            .iterator()
        }
        at_checkpoint = dict(signed.get(label, {}))
        for key, events in _walk(model):
            prev = ""
            for event in events:
                if event.prev_hash != prev or event.compute_hash() != event.hash:
                    yield model, key, event, "link" if event.prev_hash != prev else "content"
                    break
                prev = event.hash
            else:
                head = heads.get(key)
                if head is None:
                    yield model, key, None, "headless"
                elif head != (events[-1].hash, len(events)):
                    yield model, key, None, "head"
            heads.pop(key, None)
            mark = at_checkpoint.pop(key, None)
            if mark is not None:
                last_hash, length = mark
                if len(events) < length:
                    yield model, key, None, "shortened"
                elif events[length - 1].hash != last_hash:
                    yield model, key, None, "rewritten"
        for key in heads:
            yield model, key, None, "gone"
        for key in at_checkpoint:  # signed, and no event of the chain is left
            yield model, key, None, "shortened"


def describe_subject(model, key: str) -> str:
    """A person's name for a chain's subject: the appeal's number, the topic's title … ("" when none)."""
    field = model.chain_subject_field
    if not field or key == "":
        return ""
    related = model._meta.get_field(field).related_model
    obj = related.objects.filter(pk=key).first()
    if obj is None:
        return ""
    return str(getattr(obj, "number", "") or obj)


# ---------------------------------------------------------------- signed checkpoints (Ed25519)

CHECKPOINT_FORMAT = "gongzhi-audit-checkpoint/1"


class CheckpointError(Exception):
    pass


def _load_private_key(value: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    text = Path(value).read_bytes() if Path(value).is_file() else value.encode()
    if b"-----BEGIN" in text:
        return serialization.load_pem_private_key(text, password=None)
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(text))


def _load_public_key(value: str):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    text = Path(value).read_bytes() if Path(value).is_file() else value.encode()
    if b"-----BEGIN" in text:
        return serialization.load_pem_public_key(text)
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(text))


def public_key_text(public_key) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def signing_key():
    value = setting("AUDIT_SIGNING_KEY")
    if not value:
        raise CheckpointError(
            "GONGZHI_AUDIT_SIGNING_KEY is not set (an Ed25519 private key: a PEM file or base64)"
        )
    return _load_private_key(value)


def verify_key():
    value = setting("AUDIT_VERIFY_KEY")
    if value:
        return _load_public_key(value)
    return signing_key().public_key()


def checkpoint_data() -> dict:
    """Every chain's head and length, now."""
    from .models import AuditHead

    chains: dict[str, dict[str, list]] = {}
    for chain, subject, last_hash, length in (
        AuditHead.objects.order_by("chain", "subject")
        .values_list("chain", "subject", "last_hash", "length")
        .iterator()
    ):
        chains.setdefault(chain, {})[subject] = [last_hash, length]
    return {"format": CHECKPOINT_FORMAT, "created_at": timezone.now().isoformat(), "chains": chains}


def write_checkpoint(folder: Path, private_key=None) -> Path:
    """Sign the heads and write them to a new file (never over an old one) in `folder`."""
    private_key = private_key or signing_key()
    data = checkpoint_data()
    body = canonical_json(data).encode()
    signed = {
        "checkpoint": data,
        "signature": base64.b64encode(private_key.sign(body)).decode(),
        "public_key": public_key_text(private_key.public_key()),
    }
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    path = folder / f"audit-checkpoint-{stamp}.json.gz"
    with gzip.open(path, "xt", encoding="utf-8") as out:  # "x": an existing file is never overwritten
        out.write(canonical_json(signed))
    return path


def read_checkpoint(path: Path, public_key=None) -> dict:
    """The checkpoint's data, once its signature verifies under the configured public key."""
    from cryptography.exceptions import InvalidSignature

    try:
        opener = gzip.open if str(path).endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8") as stream:
            signed = json.load(stream)
        data, signature = signed["checkpoint"], base64.b64decode(signed["signature"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"cannot read checkpoint {path}: {exc}") from None
    public_key = public_key or verify_key()
    try:
        public_key.verify(signature, canonical_json(data).encode())
    except InvalidSignature:
        raise CheckpointError(
            f"checkpoint {path}: the signature does not verify (altered, or another key)"
        ) from None
    if data.get("format") != CHECKPOINT_FORMAT:
        raise CheckpointError(f"checkpoint {path}: unknown format {data.get('format')!r}")
    return data


# ---------------------------------------------------------------- upgrading chains written before keys and heads


def legacy_hash(event: ChainedEvent) -> str:
    """The unkeyed SHA-256 that chains were sealed with before the HMAC key (kept for `reseal_audit` only)."""
    return hashlib.sha256(event.canonical_payload().encode()).hexdigest()


def needs_reseal() -> bool:
    """Events but no heads: a database written before keyed chains and heads."""
    from .models import AuditHead

    return not AuditHead.objects.exists() and any(m.objects.exists() for m in chained_models())


def reseal_all(log=None) -> dict:
    """Seal every chain written before keyed chains and heads (once, after the upgrade): a chain that verifies
    under the old unkeyed hash is sealed again under the key and given its head; a chain that verifies already
    only gets its head; a chain that verifies under neither is left as it is and reported."""
    from django.db import transaction

    from .models import AuditChain, AuditHead

    done = {"resealed": 0, "headed": 0, "broken": []}
    for model in chained_models():
        label = model._meta.label
        for key, events in _walk(model):
            with transaction.atomic():
                keyed = all(
                    e.compute_hash() == e.hash and e.prev_hash == (events[i - 1].hash if i else "")
                    for i, e in enumerate(events)
                )
                if not keyed:
                    legacy = all(
                        legacy_hash(e) == e.hash and e.prev_hash == (events[i - 1].hash if i else "")
                        for i, e in enumerate(events)
                    )
                    if not legacy:
                        done["broken"].append((label, key))
                        continue
                    prev = ""
                    for event in events:
                        event.prev_hash = prev
                        event.hash = event.compute_hash()
                        model.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash)
                        prev = event.hash
                    done["resealed"] += 1
                AuditHead.objects.update_or_create(
                    chain=label, subject=key, defaults={"last_hash": events[-1].hash, "length": len(events)}
                )
                if model.chain_head and key == "":
                    AuditChain.objects.update_or_create(
                        name=model.chain_head, defaults={"last_hash": events[-1].hash}
                    )
                done["headed"] += 1
        if log:
            log(f"{label}: done")
    return done

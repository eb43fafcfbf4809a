"""The audit trail: append-only, hash-chained domain events.

Each domain keeps its own event table (AppealEvent, …) built on `ChainedEvent`. An event's hash covers
its own content and the hash of the event before it in the same chain, so editing or deleting a
row breaks every later link (`verify_chain` names the first broken one). A chain is one subject's
events (one appeal's timeline) — the subject row is already locked by the service that writes — or,
for events without a subject, the global chain guarded by a row lock on `AuditChain`.
"""

import hashlib
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# One encoder for every call: json.dumps(cls=…) would build a new one each time (a few µs per audit event).
_CANONICAL = DjangoJSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


class ChainedEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
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
        return None

    def compute_hash(self) -> str:
        # Round-trip through JSON so the hash is the same before and after the database stores it.
        payload = json.loads(canonical_json(self.chain_payload()))
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

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


def broken_links():
    """Yield (model, subject id, first broken event, reason) for every chain of every event table."""
    from django.apps import apps

    from .models import AuditChain

    heads = dict(AuditChain.objects.values_list("name", "last_hash"))
    for model in apps.get_models():
        if not issubclass(model, ChainedEvent):
            continue
        field = model.chain_subject_field
        order = [f"{field}_id", "id"] if field else ["id"]
        subject, prev, broken, last = object(), "", False, {}
        for event in model.objects.order_by(*order).iterator():
            key = getattr(event, f"{field}_id") if field else None
            if key != subject:
                subject, prev, broken = key, "", False
            if not broken and (event.prev_hash != prev or event.compute_hash() != event.hash):
                broken = True
                yield model, key, event, "link" if event.prev_hash != prev else "content"
            prev = event.hash
            last[key] = event.hash
        if model.chain_head and heads.get(model.chain_head, "") != last.get(None, ""):
            yield model, None, None, "head"

"""Webhooks: other systems (信访, the city's 12345 platform, …) subscribe to event types and receive each event as
a signed JSON POST.

Every domain event table (`ChainedEvent` subclasses: AppealEvent, CreditEvent, DeliberationEvent,
CommunityEvent) is an event source: when an event row is written, each active subscription that wants its type
(`<app label>.<action>`, e.g. `appeals.dispatch`; `appeals.*`; `*`) gets one outbox message in the same
transaction. Delivery, signing, retries with back-off, the delivery log and acknowledgements are the outbox's
(`core.outbox`), shared with the credit platforms; the worker is nudged on commit, so a rolled-back change sends
nothing. An app may register a payload builder for its events (appeals do: `appeals/webhooks.py`); others send
the generic envelope. Payloads never carry a resident's name, phone, ID number or the appeal's text.
"""

import re
import secrets

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext as _

from gongzhi.core import netguard, outbox, refcache
from gongzhi.core.audit import ChainedEvent
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import User, append_audit_event
from gongzhi.core.webhooks.models import WebhookSubscription

_PAYLOADS: dict[type, callable] = {}
_EVENT_LABELS: dict[str, dict[str, str]] = {}  # domain → action → label (for the admin's choices)
_discovered = False
ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*$")
MIN_SECRET = 16


def register(model: type, payload, event_labels: dict | None = None) -> None:
    """An app's payload builder `payload(event) -> dict` for its event model, and the labels of its actions."""
    _PAYLOADS[model] = payload
    if event_labels:
        _EVENT_LABELS.setdefault(model._meta.app_label, {}).update(
            {k: str(v) for k, v in event_labels.items()}
        )


def _discover() -> None:
    global _discovered
    if not _discovered:
        _discovered = True
        autodiscover_modules("webhooks")


def domains() -> dict[str, str]:
    """App label → its name, for every app with an event table (core's own audit trail is not published)."""
    return {
        m._meta.app_label: str(m._meta.app_config.verbose_name)
        for m in apps.get_models()
        if issubclass(m, ChainedEvent) and m._meta.app_label != "core"
    }


def event_type_choices() -> list[tuple[str, str]]:
    """What a subscription may name: `*`, each domain's `<domain>.*`, and the registered actions."""
    _discover()
    choices = [("*", _("全部事件"))]
    for domain, label in sorted(domains().items()):
        choices.append((f"{domain}.*", _("%(d)s：全部事件") % {"d": label}))
        for action, action_label in _EVENT_LABELS.get(domain, {}).items():
            choices.append((f"{domain}.{action}", f"{label}：{action_label}"))
    return choices


def clean_event_types(values) -> list[str]:
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,，]+", values) if v]
    if not isinstance(values, list | tuple) or not values:
        raise ServiceError(_("请至少选择一个事件类型。"), field="event_types")
    known = domains()
    cleaned = []
    for value in values:
        value = str(value).strip()
        domain, _dot, action = value.partition(".")
        if value != "*" and not (domain in known and (action == "*" or ACTION_RE.match(action))):
            raise ServiceError(
                _("事件类型「%(v)s」无效：应为 *、%(d)s 之一加 .* 或 .动作名（如 appeals.dispatch）。")
                % {"v": value, "d": "、".join(sorted(known))},
                field="event_types",
            )
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


# ---------------------------------------------------------------- publishing


def generic_payload(event: ChainedEvent) -> dict:
    return {
        "event": {
            "id": event.pk,
            "action": event.action,
            "at": event.created_at,
            "subject_type": event.chain_subject_field or "",
            "subject_id": event.chain_subject_id(),
        }
    }


def active_subscriptions() -> list[WebhookSubscription]:
    """Every active subscription, cached per process until one is written (core.refcache); shared, read-only."""
    return refcache.cached(
        refcache.REFERENCE,
        "webhook_subscriptions",
        lambda: list(WebhookSubscription.objects.using(refcache.DB).filter(is_active=True)),
    )


def publish_event(event: ChainedEvent) -> int:
    """Queue one outbox message per active subscription that wants this event; returns how many."""
    domain = event._meta.app_label
    event_type = f"{domain}.{event.action}"
    wanted = [s for s in active_subscriptions() if s.wants(event_type)]
    if not wanted:
        return 0
    _discover()
    payload = _PAYLOADS.get(type(event), generic_payload)(event)
    subject = (
        f"{domain}.{event.chain_subject_field}:{event.chain_subject_id()}"
        if event.chain_subject_field
        else ""
    )
    for subscription in wanted:
        outbox.enqueue(
            event_id=f"{domain}.event:{event.pk}",
            event_type=event_type,
            target=subscription.target,
            target_label=subscription.name,
            backend=outbox.OutboxBackend.WEBHOOK,
            address=subscription.url,
            secret=subscription.secret,
            payload=payload,
            subject=subject[:100],
        )
    return len(wanted)


def _on_event_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw and isinstance(instance, ChainedEvent) and sender._meta.app_label != "core":
        publish_event(instance)


def connect() -> None:
    post_save.connect(_on_event_saved, dispatch_uid="gongzhi.core.webhooks")


# ---------------------------------------------------------------- services (admins only)


def _require_admin(actor) -> None:
    if actor is None or not actor.has_role("admin"):
        raise PermissionDeniedError(_("只有管理员可以管理 Webhook。"))


def _clean(name: str, url: str, secret: str) -> tuple[str, str, str]:
    name = (name or "").strip()
    if not name:
        raise ServiceError(_("请填写名称。"), field="name")
    url = netguard.check_url(url)  # public addresses only (no loopback, intranet, link-local, reserved)
    if len(secret) < MIN_SECRET:
        raise ServiceError(_("签名密钥至少%(n)s个字符。") % {"n": MIN_SECRET}, field="secret")
    return name[:100], url, secret


def _snapshot(sub: WebhookSubscription) -> dict:
    return {"name": sub.name, "url": sub.url, "event_types": sub.event_types, "is_active": sub.is_active}


def create_subscription(
    actor: User, *, name: str, url: str, event_types, secret: str = "", is_active: bool = True
) -> WebhookSubscription:
    """A new subscription; without a secret one is generated (the caller shows it once)."""
    _require_admin(actor)
    name, url, secret = _clean(name, url, secret or secrets.token_urlsafe(32))
    event_types = clean_event_types(event_types)
    with transaction.atomic():
        sub = WebhookSubscription.objects.create(
            name=name,
            url=url,
            secret=secret,
            event_types=event_types,
            is_active=bool(is_active),
            created_by=actor,
        )
        append_audit_event(
            actor, "webhook_create", target=f"webhook:{sub.pk}", note=name, after=_snapshot(sub)
        )
    return sub


def update_subscription(actor: User, subscription_id: int, **changes) -> WebhookSubscription:
    """Change name, url, event_types, is_active or secret (a new secret applies to messages queued after it)."""
    _require_admin(actor)
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
        before = _snapshot(sub)
        name, url, secret = _clean(
            changes.get("name", sub.name), changes.get("url", sub.url), changes.get("secret") or sub.secret
        )
        sub.name, sub.url, sub.secret = name, url, secret
        if "event_types" in changes:
            sub.event_types = clean_event_types(changes["event_types"])
        if "is_active" in changes:
            sub.is_active = bool(changes["is_active"])
        sub.save()
        after = _snapshot(sub)
        if changes.get("secret"):
            after["secret"] = "changed"
        append_audit_event(
            actor, "webhook_update", target=f"webhook:{sub.pk}", note=sub.name, before=before, after=after
        )
    return sub


def retry_delivery(actor: User, message_id: int) -> outbox.OutboxMessage:
    """Retry now: make an undelivered message due at once and wake the worker. Audited."""
    _require_admin(actor)
    with transaction.atomic():
        message = outbox.OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise ServiceError(_("未找到该投递记录。"), code="not_found")
        if message.delivered_at is not None:
            raise ServiceError(_("该消息已送达，无需重试。"), code="already_delivered")
        outbox.retry_now(message.pk)
        append_audit_event(
            actor,
            "outbox_retry",
            target=f"outbox:{message.pk}",
            note=_("立即重试投递 %(e)s → %(t)s")
            % {"e": message.event_type, "t": message.target_label or message.target},
        )
    message.refresh_from_db()
    return message


def deliveries(subscription: WebhookSubscription | None = None):
    qs = outbox.OutboxMessage.objects.filter(target__startswith="webhook:")
    if subscription is not None:
        qs = qs.filter(target=subscription.target)
    return qs.order_by("-created_at", "-id")

"""What other systems hear of an appeal's events (core.webhooks): the appeal's handling facts, never the
appellant's identity or the text of the appeal (a confidential appeal's title is left out too)."""

from gongzhi.core import webhooks

from .models import AppealEvent
from .workflow import EVENT_LABELS, event_label


def _unit(unit):
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def appeal_payload(event: AppealEvent) -> dict:
    appeal = event.appeal
    return {
        "event": {
            "id": event.pk,
            "action": event.action,
            "label": event_label(event.action),
            "at": event.created_at,
            "state_before": event.state_before,
            "state_after": event.state_after,
            "unit": _unit(event.unit),
        },
        "appeal": {
            "id": appeal.pk,
            "number": appeal.number,
            "kind": appeal.kind,
            "channel": appeal.channel,
            "urgency": appeal.urgency,
            "state": appeal.state,
            "title": "" if appeal.confidential else appeal.title,
            "category": appeal.category.code if appeal.category is not None else None,
            "region": appeal.region.code,
            "lead_unit": _unit(appeal.lead_unit),
            "received_at": appeal.received_at,
            "reply_due": appeal.reply_due,
            "replied_at": appeal.replied_at,
            "closed_at": appeal.closed_at,
            "close_reason": appeal.close_reason or None,
            "master": appeal.master.number if appeal.master is not None else None,
            "anonymous": appeal.anonymous,
            "reopen_count": appeal.reopen_count,
        },
    }


webhooks.register(AppealEvent, appeal_payload, EVENT_LABELS)

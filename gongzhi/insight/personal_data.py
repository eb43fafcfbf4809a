"""Insight's part of a person's data (core.personal_data): appeals they co-signed (附议), nearby alerts they
follow. Closing the account ends the alerts; co-signs stay counted (a nameless resident)."""

from django.utils import timezone

from .models import AlertSubscription, CoSign


def export(user) -> list[dict]:
    rows = [
        {
            "类型": "附议",
            "内容": f"{c.appeal.number or '—'} {c.appeal.title}",
            "时间": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
        }
        for c in CoSign.objects.filter(resident=user).select_related("appeal")
    ]
    rows += [
        {"类型": "附近提醒", "内容": str(s), "时间": ""} for s in AlertSubscription.objects.filter(user=user)
    ]
    return rows


def erase(user) -> int:
    return AlertSubscription.objects.filter(user=user).delete()[0]

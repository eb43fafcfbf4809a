"""Reply quality in the loop (issue L part 3): every reply scored when it is written, a preview for the handler
before sending, and the figures per unit and month for the rates page and the monthly report.

The rules are insight.replies (the `score_replies` command's too); this module applies them to appeals."""

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any, cast

from django.db import transaction
from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone

from . import replies

logger = logging.getLogger(__name__)

# The appeal events whose note is a reply written by staff (a unit's 答复 and the hotline's 直接答复).
REPLY_ACTIONS = ("reply", "answer_directly")
PARTS = ("relevance", "completeness", "explainability", "timeliness", "overall")


def assess_reply(appeal, text: str, replied_at: datetime | None = None) -> dict:
    """The score of `text` as a reply to `appeal` written at `replied_at` (now by default). The appeal is read with
    personal data removed (core.redaction), so a reason that names the appeal's terms never keeps a name or a
    number once the appeal is anonymised."""
    from gongzhi.core.redaction import redact_appeal

    title, content = redact_appeal(appeal)
    return replies.assess(
        content or "", text or "", appeal.received_at, replied_at or timezone.now(), title or ""
    )


def record_score(event):
    """Score the reply an appeal event carries and keep it (once per event). Returns the ReplyScore or None."""
    from .models import ReplyScore

    if event.action not in REPLY_ACTIONS:
        return None
    appeal = event.appeal
    replied_at = appeal.replied_at or event.created_at  # the services' clock (appeals.services._now)
    result = assess_reply(appeal, event.note, replied_at)
    row, _created = ReplyScore.objects.update_or_create(
        event=event,
        defaults={
            "appeal": appeal,
            "unit_id": event.unit_id,
            "replied_at": replied_at,
            "level": result["level"],
            "reasons": result["reasons"],
            "template_only": replies.TEMPLATE_ONLY in result["reasons"],
            **{k: result[k] for k in PARTS},
        },
    )
    return row


def backfill(batch: int = 500) -> int:
    """Score the replies written before scoring existed (reply events without a score), each at the time of its
    event. Idempotent. Returns how many were scored."""
    from gongzhi.appeals.models import AppealEvent

    done = 0
    pending = (
        AppealEvent.objects.filter(action__in=REPLY_ACTIONS, reply_score__isnull=True)
        .select_related("appeal")
        .order_by("pk")
    )
    for event in pending.iterator(chunk_size=batch):
        event.appeal.replied_at = event.created_at  # this round's reply time, not the latest round's
        record_score(event)
        done += 1
    return done


def appeal_event_saved(sender, instance, created, raw=False, **kwargs):
    """post_save on AppealEvent: a reply was written; score it in the same transaction (a failure is logged and
    never stops the reply)."""
    if not created or raw or instance.action not in REPLY_ACTIONS:
        return
    try:
        with transaction.atomic():
            record_score(instance)
    except Exception:
        logger.exception("could not score the reply of appeal event %s", instance.pk)


def readers():
    """Who reads a reply's quality: the staff who write, call back, review and rank replies; never the appellant
    (a resident reads the reply, not its grade)."""
    from gongzhi.core.choices import Role

    return (Role.OPERATOR, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)


def score_for(user, appeal):
    """The latest reply's score if `user` may read it (a staff reader of an appeal not their own), else None."""
    if (
        not appeal.reply_text
        or not getattr(user, "is_authenticated", False)
        or appeal.appellant_id == user.pk
        or not user.has_role(*readers())
    ):
        return None
    return latest_score(appeal)


def latest_score(appeal):
    """The score of the appeal's latest reply (a merged appeal shows its master's), or None."""
    from .models import ReplyScore

    ids = [appeal.pk] + ([appeal.master_id] if appeal.master_id else [])
    return ReplyScore.objects.filter(appeal_id__in=ids).order_by("-replied_at", "-pk").first()


def as_dict(row) -> dict | None:
    if row is None:
        return None
    return {
        **{k: getattr(row, k) for k in PARTS},
        "level": row.level,
        "reasons": list(row.reasons),
        "replied_at": row.replied_at,
    }


def by_unit_month(start=None, end=None, units=None) -> list[dict]:
    """Per replying unit and month: replies scored, the mean of each part, and how many were "较差" or only
    template. Ordered by month then unit name."""
    from .models import ReplyScore

    rows = ReplyScore.objects.filter(unit__isnull=False)
    if start:
        rows = rows.filter(replied_at__gte=start)
    if end:
        rows = rows.filter(replied_at__lt=end)
    if units is not None:
        rows = rows.filter(unit__in=units)
    agg = (
        rows.annotate(month=TruncMonth("replied_at", tzinfo=timezone.get_current_timezone()))
        .values("month", "unit_id", "unit__name")
        .annotate(
            replies=Count("pk"),
            poor=Count("pk", filter=Q(level=replies.LEVELS[-1][1])),
            templated=Count("pk", filter=Q(template_only=True)),
            **{f"avg_{k}": Avg(k) for k in PARTS},
        )
        .order_by("month", "unit__name")
    )
    out = []
    # The plugin types the rows without the avg_ columns (annotated from a dict): they are plain dicts.
    for r in cast("Iterable[dict[str, Any]]", agg):
        out.append(
            {
                "month": f"{r['month']:%Y-%m}",
                "unit": r["unit__name"],
                "unit_id": r["unit_id"],
                "replies": r["replies"],
                "poor": r["poor"],
                "template_only": r["templated"],
                **{k: round(r[f"avg_{k}"], 3) for k in PARTS},
                "level": replies.level(r["avg_overall"]),
            }
        )
    return out


def month_rows(user, period: str) -> list[dict]:
    """The month's reply quality per unit as `user` may read it (the rates page's rule: a handler their unit only)."""
    from gongzhi.appeals import rates

    start, end = rates.month_bounds(period)
    unit = rates.own_unit_only(user)
    return by_unit_month(start, end, units=[unit] if unit is not None else None)


QUALITY_HEADERS = [
    "月份",
    "答复单位",
    "答复件数",
    "平均总分",
    "评价",
    "相关性",
    "完整性",
    "解释性",
    "及时性",
    "较差件数",
    "只有模板语件数",
]


def export_rows(user, period: str) -> list[list]:
    """The monthly report's 答复质量 sheet (appeals.exchange.exporting)."""
    return [
        [
            r["month"],
            r["unit"],
            r["replies"],
            r["overall"],
            r["level"],
            r["relevance"],
            r["completeness"],
            r["explainability"],
            r["timeliness"],
            r["poor"],
            r["template_only"],
        ]
        for r in month_rows(user, period)
    ]

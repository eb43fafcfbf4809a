"""Pre-aggregated three rates (RateCounter): one row per local month, unit and appeal region holding exactly
the counts `rates.compute_metrics` takes from the raw rows, so a month's ranking reads a few hundred rows.

Kept exact by the services that write the counted rows, in the same transaction:
- `count_event`: dispatch (and whether within its limit), sign, reply and callback events (record_event);
- `count_callback`: a valid callback (services.callback);
- `count_return` / `count_unjustified`: a return request, and its rejection (counted in the month it was made);
- `count_supervision`: the first level-1 督办 of an appeal and unit in a month (the raw count is distinct).
`rebuild()` recomputes every row from the raw tables (`gongzhi rebuild_rate_counters`, and the migration
that created the table).
"""

from collections import defaultdict
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import BigIntegerField, Count, F, Q, Sum, Value
from django.db.models.functions import TruncMonth
from django.utils import timezone

from .choices import AppealState, RequestDecision, Satisfaction, SupervisionKind

FIELDS = (
    "entries",
    "valid_callbacks",
    "contacted_on_time",
    "solved",
    "satisfied",
    "basically",
    "reopened",
    "signs",
    "signs_on_time",
    "replies",
    "replies_on_time",
    "handling_count",
    "handling_micros",
    "dispatches",
    "dispatches_on_time",
    "returns",
    "unjustified_returns",
    "overdue",
)
COUNTED_ACTIONS = ("dispatch", "sign", "reply", "callback")


def month_of(moment: datetime) -> date:
    return timezone.localtime(moment).date().replace(day=1)


def handling_micros(seconds) -> int:
    """The reply's handling time in whole microseconds (summed exactly, whatever the order)."""
    return round(float(seconds) * 1_000_000)


def _increments(deltas: dict[str, int]) -> dict:
    # Typed bigint: a bare int is an int4 parameter, which overflows for handling_micros (over 2**31 µs is 36 min).
    return {k: F(k) + Value(v, output_field=BigIntegerField()) for k, v in deltas.items()}


def _bump(moment: datetime, unit_id: int | None, region_id: int, **deltas: int) -> None:
    from .models import RateCounter

    key = {"month": month_of(moment), "unit_id": unit_id, "region_id": region_id}
    deltas = {"entries": 1, **deltas}
    if RateCounter.objects.filter(**key).update(**_increments(deltas)):
        return
    try:
        with transaction.atomic():
            RateCounter.objects.create(**key, **deltas)
    except IntegrityError:  # another transaction created the row first
        RateCounter.objects.filter(**key).update(**_increments(deltas))


def event_deltas(action: str, after: dict | None, state_after: str) -> dict[str, int] | None:
    after = after or {}
    on_time = after.get("on_time")
    if action == "dispatch":
        # On time unless it says late: dispatches recorded before the dispatch limit existed count as on time.
        return {"dispatches": 1, "dispatches_on_time": int(on_time is not False)}
    if action == "callback":
        # Only a callback that sent the work back counts as a reopening (not one past the reopen limit).
        return {"reopened": int(state_after == AppealState.IN_PROGRESS)}
    if action == "sign":
        return {"signs": 1, "signs_on_time": int(on_time is not False)}
    if action == "reply":
        return reply_deltas(after)
    return None


def reply_deltas(after: dict | None) -> dict[str, int]:
    after = after or {}
    on_time = after.get("on_time")
    seconds = after.get("handling_seconds")
    handled = (
        {"handling_count": 1, "handling_micros": handling_micros(seconds)} if seconds is not None else {}
    )
    return {"replies": 1, "replies_on_time": int(on_time is not False), **handled}


def count_event(appeal, event) -> None:
    deltas = event_deltas(event.action, event.after, event.state_after)
    if deltas is not None:
        _bump(event.created_at, event.unit_id, appeal.region_id, **deltas)


def callback_deltas(contacted, first_contact_on_time, solved, satisfaction) -> dict[str, int]:
    return {
        "valid_callbacks": 1,
        "contacted_on_time": int(bool(contacted and first_contact_on_time)),
        "solved": int(bool(solved)),
        "satisfied": int(satisfaction == Satisfaction.SATISFIED),
        "basically": int(satisfaction == Satisfaction.BASICALLY),
    }


def count_callback(appeal, record) -> None:
    if record.valid:
        _bump(
            record.created_at,
            record.unit_id,
            appeal.region_id,
            **callback_deltas(
                record.contacted, record.first_contact_on_time, record.solved, record.satisfaction
            ),
        )


def count_return(appeal, request) -> None:
    _bump(request.requested_at, request.unit_id, appeal.region_id, returns=1)


def count_unjustified(appeal, request) -> None:
    """A rejected return is unjustified; counted in the month the return was requested."""
    if request.decision == RequestDecision.REJECTED:
        _bump(request.requested_at, request.unit_id, appeal.region_id, entries=0, unjustified_returns=1)


def count_supervision(appeal, item) -> None:
    """compute_metrics counts each (unit, appeal) with a level-1 督办 once per period (month)."""
    from .models import Supervision

    if item.kind != SupervisionKind.SUPERVISION or item.level != 1:
        return
    month = month_of(item.created_at)
    start, end = _month_range(month)
    earlier = Supervision.objects.filter(
        appeal_id=item.appeal_id,
        unit_id=item.unit_id,
        kind=item.kind,
        level=1,
        created_at__gte=start,
        created_at__lt=end,
    ).exclude(pk=item.pk)
    _bump(item.created_at, item.unit_id, appeal.region_id, overdue=int(not earlier.exists()))


def _month_range(month: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return datetime(month.year, month.month, 1, tzinfo=tz), datetime(nxt.year, nxt.month, 1, tzinfo=tz)


# ---------------------------------------------------------------- rebuild from the raw rows


def rebuild(models=None, *, batch_size: int = 5000) -> int:
    """Replace every RateCounter row by the counts of the raw rows (one grouped query per source).
    `models` maps model names to classes (a migration passes its historical models). Returns rows written."""
    if models is None:
        from . import models as appeal_models

        models = {
            name: getattr(appeal_models, name)
            for name in ("RateCounter", "Callback", "AppealEvent", "ReturnRequest", "Supervision")
        }
    tz = timezone.get_current_timezone()
    totals: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELDS, 0))

    def add(month, unit_id, region_id, deltas):
        if isinstance(month, datetime):  # the database may hand back the local midnight in UTC
            month = timezone.localtime(month, tz).date() if timezone.is_aware(month) else month.date()
        row = totals[(month, unit_id, region_id)]
        for k, v in deltas.items():
            row[k] += v

    month = TruncMonth("created_at", tzinfo=tz)
    callbacks = (
        models["Callback"]
        .objects.filter(valid=True)
        .annotate(m=month)
        .values("m", "unit_id", "appeal__region_id")
        .annotate(
            n=Count("pk"),
            contacted_on_time=Count("pk", filter=Q(contacted=True, first_contact_on_time=True)),
            solved=Count("pk", filter=Q(solved=True)),
            satisfied=Count("pk", filter=Q(satisfaction=Satisfaction.SATISFIED)),
            basically=Count("pk", filter=Q(satisfaction=Satisfaction.BASICALLY)),
        )
    )
    for r in callbacks:
        add(
            r["m"],
            r["unit_id"],
            r["appeal__region_id"],
            {
                "entries": r["n"],
                "valid_callbacks": r["n"],
                "contacted_on_time": r["contacted_on_time"],
                "solved": r["solved"],
                "satisfied": r["satisfied"],
                "basically": r["basically"],
            },
        )

    # Events: grouped in the database except replies' handling times, which are JSON (read row by row).
    events = models["AppealEvent"].objects.filter(action__in=COUNTED_ACTIONS)
    grouped = (
        events.exclude(action="reply")
        .annotate(m=month)
        .values("m", "unit_id", "appeal__region_id", "action")
        .annotate(
            n=Count("pk"),
            late=Count("pk", filter=Q(after__on_time=False)),
            reopened=Count("pk", filter=Q(state_after=AppealState.IN_PROGRESS)),
        )
    )
    for r in grouped:
        deltas = {"entries": r["n"]}
        if r["action"] == "dispatch":
            deltas.update(dispatches=r["n"], dispatches_on_time=r["n"] - r["late"])
        elif r["action"] == "sign":
            deltas.update(signs=r["n"], signs_on_time=r["n"] - r["late"])  # on time unless it says late
        else:
            deltas["reopened"] = r["reopened"]
        add(r["m"], r["unit_id"], r["appeal__region_id"], deltas)
    replies = events.filter(action="reply").values_list("created_at", "unit_id", "appeal__region_id", "after")
    for created_at, unit_id, region_id, after in replies.iterator(chunk_size=batch_size):
        add(month_of(created_at), unit_id, region_id, {"entries": 1, **reply_deltas(after)})

    returns = (
        models["ReturnRequest"]
        .objects.annotate(m=TruncMonth("requested_at", tzinfo=tz))
        .values("m", "unit_id", "appeal__region_id")
        .annotate(n=Count("pk"), rejected=Count("pk", filter=Q(decision=RequestDecision.REJECTED)))
    )
    for r in returns:
        add(
            r["m"],
            r["unit_id"],
            r["appeal__region_id"],
            {"entries": r["n"], "returns": r["n"], "unjustified_returns": r["rejected"]},
        )

    overdue = (
        models["Supervision"]
        .objects.filter(kind=SupervisionKind.SUPERVISION, level=1)
        .annotate(m=month)
        .values("m", "unit_id", "appeal__region_id")
        .annotate(n=Count("pk"), appeals=Count("appeal_id", distinct=True))
    )
    for r in overdue:
        add(r["m"], r["unit_id"], r["appeal__region_id"], {"entries": r["n"], "overdue": r["appeals"]})

    from .exchange.bulk import BulkInserter

    counter = models["RateCounter"]
    with transaction.atomic():
        counter.objects.all().delete()
        inserter = BulkInserter(counter)  # COPY / one executemany: bulk_create's per-object cost dominated
        rows = [{"month": m, "unit_id": u, "region_id": reg, **row} for (m, u, reg), row in totals.items()]
        for at in range(0, len(rows), batch_size):
            chunk = rows[at : at + batch_size]
            inserter.insert(inserter.allocate_ids(len(chunk)), chunk)
    return len(totals)


# ---------------------------------------------------------------- reading


def month_totals(month: date, *, group: str, unit_id: int | None = None) -> list[dict]:
    """Summed counters of one month grouped by `group` ("unit" or "region")."""
    from .models import RateCounter

    qs = RateCounter.objects.filter(month=month)
    if unit_id is not None:
        qs = qs.filter(unit_id=unit_id)
    key = "unit_id" if group == "unit" else "region_id"
    return list(qs.values(key).annotate(**{f"t_{f}": Sum(f) for f in FIELDS}).order_by())


def rebuild_dispatch_dues(appeal_model=None, batch_size: int = 2000) -> int:
    """Recompute the dispatch due and the board times of every appeal waiting for dispatch (received); a migration
    passes its historical Appeal. Returns appeals written."""
    from . import deadlines

    if appeal_model is None:
        from .models import Appeal as appeal_model
    waiting = (
        appeal_model.objects.filter(state=AppealState.RECEIVED)
        .select_related("category__parent__parent")
        .order_by("pk")
    )
    written, batch = 0, []
    fields = ["dispatch_due", "next_due", "warn_at"]
    for appeal in waiting.iterator(chunk_size=batch_size):
        stored = (appeal.dispatch_due, appeal.next_due, appeal.warn_at)
        appeal.dispatch_due = deadlines.compute_dues(appeal)["dispatch_due"]
        for field, value in deadlines.board_fields(appeal).items():
            setattr(appeal, field, value)
        if (appeal.dispatch_due, appeal.next_due, appeal.warn_at) == stored:
            continue
        batch.append(appeal)
        if len(batch) >= batch_size:
            appeal_model.objects.bulk_update(batch, fields)
            written += len(batch)
            batch = []
    appeal_model.objects.bulk_update(batch, fields)
    return written + len(batch)


def rebuild_board(batch_size: int = 2000) -> int:
    """Recompute every appeal's stored board times (deadlines.board_fields); returns appeals changed."""
    from . import deadlines
    from .models import Appeal

    changed = rebuild_dispatch_dues(batch_size=batch_size)

    waiting = ["received", "dispatched", "accepted", "in_progress", "return_requested", "replied"]
    stale = Appeal.objects.exclude(state__in=waiting).filter(
        Q(next_due__isnull=False) | Q(warn_at__isnull=False)
    )
    changed += stale.update(next_due=None, warn_at=None)
    fields = [
        "pk",
        "state",
        "anonymous",
        "received_at",
        "reopened_at",
        "redispatch_from",
        "dispatched_at",
        "signed_at",
        "replied_at",
        "dispatch_due",
        "sign_due",
        "contact_due",
        "reply_due",
        "callback_due",
        "next_due",
        "warn_at",
    ]
    batch = []
    for appeal in Appeal.objects.filter(state__in=waiting[1:]).only(*fields).iterator(chunk_size=batch_size):
        times = deadlines.board_fields(appeal)
        if (appeal.next_due, appeal.warn_at) != (times["next_due"], times["warn_at"]):
            appeal.next_due, appeal.warn_at = times["next_due"], times["warn_at"]
            batch.append(appeal)
        if len(batch) >= batch_size:
            changed += len(batch)
            Appeal.objects.bulk_update(batch, ["next_due", "warn_at"])
            batch = []
    changed += len(batch)
    Appeal.objects.bulk_update(batch, ["next_due", "warn_at"])
    return changed

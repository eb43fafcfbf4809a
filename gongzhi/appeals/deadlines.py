"""Time limits (spec §4): due times derived from stored event times and the working-day calendar.

Nothing here is accumulated: `compute_dues(appeal)` recomputes every due time from the receipt,
dispatch, sign, reopen and reply times, the approved extension days and the limits in force.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from gongzhi.core import refcache
from gongzhi.core.calendar import add_working_days, load_overrides

from .choices import AppealKind, AppealState, Light, LimitProfile, LimitUnit, Step, Urgency


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: str

    def label(self) -> str:
        return f"{self.amount}{LimitUnit(self.unit).label}"


_M, _H, _D, _W = LimitUnit.MINUTES, LimitUnit.HOURS, LimitUnit.DAYS, LimitUnit.WORKING_DAYS
# spec §4 defaults: {step: {profile: Limit or None (no such step)}}
DEFAULT_LIMITS: dict[str, dict[str, Limit | None]] = {
    Step.DISPATCH: {
        LimitProfile.EMERGENCY: Limit(15, _M),
        LimitProfile.TIMELY: Limit(1, _H),
        LimitProfile.NORMAL: Limit(1, _W),
        LimitProfile.COMPLEX: Limit(1, _W),
        LimitProfile.CONSULTATION: Limit(1, _W),
    },
    Step.SIGN: {
        LimitProfile.EMERGENCY: Limit(30, _M),
        LimitProfile.TIMELY: Limit(2, _H),
        LimitProfile.NORMAL: Limit(1, _W),
        LimitProfile.COMPLEX: Limit(1, _W),
        LimitProfile.CONSULTATION: Limit(1, _W),
    },
    Step.CONTACT: {
        LimitProfile.EMERGENCY: Limit(1, _H),
        LimitProfile.TIMELY: Limit(4, _H),
        LimitProfile.NORMAL: Limit(1, _W),
        LimitProfile.COMPLEX: Limit(1, _W),
        LimitProfile.CONSULTATION: None,
    },
    Step.REPLY: {
        LimitProfile.EMERGENCY: Limit(2, _H),
        LimitProfile.TIMELY: Limit(24, _H),
        LimitProfile.NORMAL: Limit(7, _D),
        LimitProfile.COMPLEX: Limit(15, _D),
        LimitProfile.CONSULTATION: Limit(1, _W),
    },
    Step.CALLBACK: {
        LimitProfile.EMERGENCY: Limit(1, _W),
        LimitProfile.TIMELY: Limit(1, _W),
        LimitProfile.NORMAL: Limit(1, _W),
        LimitProfile.COMPLEX: Limit(1, _W),
        LimitProfile.CONSULTATION: None,
    },
}


def limit_profile(kind: str, urgency: str) -> str:
    if kind == AppealKind.CONSULTATION and urgency == Urgency.NORMAL:
        return LimitProfile.CONSULTATION
    return urgency


def add_limit(start: datetime, limit: Limit, *, overrides: dict | None = None) -> datetime:
    if limit.unit == LimitUnit.MINUTES:
        return start + timedelta(minutes=limit.amount)
    if limit.unit == LimitUnit.HOURS:
        return start + timedelta(hours=limit.amount)
    if limit.unit == LimitUnit.DAYS:
        return start + timedelta(days=limit.amount)
    return add_working_days_at(start, limit.amount, overrides=overrides)


def add_working_days_at(start: datetime, n: int, *, overrides: dict | None = None) -> datetime:
    """The same local clock time on the n-th working day after start's local date."""
    local = timezone.localtime(start)
    day = add_working_days(local.date(), n, overrides=overrides)
    return local.replace(year=day.year, month=day.month, day=day.day)


def get_limit(step: str, kind: str, urgency: str, category=None) -> Limit | None:
    """The admin's override for the most specific category (or all), else the spec's default."""
    return limits_for(kind, urgency, category)[step]


def limits_for(kind: str, urgency: str, category=None) -> dict[str, Limit | None]:
    """Every step's limit for an appeal of this kind, urgency and category."""
    profile = limit_profile(kind, urgency)
    lineage = _lineage_ids(category)
    overrides = _overrides(profile)
    limits = {}
    for step in Step.values:
        candidates = [overrides.get((step, pk)) for pk in [*lineage, None]]
        limits[step] = next((c for c in candidates if c is not None), DEFAULT_LIMITS[step][profile])
    return limits


def _lineage_ids(category) -> list[int]:
    """The category's id and its parents' up to the first level (by `parent`, so a migration's historical
    model serves as well)."""
    ids, node = [], category
    while node is not None:
        ids.append(node.pk)
        node = node.parent
    return ids


def dispatch_start(appeal) -> datetime:
    """When the dispatch limit runs from: the receipt, or the approval of the last return (改派)."""
    return appeal.redispatch_from or appeal.received_at


def _overrides(profile: str) -> dict[tuple[str, int | None], Limit]:
    """{(step, category id or None): Limit} of the admin's overrides for this profile; cached per process until an
    admin edits a time limit (core.refcache)."""
    from .models import TimeLimit

    def load():
        rows = (
            TimeLimit.objects.using(refcache.DB)
            .filter(profile=profile)
            .values_list("step", "category_id", "amount", "unit")
        )
        return {(step, category_id): Limit(amount, unit) for step, category_id, amount, unit in rows}

    return refcache.cached(refcache.REFERENCE, ("time_limits", profile), load)


def compute_dues(appeal) -> dict[str, datetime | None]:
    limits = limits_for(appeal.kind, appeal.urgency, appeal.category)
    overrides = load_overrides()

    def due(step: str, start: datetime | None) -> datetime | None:
        limit = limits[step]
        return add_limit(start, limit, overrides=overrides) if start and limit else None

    reply_start = appeal.reopened_at or appeal.received_at
    reply_due = due(Step.REPLY, reply_start)
    if reply_due and appeal.extension_working_days:
        reply_due = add_working_days_at(reply_due, appeal.extension_working_days, overrides=overrides)
    waiting = appeal.state == AppealState.RECEIVED
    return {
        "dispatch_due": due(Step.DISPATCH, dispatch_start(appeal)) if waiting else None,
        "sign_due": due(Step.SIGN, appeal.dispatched_at),
        "contact_due": due(Step.CONTACT, appeal.signed_at),
        "reply_due": reply_due,
        "callback_due": due(Step.CALLBACK, appeal.replied_at),
    }


def apply_dues(appeal) -> None:
    for field, value in compute_dues(appeal).items():
        setattr(appeal, field, value)
    for field, value in board_fields(appeal).items():
        setattr(appeal, field, value)


def board_fields(appeal) -> dict[str, datetime | None]:
    """The overdue board's stored times: `next_due`, the earliest due of the steps the appeal waits on, and
    `warn_at`, the earliest moment one of them enters its warning window. With them `light` is a comparison
    (red when now > next_due, else yellow when now >= warn_at), so the board is an indexed query; both are
    None when the appeal waits on nothing. Computed as step_light computes, so they agree exactly."""
    steps = active_steps(appeal)
    if not steps:
        return {"next_due": None, "warn_at": None}
    fraction = float(settings.GONGZHI["WARNING_FRACTION"])
    return {
        "next_due": min(due for _step, _start, due in steps),
        "warn_at": min(due - (due - start) * fraction for _step, start, due in steps),
    }


def stored_light(appeal, now: datetime) -> str:
    """`light` from the stored board times (equal to light(appeal, now) while they are current)."""
    if appeal.next_due is None:
        return Light.NONE
    if now > appeal.next_due:
        return Light.RED
    return Light.YELLOW if now >= appeal.warn_at else Light.GREEN


def active_steps(appeal) -> list[tuple[str, datetime, datetime]]:
    """(step, start, due) of the steps the appeal is waiting on now."""
    steps: list[tuple[str, datetime, datetime]] = []
    reply_start = appeal.reopened_at or appeal.received_at
    if appeal.state == AppealState.RECEIVED and appeal.dispatch_due:
        steps.append((Step.DISPATCH, dispatch_start(appeal), appeal.dispatch_due))
    if appeal.state == AppealState.DISPATCHED and appeal.sign_due:
        steps.append((Step.SIGN, appeal.dispatched_at, appeal.sign_due))
    if appeal.state == AppealState.ACCEPTED and appeal.contact_due:
        steps.append((Step.CONTACT, appeal.signed_at, appeal.contact_due))
    if (
        appeal.state
        in (
            AppealState.DISPATCHED,
            AppealState.ACCEPTED,
            AppealState.IN_PROGRESS,
            AppealState.RETURN_REQUESTED,
        )
        and appeal.reply_due
    ):
        steps.append((Step.REPLY, reply_start, appeal.reply_due))
    if appeal.state == AppealState.REPLIED and appeal.callback_due and not appeal.anonymous:
        steps.append((Step.CALLBACK, appeal.replied_at, appeal.callback_due))
    return steps


def step_light(start: datetime, due: datetime, now: datetime) -> str:
    if now > due:
        return Light.RED
    window = (due - start) * float(settings.GONGZHI["WARNING_FRACTION"])
    return Light.YELLOW if now >= due - window else Light.GREEN


def light(appeal, now: datetime | None = None) -> str:
    """The traffic light of an open appeal: the worst light of the steps it waits on."""
    now = now or timezone.now()
    lights = [step_light(start, due, now) for _step, start, due in active_steps(appeal)]
    for worst in (Light.RED, Light.YELLOW, Light.GREEN):
        if worst in lights:
            return worst
    return Light.NONE


# ---------------------------------------------------------------- recompute after a rule edit

DUE_FIELDS = ["dispatch_due", "sign_due", "contact_due", "reply_due", "callback_due", "next_due", "warn_at"]
# What compute_dues and board_fields read (the rest of an appeal, its encrypted contact details too, stays unread).
_DUE_INPUTS = [
    "state",
    "kind",
    "urgency",
    "anonymous",
    "received_at",
    "redispatch_from",
    "dispatched_at",
    "signed_at",
    "reopened_at",
    "replied_at",
    "extension_working_days",
    "category__name",
    "category__parent_id",
    "category__parent__parent_id",
]


@dataclass(frozen=True)
class RecomputeResult:
    checked: int  # open appeals read
    changed: int  # of them, how many had a stored due time that the rules in force no longer give


def recompute_open_dues(*, batch_size: int = 500, actor=None, log=None) -> RecomputeResult:
    """Recomputes the stored due times (the per-step dues, `next_due` and `warn_at`) of every open appeal from the
    time limits and the working-day calendar in force, and saves those that differ.

    The stored times change only at an appeal's next write, so after an admin edits a time limit (or the
    calendar) the open appeals keep their old deadlines until this runs (`gongzhi recompute_dues`, or the action
    in the admin's time-limit list). Idempotent: a second run changes nothing. In batches of `batch_size` by
    primary key, each batch locked and written in its own transaction, so a worker acting on an appeal meanwhile
    waits for at most one batch, and a run over a large county holds no long transaction. Only the derived
    fields are written (no save(), no event: no person's act changed the appeal); the run itself is one entry of
    the audit trail when it changed anything.
    """
    from django.db import transaction

    from gongzhi.core.models import append_audit_event

    from .choices import OPEN_STATES
    from .models import Appeal

    log = log or (lambda msg: None)
    open_appeals = Appeal.objects.filter(state__in=OPEN_STATES)
    checked = changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(
                open_appeals.filter(pk__gt=last_pk)
                .order_by("pk")
                .select_for_update(of=("self",))
                .select_related("category__parent__parent")
                .only(*_DUE_INPUTS, *DUE_FIELDS)[:batch_size]
            )
            if not batch:
                break
            last_pk = batch[-1].pk
            stale = []
            with refcache.one_read():  # the limits and the calendar: one stamp read per batch, not per appeal
                for appeal in batch:
                    before = [getattr(appeal, field) for field in DUE_FIELDS]
                    apply_dues(appeal)
                    if [getattr(appeal, field) for field in DUE_FIELDS] != before:
                        stale.append(appeal)
            if stale:
                Appeal.objects.bulk_update(stale, DUE_FIELDS)
        checked += len(batch)
        changed += len(stale)
        log(f"checked {checked} open appeals, {changed} changed")
    if changed:
        append_audit_event(
            actor,
            "recompute_dues",
            target="appeals.Appeal",
            note=f"{changed} of {checked} open appeals",
            after={"checked": checked, "changed": changed},
        )
    return RecomputeResult(checked, changed)

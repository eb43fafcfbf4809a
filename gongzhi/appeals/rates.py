"""The three rates (三率) and the other unit metrics of spec §5, computed from callbacks and the audit trail.

Every callback that reached the appellant of a non-anonymous appeal is a valid callback and counts
for the unit that led the reply it judges (a reopened appeal is judged again after each reply).
Rates are exact fractions (Decimal) with their counts and a 95 % Wilson interval.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.errors import PermissionDeniedError
from gongzhi.core.models import Region, Unit

from .choices import AppealState, RequestDecision, Satisfaction, SupervisionKind
from .counters import handling_micros
from .models import AppealEvent, Callback, ReturnRequest, Supervision

Z95 = 1.959963984540054


@dataclass
class Rate:
    numerator: Decimal
    denominator: int

    @property
    def value(self) -> Decimal | None:
        return (Decimal(self.numerator) / self.denominator) if self.denominator else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(float(self.numerator), self.denominator)

    def as_dict(self) -> dict:
        value, interval = self.value, self.interval
        return {
            "value": float(round(value, 4)) if value is not None else None,
            "numerator": float(self.numerator),
            "denominator": self.denominator,
            "ci95": [round(interval[0], 4), round(interval[1], 4)] if interval else None,
        }


def wilson_interval(successes: float, n: int, z: float = Z95) -> tuple[float, float] | None:
    if n == 0:
        return None
    # A ratio of two counts of the same period can pass 1 (overdue this month on last month's dispatches):
    # the interval is taken on the rate clamped to [0, 1], never a math domain error on the ranking page.
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass
class GroupMetrics:
    key: int
    name: str
    valid_callbacks: int = 0
    contacted_on_time: int = 0
    solved: int = 0
    satisfied: int = 0
    basically: int = 0
    reopened: int = 0
    signs: int = 0
    signs_on_time: int = 0
    replies: int = 0
    replies_on_time: int = 0
    handling_count: int = 0
    handling_micros: int = 0  # summed in whole microseconds, so any order of summing gives the same mean
    dispatches: int = 0
    dispatches_on_time: int = 0
    returns: int = 0
    unjustified_returns: int = 0
    overdue: int = 0

    @property
    def response(self) -> Rate:
        return Rate(Decimal(self.contacted_on_time), self.valid_callbacks)

    @property
    def resolution(self) -> Rate:
        return Rate(Decimal(self.solved), self.valid_callbacks)

    @property
    def satisfaction(self) -> Rate:
        w = Decimal(settings.GONGZHI["BASICALLY_SATISFIED_WEIGHT"])
        return Rate(self.satisfied + w * self.basically, self.valid_callbacks)

    @property
    def composite(self) -> Decimal | None:
        if not self.valid_callbacks:
            return None
        w = {k: Decimal(v) for k, v in settings.GONGZHI["COMPOSITE_WEIGHTS"].items()}
        return (
            w["response"] * self.response.value
            + w["resolution"] * self.resolution.value
            + w["satisfaction"] * self.satisfaction.value
        )

    @property
    def small_sample(self) -> bool:
        return self.valid_callbacks < settings.GONGZHI["RANKING_MIN_CALLBACKS"]

    def as_dict(self) -> dict:
        def ratio(num, den):
            return Rate(Decimal(num), den).as_dict()

        composite = self.composite
        mean_hours = (
            (self.handling_micros / 1_000_000 / self.handling_count / 3600) if self.handling_count else None
        )
        return {
            "id": self.key,
            "name": self.name,
            "valid_callbacks": self.valid_callbacks,
            "response_rate": _value(self.response),
            "resolution_rate": _value(self.resolution),
            "satisfaction_rate": _value(self.satisfaction),
            "composite": float(round(composite, 4)) if composite is not None else None,
            "small_sample": self.small_sample,
            "response": self.response.as_dict(),
            "resolution": self.resolution.as_dict(),
            "satisfaction": self.satisfaction.as_dict(),
            "on_time_sign_rate": ratio(self.signs_on_time, self.signs),
            "on_time_reply_rate": ratio(self.replies_on_time, self.replies),
            "on_time_dispatch_rate": ratio(self.dispatches_on_time, self.dispatches),
            "return_rate": ratio(self.returns, self.dispatches),
            "unjustified_returns": self.unjustified_returns,
            "overdue_rate": ratio(self.overdue, self.dispatches),
            "reopen_rate": ratio(self.reopened, self.valid_callbacks),
            "mean_handling_hours": round(mean_hours, 1) if mean_hours is not None else None,
        }


def _value(rate: Rate) -> float | None:
    return float(round(rate.value, 4)) if rate.value is not None else None


def month_bounds(period: str) -> tuple[datetime, datetime]:
    """'YYYY-MM' → [start, end) in local time. Raises ValueError on a bad period."""
    year, month = (int(part) for part in period.split("-"))
    start = date(year, month, 1)
    end = date(year + (month == 12), month % 12 + 1, 1)
    tz = timezone.get_current_timezone()
    return (datetime(start.year, start.month, 1, tzinfo=tz), datetime(end.year, end.month, 1, tzinfo=tz))


def compute_metrics(
    start: datetime, end: datetime, *, by: str = "unit", unit_id: int | None = None
) -> list[GroupMetrics]:
    """Metrics for [start, end) grouped by lead unit (`by="unit"`) or by the appeal's street (`by="street"`).

    A period that is one local month is read from the monthly counters (appeals/counters.py), which hold
    exactly what `compute_metrics_raw` counts; any other period is computed from the raw rows."""
    month = whole_month(start, end)
    if month is None:
        return compute_metrics_raw(start, end, by=by, unit_id=unit_id)
    return metrics_from_counters(month, by=by, unit_id=unit_id)


def whole_month(start: datetime, end: datetime) -> date | None:
    """The first day of the local month when [start, end) is exactly that month, else None."""
    local = timezone.localtime(start)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        return None
    _start, month_end = month_bounds(f"{local.year}-{local.month:02d}")
    return local.date() if end == month_end else None


def metrics_from_counters(month: date, *, by: str = "unit", unit_id: int | None = None) -> list[GroupMetrics]:
    from .counters import FIELDS, month_totals

    if by == "unit":
        names = dict(Unit.objects.values_list("pk", "name"))
        rows = [(row["unit_id"], row) for row in month_totals(month, group="unit", unit_id=unit_id)]
    else:
        streets = street_of_region()
        names = dict(Region.objects.filter(level=RegionLevel.STREET).values_list("pk", "name"))
        rows = [(streets.get(row["region_id"]), row) for row in month_totals(month, group="region")]
    groups: dict[int, GroupMetrics] = {}
    for key, row in rows:
        if key is None or not row["t_entries"]:
            continue
        g = groups.get(key)
        if g is None:
            g = groups[key] = GroupMetrics(key=key, name=names.get(key, "—"))
        for name in FIELDS[1:]:
            setattr(g, name, getattr(g, name) + int(row[f"t_{name}"] or 0))
    return list(groups.values())


def compute_metrics_raw(
    start: datetime, end: datetime, *, by: str = "unit", unit_id: int | None = None
) -> list[GroupMetrics]:
    """compute_metrics from the raw callbacks, events, return requests and supervisions of [start, end)."""
    if by == "unit":
        names = dict(Unit.objects.values_list("pk", "name"))
        key_of = _unit_key
    else:
        streets = street_of_region()
        names = dict(Region.objects.filter(level=RegionLevel.STREET).values_list("pk", "name"))

        def key_of(row):
            return streets.get(row["region"])

    groups: dict[int, GroupMetrics] = {}

    def group(row) -> GroupMetrics | None:
        key = key_of(row)
        if key is None or (unit_id is not None and by == "unit" and key != unit_id):
            return None
        if key not in groups:
            groups[key] = GroupMetrics(key=key, name=names.get(key, "—"))
        return groups[key]

    period = {"created_at__gte": start, "created_at__lt": end}
    for row in Callback.objects.filter(valid=True, **period).values(
        "unit",
        "contacted",
        "first_contact_on_time",
        "solved",
        "satisfaction",
        "appeal__state",
        region=_region_field("appeal"),
    ):
        g = group(row)
        if g is None:
            continue
        g.valid_callbacks += 1
        g.contacted_on_time += bool(row["contacted"] and row["first_contact_on_time"])
        g.solved += bool(row["solved"])
        g.satisfied += row["satisfaction"] == Satisfaction.SATISFIED
        g.basically += row["satisfaction"] == Satisfaction.BASICALLY

    events = AppealEvent.objects.filter(
        action__in=["dispatch", "sign", "reply", "callback"], **period
    ).values("unit", "action", "after", "state_after", region=_region_field("appeal"))
    for row in events:
        g = group(row)
        if g is None:
            continue
        on_time = (row["after"] or {}).get("on_time")
        if row["action"] == "dispatch":
            g.dispatches += 1
            g.dispatches_on_time += on_time is not False
        elif row["action"] == "callback":
            # Only a callback that sent the work back counts as a reopening (not one past the reopen limit).
            g.reopened += row["state_after"] == AppealState.IN_PROGRESS
        elif row["action"] == "sign":
            g.signs += 1
            g.signs_on_time += on_time is not False
        else:
            g.replies += 1
            g.replies_on_time += on_time is not False
            seconds = (row["after"] or {}).get("handling_seconds")
            if seconds is not None:
                g.handling_count += 1
                g.handling_micros += handling_micros(seconds)

    for row in ReturnRequest.objects.filter(requested_at__gte=start, requested_at__lt=end).values(
        "unit", "decision", region=_region_field("appeal")
    ):
        g = group(row)
        if g is not None:
            g.returns += 1
            g.unjustified_returns += row["decision"] == RequestDecision.REJECTED

    overdue = (
        Supervision.objects.filter(kind=SupervisionKind.SUPERVISION, level=1, **period)
        .values("unit", "appeal", region=_region_field("appeal"))
        .distinct()
    )
    for row in overdue:
        g = group(row)
        if g is not None:
            g.overdue += 1
    return list(groups.values())


def _region_field(prefix: str):
    from django.db.models import F

    return F(f"{prefix}__region")


def _unit_key(row):
    return row["unit"]


def street_of_region() -> dict[int, int]:
    """region id → the id of its street (regions above street level map to nothing)."""
    rows = list(Region.objects.values_list("pk", "parent_id", "level"))
    parent = {pk: p for pk, p, _lvl in rows}
    level = {pk: lvl for pk, _p, lvl in rows}
    result = {}
    for pk in parent:
        node = pk
        while node is not None and level[node] != RegionLevel.STREET:
            node = parent[node]
        if node is not None:
            result[pk] = node
    return result


def ranking(start: datetime, end: datetime, *, by: str = "unit", unit_id: int | None = None) -> dict:
    """Ranked by composite; groups under the minimum number of valid callbacks are listed apart."""
    metrics = compute_metrics(start, end, by=by, unit_id=unit_id)
    ranked = sorted(
        (m for m in metrics if not m.small_sample),
        key=lambda m: (-(m.composite or 0), -m.valid_callbacks, m.name),
    )
    apart = sorted((m for m in metrics if m.small_sample), key=lambda m: (-m.valid_callbacks, m.name))
    return {
        "ranked": ranked,
        "small_sample": apart,
        "min_callbacks": settings.GONGZHI["RANKING_MIN_CALLBACKS"],
        "dispatch": dispatch_rate(metrics),
    }


def dispatch_rate(metrics: list[GroupMetrics]) -> Rate:
    """The hotline centre's on-time dispatch rate (派单及时率): every dispatch of the period, whichever unit it went
    to, within its dispatch limit (spec §4), over all dispatches."""
    return Rate(Decimal(sum(m.dispatches_on_time for m in metrics)), sum(m.dispatches for m in metrics))


RANKING_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)


def own_unit_only(user) -> int | None:
    """None for the roles that read the whole ranking; a handler's unit, whose row alone they read (the page, the
    reports and the API alike); refused for everyone else."""
    if user.has_role(*RANKING_ROLES):
        return None
    if user.has_role(Role.HANDLER) and user.unit_id:
        return user.unit_id
    raise PermissionDeniedError(_("您无权查看考核指标。"))


def ranking_for(user, start: datetime, end: datetime, *, by: str = "unit") -> dict:
    """`ranking` as this user may read it, each ranked group with its place: [(place, metrics)]. A handler reads
    their unit's row by unit only, with its true place among all units."""
    unit = own_unit_only(user)
    if unit is not None:
        by = "unit"
    result = ranking(start, end, by=by)
    ranked = list(enumerate(result["ranked"], start=1))
    apart = result["small_sample"]
    if unit is not None:
        ranked = [(place, m) for place, m in ranked if m.key == unit]
        apart = [m for m in apart if m.key == unit]
    return {
        "by": by,
        "ranked": ranked,
        "small_sample": apart,
        "min_callbacks": result["min_callbacks"],
        # The centre's figure is the county's: not shown to a handler, who reads their own unit only.
        "dispatch": result["dispatch"] if unit is None else None,
    }


OPEN_OVERDUE_STATES = [
    AppealState.DISPATCHED,
    AppealState.ACCEPTED,
    AppealState.IN_PROGRESS,
    AppealState.RETURN_REQUESTED,
]

"""Reads of 共建: lists, the time-bank balances, household coverage, need matching and the overview."""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.appeals.models import Appeal
from gongzhi.core.choices import RegionLevel, Role
from gongzhi.core.conf import setting
from gongzhi.core.models import Region
from gongzhi.core.permissions import in_scope

from .choices import ActivityState, EntryKind, MemberRole, NeedKind, OrgStage, SignupState
from .models import (
    Activity,
    HelpRequest,
    LedgerAccount,
    LedgerEntry,
    LinkedHousehold,
    OrgMember,
    PartyMemberHousehold,
    RedResource,
    SelfOrganization,
    Signup,
    Visit,
    VolunteerProfile,
)


def in_region(qs: QuerySet, region: Region | None, field_name: str = "region") -> QuerySet:
    if region is None:
        return qs
    return qs.filter(**{f"{field_name}__path__startswith": region.path})


def scope_region(user, code: str = "") -> Region | None:
    """The region a page or API read shows: the ?region=<code> asked for, else the user's own community (staff and
    grid workers work in theirs), else the whole county."""
    code = (code or "").strip()[:32]
    if code:
        return Region.objects.filter(code=code).first()
    if user.is_authenticated and user.region_id and user.roles - {Role.RESIDENT}:
        region = user.region
        return region.ancestor_at(RegionLevel.COMMUNITY) or region
    return None


def sees_personal_data_of(user, region: Region | None) -> bool:
    """Households, visits, needs and coverage are personal data: leaders and admins see the county; the others
    their own area only."""
    if user.has_role(Role.LEADER, Role.ADMIN):
        return True
    return region is not None and in_scope(user, region)


def red_resources(region: Region | None = None) -> QuerySet:
    """The red resources a place can visit: those in it and those of the street and county it lies in (a memorial
    registered for the street serves every community of the street; staff of a community saw none of them)."""
    qs = RedResource.objects.select_related("region")
    if region is None:
        return qs
    above = region.path.strip("/").split("/")[:-1]  # the path holds the codes of the ancestors
    return qs.filter(Q(region__path__startswith=region.path) | Q(region__code__in=above))


def organizations(
    region: Region | None = None, stage: str | None = None, domain: str | None = None
) -> QuerySet:
    qs = in_region(SelfOrganization.objects.select_related("region", "mentor_unit"), region)
    if stage:
        qs = qs.filter(stage=stage)
    if domain:
        qs = qs.filter(domain=domain)
    return qs.annotate(member_count=Count("members", distinct=True)).order_by("-created_at", "-id")


def visible_activities(user, region: Region | None = None, *, party_masses: bool = False) -> QuerySet:
    """Published, finished and cancelled activities are public; drafts only to their organisers' side."""
    from .services import is_manager

    qs = in_region(
        Activity.objects.select_related("region", "organizer_unit", "organizer_org", "red_resource"), region
    )
    shown = ~Q(state=ActivityState.DRAFT)
    if user is not None and user.is_authenticated:
        shown |= Q(created_by=user)
        if is_manager(user):
            shown |= Q(state=ActivityState.DRAFT)
    qs = qs.filter(shown)
    if party_masses:
        qs = qs.filter(party_masses=True)
    return qs.annotate(
        registered=Count("signups", filter=Q(signups__state=SignupState.REGISTERED)),
        waiting=Count("signups", filter=Q(signups__state=SignupState.WAITING)),
    ).order_by("-starts_at", "-id")


def signup_of(activity: Activity, user) -> Signup | None:
    if user is None or not user.is_authenticated:
        return None
    return Signup.objects.filter(activity=activity, user=user).select_related("record").first()


def waiting_position(signup: Signup) -> int:
    return (
        Signup.objects.filter(activity_id=signup.activity_id, state=SignupState.WAITING)
        .filter(Q(created_at__lt=signup.created_at) | Q(created_at=signup.created_at, id__lt=signup.pk))
        .count()
        + 1
    )


def balance(user) -> LedgerAccount | None:
    return LedgerAccount.objects.filter(user=user).first()


def entries_for(user) -> QuerySet:
    account = balance(user)
    if account is None:
        return LedgerEntry.objects.none()
    return (
        LedgerEntry.objects.filter(Q(debit=account) | Q(credit=account))
        .select_related("record__signup__activity", "help_request__region", "confirmed_by", "debit", "credit")
        .order_by("created_at", "id")
    )


def service_history(user) -> list[dict]:
    """The confirmed, not reversed service credits of a volunteer: what the certificate lists."""
    rows = []
    for entry in entries_for(user).filter(kind=EntryKind.CREDIT, reversed_by__isnull=True):
        if entry.record_id is None:  # help given on a community worker's request (精准对接)
            request = entry.help_request
            rows.append(
                {
                    "date": timezone.localtime(request.done_at or entry.created_at).date(),
                    "activity": _("协助：%(s)s") % {"s": request.summary[:40]},
                    "organizer": _("%(c)s居委会") % {"c": request.region.name},
                    "hours": entry.hours,
                    "points": entry.points,
                    "entry": entry.pk,
                }
            )
            continue
        activity = entry.record.signup.activity
        rows.append(
            {
                "date": timezone.localtime(activity.starts_at).date(),
                "activity": activity.title,
                "organizer": activity.organizer_name,
                "hours": entry.hours,
                "points": entry.points,
                "entry": entry.pk,
            }
        )
    return rows


def total_hours(user) -> Decimal:
    return sum((r["hours"] for r in service_history(user)), Decimal(0))


# ---------------------------------------------------------------- households and coverage


def coverage_days() -> int:
    return int(setting("COMMUNITY_VISIT_DAYS"))


def centers(region: Region | None = None) -> QuerySet:
    return (
        in_region(
            PartyMemberHousehold.objects.select_related("party_member", "grid", "grid__parent"),
            region,
            "grid",
        )
        .annotate(household_count=Count("households"))
        .order_by("grid__path", "id")
    )


def unvisited(region: Region | None, days: int) -> QuerySet:
    cutoff = timezone.localdate() - timedelta(days=days)
    return in_region(
        LinkedHousehold.objects.select_related("center__party_member", "center__grid"), region, "center__grid"
    ).filter(Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=cutoff))


@dataclass
class CoverageRow:
    region: Region
    households: int = 0
    unvisited: int = 0
    centers: int = 0

    @property
    def rate(self) -> int:
        return round(100 * (self.households - self.unvisited) / self.households) if self.households else 0


def coverage(region: Region | None, days: int, level: str = RegionLevel.GRID) -> list[CoverageRow]:
    """Per grid (or per community): households linked, households not visited within `days`."""
    cutoff = timezone.localdate() - timedelta(days=days)
    rows: dict[int, CoverageRow] = {}
    households = in_region(
        LinkedHousehold.objects.select_related("center__grid__parent"), region, "center__grid"
    )
    for house in households:
        grid = house.center.grid
        key_region = grid if level == RegionLevel.GRID else (grid.parent or grid)
        row = rows.setdefault(key_region.pk, CoverageRow(key_region))
        row.households += 1
        if house.last_visited_on is None or house.last_visited_on < cutoff:
            row.unvisited += 1
    for center in centers(region):
        key_region = center.grid if level == RegionLevel.GRID else (center.grid.parent or center.grid)
        rows.setdefault(key_region.pk, CoverageRow(key_region)).centers += 1
    return sorted(rows.values(), key=lambda r: r.region.path)


# ---------------------------------------------------------------- matching needs

# words in an appeal's category path (or title) that name a need
NEED_WORDS = {
    NeedKind.ELDERLY: ("养老", "老年", "老人", "高龄", "助老"),
    NeedKind.DISABLED: ("残疾", "残障", "助残"),
    NeedKind.CHILDCARE: ("托育", "幼儿", "托儿", "学前", "儿童"),
    NeedKind.EMPLOYMENT: ("就业", "失业", "招聘", "再就业", "创业"),
    NeedKind.LEGAL: ("法律", "司法", "纠纷", "调解", "法援"),
    NeedKind.HEALTH: ("医疗", "医保", "卫生", "健康"),
    NeedKind.ENVIRONMENT: ("垃圾", "环境", "卫生死角", "绿化"),
}


def needs_of_text(text: str) -> list[str]:
    return [need for need, words in NEED_WORDS.items() if any(w in text for w in words)]


@dataclass
class Need:
    kind: str
    region: Region
    source: str
    summary: str
    link: str = ""
    suggestions: list[dict] = field(default_factory=list)
    visit_id: int | None = None
    appeal_id: int | None = None
    requests: list = field(default_factory=list)

    @property
    def label(self) -> str:
        return NeedKind(self.kind).label

    @property
    def community(self) -> Region:
        return _community_of(self.region)


def resident_needs(region: Region | None, days: int = 90, limit: int = 60) -> list[Need]:
    """Needs heard on visits and read from recent appeals' categories, newest first."""
    since = timezone.localdate() - timedelta(days=days)
    needs: list[Need] = []
    visits = (
        in_region(Visit.objects.select_related("center__grid__parent"), region, "center__grid")
        .filter(visited_on__gte=since)
        .exclude(needs="")
    )
    for visit in visits[:limit]:
        for kind in visit.need_list():
            needs.append(
                Need(
                    kind,
                    visit.center.grid,
                    _("入户走访"),
                    visit.heard[:60],
                    f"/community/households/{visit.center_id}/",
                    visit_id=visit.pk,
                )
            )
    appeals = (
        in_region(Appeal.objects.select_related("region", "category__parent__parent"), region)
        .filter(received_at__date__gte=since)
        .order_by("-received_at")[:500]
    )
    for appeal in appeals:
        path = ""
        node = appeal.category
        while node is not None:
            path = f"{node.name}/{path}"
            node = node.parent
        for kind in needs_of_text(f"{path} {appeal.title}"):
            needs.append(
                Need(
                    kind,
                    appeal.region,
                    _("诉求 %(n)s") % {"n": appeal.number},
                    appeal.title,
                    f"/appeals/{appeal.pk}/",
                    appeal_id=appeal.pk,
                )
            )
        if len(needs) >= limit:
            break
    return needs[:limit]


def _community_of(region: Region) -> Region:
    return region.ancestor_at(RegionLevel.COMMUNITY) or region


def match_need(need: Need, limit: int = 5) -> list[dict]:
    """Self-organisations, volunteers and upcoming activities that serve this kind of need, nearest first,
    with the reason for each suggestion."""
    community = _community_of(need.region)
    street = community.parent or community
    label = NeedKind(need.kind).label
    out: list[dict] = []

    def place(region: Region) -> tuple[int, str]:
        if region.path.startswith(community.path):
            return 0, _("同一社区")
        if region.path.startswith(street.path):
            return 1, _("同一街道")
        return 2, _("区内")

    orgs = SelfOrganization.objects.filter(
        stage__in=[OrgStage.INCUBATING, OrgStage.MATURE],
        region__path__startswith=street.path,
        skills__contains=need.kind,
    ).select_related("region")
    for org in orgs:
        if need.kind in org.skill_list():
            rank, where = place(org.region)
            out.append(
                {
                    "rank": rank,
                    "type": _("自组织"),
                    "name": org.name,
                    "link": f"/community/organizations/{org.pk}/",
                    "organization": org.pk,
                    "reason": _("擅长「%(need)s」，%(where)s（%(region)s）")
                    % {"need": label, "where": where, "region": org.region.name},
                }
            )
    for profile in VolunteerProfile.objects.filter(
        region__path__startswith=street.path, skills__contains=need.kind
    ).select_related("user", "region"):
        if need.kind in profile.skill_list():
            rank, where = place(profile.region)
            when = f"，{profile.availability}" if profile.availability else ""
            out.append(
                {
                    "rank": rank + 0.5,
                    "type": _("志愿者"),
                    "name": str(profile.user),
                    "link": "",
                    "volunteer": profile.user_id,
                    "reason": _("特长为「%(need)s」，%(where)s%(when)s")
                    % {"need": label, "where": where, "when": when},
                }
            )
    upcoming = Activity.objects.filter(
        state=ActivityState.PUBLISHED,
        starts_at__gte=timezone.now(),
        region__path__startswith=street.path,
        needs__contains=need.kind,
    )
    for activity in upcoming.select_related("region"):
        if need.kind in activity.need_list():
            rank, where = place(activity.region)
            out.append(
                {
                    "rank": rank + 0.2,
                    "type": _("活动"),
                    "name": activity.title,
                    "link": f"/community/activities/{activity.pk}/",
                    "reason": _("服务「%(need)s」，%(date)s 举行，%(where)s")
                    % {
                        "need": label,
                        "where": where,
                        "date": timezone.localtime(activity.starts_at).strftime("%m-%d"),
                    },
                }
            )
    out.sort(key=lambda s: s["rank"])
    return out[:limit]


def matches(region: Region | None, limit: int = 40) -> list[Need]:
    """The needs with their suggestions and the help already asked for each (by its visit or appeal and kind)."""
    needs = resident_needs(region, limit=limit)
    asked: dict[tuple, list] = {}
    visit_ids = {n.visit_id for n in needs if n.visit_id}
    appeal_ids = {n.appeal_id for n in needs if n.appeal_id}
    for request in HelpRequest.objects.filter(
        Q(visit_id__in=visit_ids) | Q(appeal_id__in=appeal_ids)
    ).select_related("volunteer", "organization"):
        asked.setdefault((request.visit_id, request.appeal_id, request.kind), []).append(request)
    for need in needs:
        need.suggestions = match_need(need)
        need.requests = asked.get((need.visit_id, need.appeal_id, need.kind), [])
    return needs


def unmet_needs(needs: list[Need]) -> list[dict]:
    """Of `matches(...)`, the needs with nobody to meet them, counted by community and kind: where to incubate a new
    self-organisation."""
    counts: dict[tuple[int, str], dict] = {}
    for need in needs:
        if need.suggestions or any(r.state in ("accepted", "done") for r in need.requests):
            continue
        community = _community_of(need.region)
        row = counts.setdefault(
            (community.pk, need.kind),
            {"community": community, "kind": need.kind, "label": need.label, "count": 0, "examples": []},
        )
        row["count"] += 1
        if len(row["examples"]) < 3:
            row["examples"].append(need.summary)
    return sorted(counts.values(), key=lambda r: (-r["count"], r["community"].path))


def helped_by(user, requests) -> set[int]:
    """Of `requests`, the ids of those `user` answers: as the volunteer asked, or as a leader of the organisation
    asked (one query for them all)."""
    led = set(
        OrgMember.objects.filter(user=user, role=MemberRole.LEADER).values_list("organization_id", flat=True)
    )
    return {r.pk for r in requests if r.volunteer_id == user.pk or r.organization_id in led}


def help_requests_for(user, region: Region | None = None):
    """A helper's requests (as volunteer or as an organisation's leader); for community workers, their area's."""
    from gongzhi.core.permissions import is_manager

    qs = HelpRequest.objects.select_related("volunteer", "organization", "region", "asked_by")
    mine = Q(volunteer=user) | Q(organization__members__user=user, organization__members__role="leader")
    if is_manager(user):
        return (in_region(qs, region) | qs.filter(mine)).distinct()
    return qs.filter(mine).distinct()


# ---------------------------------------------------------------- the overview


def overview(region: Region | None) -> dict:
    orgs = in_region(SelfOrganization.objects.all(), region)
    activities = in_region(Activity.objects.exclude(state=ActivityState.DRAFT), region)
    credits = LedgerEntry.objects.filter(kind=EntryKind.CREDIT, reversed_by__isnull=True)
    hours = (
        in_region(credits.filter(record__isnull=False), region, "record__signup__activity__region").aggregate(
            h=Sum("hours")
        )["h"]
        or Decimal(0)
    ) + (
        in_region(credits.filter(help_request__isnull=False), region, "help_request__region").aggregate(
            h=Sum("hours")
        )["h"]
        or Decimal(0)
    )
    reversed_hours = Decimal(0)
    stages = {s: 0 for s in OrgStage.values}
    for row in orgs.values("stage").annotate(n=Count("id")):
        stages[row["stage"]] = row["n"]
    households = in_region(LinkedHousehold.objects.all(), region, "center__grid").count()
    days = coverage_days()
    not_visited = unvisited(region, days).count()
    return {
        "org_count": orgs.count(),
        "stages": [(OrgStage(s).label, n) for s, n in stages.items()],
        "activity_count": activities.count(),
        "party_masses_count": activities.filter(party_masses=True).count(),
        "hours": hours - reversed_hours,
        "volunteers": in_region(
            Signup.objects.filter(record__confirmed_at__isnull=False), region, "activity__region"
        )
        .values("user")
        .distinct()
        .count(),
        "households": households,
        "not_visited": not_visited,
        "days": days,
        "coverage_rate": round(100 * (households - not_visited) / households) if households else 0,
        "centers": centers(region).count(),
    }

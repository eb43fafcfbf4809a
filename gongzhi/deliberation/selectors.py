"""Every read of 议事协商, scoped to the user. Deliberation is public: anyone may read topics, visible
opinions, closed meetings' reports, counted results and the public timeline. Managers also see hidden
opinions (with the reason), the non-public events, and, for open (not secret) votes, who voted how."""

from django.db.models import Count, Q

from gongzhi.core.choices import Role

from .actions import offered as offered_actions
from .choices import Phase, VoteRule, VoteState
from .models import Ballot, DeliberationEvent, Meeting, Opinion, OwnerRegister, Topic, Vote
from .services import can_manage, convening_check, is_manager, meeting_report  # noqa: F401  (re-exported reads)
from .workflow import PHASE_ORDER, PHASE_SETTINGS


def visible_topics(user=None, *, phase: str | None = None, q: str = ""):
    topics = (
        Topic.objects.select_related("region", "proposer_unit")
        .annotate(opinion_count=Count("opinions", filter=Q(opinions__hidden=False), distinct=True))
        .order_by("-created_at", "-id")
    )
    if phase:
        topics = topics.filter(phase=phase)
    if q:
        topics = topics.filter(Q(title__icontains=q) | Q(description__icontains=q))
    return topics


def managed_topics(user):
    """The topics a manager runs: those of their region and below."""
    if not is_manager(user):
        return Topic.objects.none()
    return [t for t in visible_topics(user).select_related("region") if can_manage(user, t.region)]


def managed_registers(user):
    """The owners' registers of the region a manager answers for (and below it), newest first."""
    if not is_manager(user):
        return OwnerRegister.objects.none()
    registers = OwnerRegister.objects.select_related("region").order_by("-created_at", "-id")
    if user.has_role(Role.ADMIN):
        return registers
    home = user.region or (user.unit.region if user.unit_id else None)
    return registers.filter(region__path__startswith=home.path) if home is not None else registers.none()


def opinions_for(topic: Topic, user=None):
    opinions = topic.opinions.select_related("author", "entered_by").order_by("created_at", "id")
    if not (user is not None and can_manage(user, topic.region)):
        opinions = opinions.filter(hidden=False)
    return opinions


def public_name(name: str) -> str:
    """What the public sees of a speaker: the first character (the surname) and asterisks."""
    name = (name or "").strip()
    return f"{name[:1]}**" if name else "居民"


def opinion_threads(topic: Topic, user=None) -> list[Opinion]:
    """Top-level opinions, each with `.thread_replies` and `.public_name` attached."""
    opinions = list(opinions_for(topic, user))
    for o in opinions:
        o.public_name = public_name(o.author_name)
    by_parent: dict = {}
    for o in opinions:
        by_parent.setdefault(o.parent_id, []).append(o)
    for o in opinions:
        o.thread_replies = by_parent.get(o.pk, [])
    return by_parent.get(None, [])


def stance_counts(topic: Topic) -> dict:
    rows = topic.opinions.filter(hidden=False).values("stance").annotate(n=Count("id"))
    counts = {"support": 0, "oppose": 0, "other": 0}
    counts.update({r["stance"]: r["n"] for r in rows})
    return counts


def timeline(topic: Topic, user=None):
    events = DeliberationEvent.objects.filter(topic=topic).order_by("created_at", "id")
    if not (user is not None and can_manage(user, topic.region)):
        events = events.filter(public=True)
    return events


def phase_steps(topic: Topic) -> list[dict]:
    current = PHASE_ORDER.index(topic.phase) if topic.phase in PHASE_ORDER else -1
    return [
        {"phase": p, "label": Phase(p).label, "done": i < current, "current": i == current}
        for i, p in enumerate(PHASE_ORDER)
    ]


def allowed(topic: Topic) -> dict:
    settings = PHASE_SETTINGS[topic.phase]
    flags = {name: getattr(settings, name) for name in settings.__dataclass_fields__}
    if topic.source != "resident_proposal":
        flags["cosign_open"] = False  # only a residents' proposal is co-signed
    return flags


def topic_actions(topic: Topic, user) -> list[str]:
    return [action.name for action in offered_actions(user, topic)]


def meetings_for(topic: Topic):
    return topic.meetings.order_by("starts_at")


def visible_meetings(user=None):
    return Meeting.objects.select_related("region").prefetch_related("topics")


def votes_for(topic: Topic):
    return topic.votes.select_related("register").order_by("created_at", "id")


def published_results():
    return Vote.objects.filter(state=VoteState.CLOSED).select_related("topic").order_by("-closed_at")


def ballots_visible(vote: Vote, user=None):
    """Who voted how: only managers, only for open (记名) votes; a secret vote shows no choices to anyone."""
    if user is None or not can_manage(user, vote.topic.region):
        return Ballot.objects.none()
    ballots = vote.ballots.select_related("entered_by").order_by("cast_at", "id")
    return ballots.defer("choice") if vote.secret else ballots


def my_ballot(vote: Vote, user) -> Ballot | None:
    if user is None or not user.is_authenticated:
        return None
    return vote.ballots.filter(Q(user=user) | Q(owner__user=user)).first()


def may_vote(vote: Vote, user) -> bool:
    """Whether the account is on the vote's electorate: an owner in its register, or an elector on its list."""
    if user is None or not user.is_authenticated:
        return False
    if vote.rule == VoteRule.OWNERS_JOINT:
        return vote.register_id is not None and vote.register.owners.filter(user=user).exists()
    return vote.electors.filter(user=user).exists()


def turnout(vote: Vote) -> dict:
    return {
        "ballots": vote.ballots.count(),
        "paper": vote.ballots.filter(channel="paper").count(),
        "online": vote.ballots.filter(channel="online").count(),
    }


def owner_notices(meeting: Meeting) -> dict | None:
    """How the owners' assembly's notice reached the owners: counts by channel and who could not be reached."""
    if meeting.kind != "owners_assembly" or not meeting.register_id:
        return None
    rows = list(meeting.owner_notices.select_related("owner").order_by("owner__name", "owner_id"))
    return {
        "total": len(rows),
        "site": sum(r.channel == "site" for r in rows),
        "sms": sum(r.channel == "sms" for r in rows),
        "unreachable": [r.owner for r in rows if r.channel == "none"],
    }

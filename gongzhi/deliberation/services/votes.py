"""Every write of 议事协商, as `verb_noun(actor, …)`. Each service checks the actor's right (managers — community
staff and admins (by role) — run topics, meetings, votes and resolutions in their region;
residents propose, co-sign, comment, register, sign in and vote), locks the topic it changes, checks the phase
table in workflow.py, writes, appends a DeliberationEvent to the topic's hash chain, and notifies on commit.
Refusals are `ServiceError` subclasses with Chinese messages.
"""

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.appeals.models import Appeal
from gongzhi.appeals.selectors import visible_appeals
from gongzhi.appeals.services import record_event as record_appeal_event
from gongzhi.core import inputs
from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.errors import IllegalTransition, NotFoundError, PermissionDeniedError, ServiceError
from gongzhi.core.idcards import clean_id_number, valid_id_number
from gongzhi.core.masking import person_label, staff_label
from gongzhi.core.models import Notification, Region, Unit, User
from gongzhi.core.notices import send_notice
from gongzhi.core.permissions import can_manage, in_scope, is_manager
from gongzhi.core.phones import sms_number
from gongzhi.core.services import normalize_phone
from gongzhi.core.uploads import check_upload

from .. import notices, rules
from ..choices import (
    AreaSource,
    BallotChannel,
    BallotChoice,
    ElectorateBasis,
    MeetingKind,
    MeetingState,
    OpinionChannel,
    ParticipantRole,
    Phase,
    SignInMethod,
    Stance,
    TaskState,
    TopicSource,
    VoteRule,
    VoteState,
)
from ..models import (
    Ballot,
    CoSigner,
    DeliberationEvent,
    Elector,
    Meeting,
    Opinion,
    Owner,
    OwnerNotice,
    OwnerRegister,
    Participant,
    PropertyUnit,
    Resolution,
    ResolutionTask,
    SecretTally,
    Topic,
    Vote,
)
from ..workflow import MANAGER, WORKFLOW, settings_for

OWNERS_ASSEMBLY_NOTICE_DAYS = 15  # 物业管理条例 第14条 (E-6.3)

# ---------------------------------------------------------------- permissions


def _require_manager(actor, region: Region) -> None:
    if not is_manager(actor):
        raise PermissionDeniedError(_("只有社区工作者或管理员可以执行此操作。"))
    if not in_scope(actor, region):
        raise PermissionDeniedError(_("该议题不在您负责的区域内。"))


def _require_login(actor) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError(_("请先登录。"), code="login_required")


def _actor_label(actor) -> str:
    if actor is None:
        return _("系统")
    return staff_label(actor)


# ---------------------------------------------------------------- events and locks


def _event(
    topic: Topic | None, actor, action: str, *, note: str = "", before=None, after=None, public: bool = True
) -> DeliberationEvent:
    """Append to the topic's chain (the caller holds the topic's row lock), or to the shared chain."""
    return DeliberationEvent.append(
        actor,
        action,
        actor_label=_actor_label(actor),
        topic=topic,
        note=note,
        before=before,
        after=after,
        public=public,
    )


@contextmanager
def _locked_topic(topic_id: int):
    with transaction.atomic():
        try:
            yield Topic.objects.select_for_update(of=("self",)).select_related("region").get(pk=topic_id)
        except Topic.DoesNotExist:
            raise NotFoundError(_("议题不存在。")) from None


def _lock_topics(ids: Iterable[int]) -> list[Topic]:
    return list(Topic.objects.select_for_update(of=("self",)).filter(pk__in=sorted(set(ids))).order_by("pk"))


def _require_setting(topic: Topic, setting: str, message: str) -> None:
    if not getattr(settings_for(topic.phase), setting):
        raise IllegalTransition(
            _("议题当前处于「%(phase)s」阶段，%(message)s")
            % {"phase": topic.get_phase_display(), "message": message},
            code="phase_closed",
        )


# ---------------------------------------------------------------- topics


def create_topic(
    actor: User,
    *,
    title: str,
    description: str,
    region: Region,
    source: str,
    appeal_ids: Sequence[int] = (),
    proposer_unit: Unit | None = None,
    household: str = "",
    resident_group: str = "",
    adult_residents: int = 0,
    households: int = 0,
    resident_groups: int = 0,
) -> Topic:
    """Residents propose (and are the first co-signer); managers open topics from appeals, for a party
    organisation, or of their own."""
    _require_login(actor)
    title = inputs.text(title, "title", _("议题名称"), limit=200, required=True)
    description = inputs.text(description, "description", _("议题说明"), required=True)
    source = inputs.choice(source, TopicSource, "source", _("议题来源"))
    if region is None:
        raise ServiceError(_("请选择所属社区。"), field="region")
    if source == TopicSource.RESIDENT_PROPOSAL:
        if not actor.has_role(Role.RESIDENT):
            raise PermissionDeniedError(_("只有居民可以提出居民提议。"))
        household = inputs.text(household, "household", _("户（门牌号）"), limit=50, required=True)
    else:
        _require_manager(actor, region)
    # Only appeals the actor may see (a resident their own, staff their scope's): a topic tells every linked
    # appellant and writes to their appeal's trail, and its managers read the linked appeals' titles.
    wanted = set(appeal_ids)
    appeals: list[Appeal] = list(visible_appeals(actor).filter(pk__in=wanted)) if wanted else []
    if len(appeals) != len(wanted) or (source == TopicSource.APPEALS and not appeals):
        raise ServiceError(_("请选择要汇集的诉求（编号须存在）。"), field="appeal_ids")
    if source == TopicSource.PARTY_ORG:
        proposer_unit = proposer_unit or (actor.unit if actor.unit_id else None)
        if proposer_unit is None or proposer_unit.kind != UnitKind.PARTY_ORG:
            raise ServiceError(_("党组织提出的议题须注明提出的党组织。"), field="proposer_unit")
    for name, value in (
        ("adult_residents", adult_residents),
        ("households", households),
        ("resident_groups", resident_groups),
    ):
        if not isinstance(value, int) or value < 0:
            raise ServiceError(_("人数、户数、小组数须为非负整数。"), field=name)
    with transaction.atomic():
        topic = Topic.objects.create(
            title=title,
            description=description,
            region=region,
            source=source,
            proposer=actor,
            proposer_unit=proposer_unit,
            adult_residents=adult_residents,
            households=households,
            resident_groups=resident_groups,
        )
        topic.appeals.set(appeals)
        if source == TopicSource.RESIDENT_PROPOSAL:
            CoSigner.objects.create(
                topic=topic,
                user=actor,
                household=household,
                resident_group=(resident_group or "").strip()[:50],
            )
        _event(
            topic,
            actor,
            "create_topic",
            note=title,
            after={"source": source, "appeals": [a.pk for a in appeals], "phase": topic.phase},
        )
        if appeals:
            _appellants_notice(topic, actor, "deliberation_opened", _("社区将组织居民协商解决。"))
    return topic


def cosign_topic(actor: User, topic_id: int, *, household: str, resident_group: str = "") -> CoSigner:
    _require_login(actor)
    if not actor.has_role(Role.RESIDENT):
        raise PermissionDeniedError(_("只有居民可以联名提议。"))
    household = inputs.text(household, "household", _("户（门牌号）"), limit=50, required=True)
    with _locked_topic(topic_id) as topic:
        if topic.source != TopicSource.RESIDENT_PROPOSAL:
            raise ServiceError(_("只有居民提议的议题可以联名。"), code="not_a_proposal")
        _require_setting(topic, "cosign_open", _("不能再联名。"))
        if CoSigner.objects.filter(topic=topic, user=actor).exists():
            raise ServiceError(_("您已联名过此议题，每人只能联名一次。"), code="already_signed")
        signer = CoSigner.objects.create(
            topic=topic, user=actor, household=household, resident_group=(resident_group or "").strip()[:50]
        )
        check = convening_check(topic)
        _event(
            topic,
            actor,
            "cosign_topic",
            after={"signers": topic.cosigners.count(), "must_convene": check.must_convene},
        )
    return signer


def convening_check(topic: Topic) -> rules.ConveningCheck:
    """F-1.4 on the topic's co-signers: people, distinct households, distinct resident groups."""
    signers = topic.cosigners.all()
    households = {s.household.strip() for s in signers if s.household.strip()}
    groups = {s.resident_group.strip() for s in signers if s.resident_group.strip()}
    count = signers.count()
    return rules.residents_meeting_convening(
        topic.adult_residents,
        topic.households,
        topic.resident_groups,
        min(count, topic.adult_residents) if topic.adult_residents else count,
        min(len(households), topic.households) if topic.households else len(households),
        min(len(groups), topic.resident_groups) if topic.resident_groups else len(groups),
    )


def set_topic_bases(
    actor: User, topic_id: int, *, adult_residents: int, households: int, resident_groups: int
) -> Topic:
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        values = {
            "adult_residents": adult_residents,
            "households": households,
            "resident_groups": resident_groups,
        }
        for name, value in values.items():
            if not isinstance(value, int) or value < 0:
                raise ServiceError(_("人数、户数、小组数须为非负整数。"), field=name)
        before = {name: getattr(topic, name) for name in values}
        for name, value in values.items():
            setattr(topic, name, value)
        topic.save(update_fields=[*values, "updated_at"])
        _event(topic, actor, "set_topic_bases", before=before, after=values)
    return topic


def advance_topic(actor: User, topic_id: int, action: str, *, reason: str = "") -> Topic:
    """Phase changes by the table; resolving goes through record_resolution."""
    if action == "resolve":
        raise ServiceError(_("形成决议请使用「形成决议」功能。"), code="use_record_resolution")
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        transition = WORKFLOW.require(topic.phase, action, {MANAGER}, state_label=topic.get_phase_display())
        note = ""
        if action == "close":
            note = inputs.text(reason, "reason", _("关闭原因"), limit=1000, required=True)
            topic.closed_reason = note
        if action == "open_voting" and not topic.votes.exists():
            raise ServiceError(_("请先创建表决事项，再进入表决阶段。"), code="no_vote")
        if action == "publish":
            resolution = Resolution.objects.filter(topic=topic).first()
            if resolution is None or resolution.completed_at is None:
                raise ServiceError(_("决议的落实任务尚未全部完成，不能公示结果。"), code="not_completed")
        before = topic.phase
        topic.phase = transition.target
        topic.save(update_fields=["phase", "closed_reason", "updated_at"])
        _event(topic, actor, action, note=note, before={"phase": before}, after={"phase": topic.phase})
    return topic


# ---------------------------------------------------------------- opinions


def post_opinion(
    actor: User, topic_id: int, *, body: str, stance: str = Stance.OTHER, parent_id: int | None = None
) -> Opinion:
    _require_login(actor)
    body = inputs.text(body, "body", _("意见内容"), limit=2000, required=True)
    stance = inputs.choice(stance, Stance, "stance", _("立场"))
    with _locked_topic(topic_id) as topic:
        _require_setting(topic, "opinions_open", _("不能再发表意见。"))
        parent = None
        if parent_id:
            parent = Opinion.objects.filter(pk=parent_id, topic=topic, hidden=False).first()
            if parent is None:
                raise ServiceError(_("要回复的意见不存在。"), field="parent_id")
        opinion = Opinion.objects.create(
            topic=topic,
            parent=parent,
            author=actor,
            author_name=person_label(actor),
            stance=stance,
            body=body,
        )
        _event(
            topic,
            actor,
            "post_opinion",
            after={"opinion": opinion.pk, "stance": stance, "reply_to": parent.pk if parent else None},
        )
    return opinion


def enter_offline_opinion(
    actor: User, topic_id: int, *, author_name: str, body: str, source: str, stance: str = Stance.OTHER
) -> Opinion:
    """Opinions heard at a door, a meeting or in a letter, entered by staff with their source."""
    author_name = inputs.text(author_name, "author_name", _("意见人"), limit=50, required=True)
    body = inputs.text(body, "body", _("意见内容"), limit=2000, required=True)
    source = inputs.text(
        source, "source", _("意见来源（如入户走访、座谈会、来信）"), limit=200, required=True
    )
    stance = inputs.choice(stance, Stance, "stance", _("立场"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        _require_setting(topic, "opinions_open", _("不能再录入意见。"))
        opinion = Opinion.objects.create(
            topic=topic,
            author_name=author_name,
            stance=stance,
            body=body,
            channel=OpinionChannel.OFFLINE,
            offline_source=source,
            entered_by=actor,
        )
        _event(
            topic,
            actor,
            "enter_offline_opinion",
            after={"opinion": opinion.pk, "stance": stance, "source": source},
        )
    return opinion


def hide_opinion(actor: User, opinion_id: int, *, reason: str) -> Opinion:
    reason = inputs.text(reason, "reason", _("隐藏原因"), limit=200, required=True)
    topic_id = Opinion.objects.filter(pk=opinion_id).values_list("topic_id", flat=True).first()
    if topic_id is None:
        raise NotFoundError(_("意见不存在。"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        opinion = Opinion.objects.select_for_update().get(pk=opinion_id)
        if opinion.hidden:
            raise IllegalTransition(_("该意见已被隐藏。"))
        opinion.hidden, opinion.hidden_reason = True, reason
        opinion.save(update_fields=["hidden", "hidden_reason"])
        _event(topic, actor, "hide_opinion", note=reason, after={"opinion": opinion.pk})
    return opinion


# ---------------------------------------------------------------- meetings


def _meeting_event(meeting: Meeting, actor, action: str, **kwargs) -> None:
    for topic in _lock_topics(meeting.topics.values_list("pk", flat=True)):
        _event(topic, actor, action, **kwargs)


@contextmanager
def _locked_meeting(meeting_id: int):
    with transaction.atomic():
        try:
            meeting = (
                Meeting.objects.select_for_update(of=("self",)).select_related("region").get(pk=meeting_id)
            )
        except Meeting.DoesNotExist:
            raise NotFoundError(_("会议不存在。")) from None
        yield meeting


def schedule_meeting(
    actor: User,
    *,
    kind: str,
    title: str,
    topic_ids: Sequence[int],
    agenda: str,
    location: str,
    starts_at,
    register_id: int | None = None,
) -> Meeting:
    """A meeting of the topics. An owners' assembly names its owners' register: its notice goes to every owner."""
    kind = inputs.choice(kind, MeetingKind, "kind", _("会议类型"))
    title = inputs.text(title, "title", _("会议名称"), limit=200, required=True)
    agenda = inputs.text(agenda, "agenda", _("议程"), required=True)
    location = inputs.text(location, "location", _("地点"), limit=200, required=True)
    if starts_at is None:
        raise ServiceError(_("请填写开始时间。"), field="starts_at")
    if starts_at <= timezone.now():
        raise ServiceError(_("开始时间须晚于现在。"), field="starts_at")
    if not topic_ids:
        raise ServiceError(_("请选择会议讨论的议题。"), field="topic_ids")
    with transaction.atomic():
        topics = _lock_topics(topic_ids)
        if len(topics) != len(set(topic_ids)):
            raise ServiceError(_("议题不存在。"), field="topic_ids")
        for topic in topics:
            _require_manager(actor, topic.region)
            _require_setting(topic, "meetings_allowed", _("不能再安排会议。"))
        register = None
        if kind == MeetingKind.OWNERS_ASSEMBLY:
            region = topics[0].region
            register = (
                OwnerRegister.objects.filter(pk=register_id, region__path__startswith=region.path).first()
                if register_id
                else None
            )
            if register is None:
                raise ServiceError(
                    _("业主大会会议须选择业主名册：通知发给名册中的全体业主。"), field="register_id"
                )
        meeting = Meeting.objects.create(
            kind=kind,
            title=title,
            region=topics[0].region,
            agenda=agenda,
            location=location,
            starts_at=starts_at,
            created_by=actor,
            register=register,
        )
        meeting.topics.set(topics)
        for topic in topics:
            _event(
                topic,
                actor,
                "schedule_meeting",
                note=title,
                after={"meeting": meeting.pk, "kind": kind, "starts_at": starts_at},
            )
    return meeting


def send_meeting_notice(actor: User, meeting_id: int, *, committee_informed: bool = False) -> Meeting:
    """Publish the notice. An owners' assembly needs 15 clear days and the residents' committee informed
    (物业管理条例 第14条, E-6.3): a shorter notice is refused."""
    with _locked_meeting(meeting_id) as meeting:
        _require_manager(actor, meeting.region)
        if meeting.state != MeetingState.DRAFT:
            raise IllegalTransition(_("会议通知已发出，不能重复发送。"))
        now = timezone.now()
        if meeting.starts_at <= now:
            raise ServiceError(_("会议开始时间已过，不能再发通知。"), field="starts_at")
        if meeting.kind == MeetingKind.OWNERS_ASSEMBLY:
            days = (timezone.localdate(meeting.starts_at) - timezone.localdate(now)).days
            if days < OWNERS_ASSEMBLY_NOTICE_DAYS:
                raise ServiceError(
                    _(
                        "业主大会会议应当于会议召开15日以前通知全体业主（物业管理条例第14条），距开会只有%(days)s日，"
                        "请改期。"
                    )
                    % {"days": days},
                    code="notice_too_short",
                    field="starts_at",
                )
            if not committee_informed:
                raise ServiceError(
                    _("住宅小区的业主大会会议应当同时告知居民委员会，请先告知后再发通知。"),
                    code="committee_not_informed",
                    field="committee_informed",
                )
        meeting.state, meeting.noticed_at = MeetingState.NOTICED, now
        if committee_informed:
            meeting.committee_informed_at = now
        meeting.save(update_fields=["state", "noticed_at", "committee_informed_at"])
        _meeting_event(
            meeting,
            actor,
            "send_meeting_notice",
            note=meeting.title,
            after={
                "meeting": meeting.pk,
                "starts_at": meeting.starts_at,
                "committee_informed": committee_informed,
            },
        )
        context = {
            "title": meeting.title,
            "starts_at": timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M"),
            "location": meeting.location,
            "agenda": meeting.agenda,
        }
        link = f"/deliberation/meetings/{meeting.pk}/"
        told: set[int] = set()
        if meeting.kind == MeetingKind.OWNERS_ASSEMBLY and meeting.register_id:
            told = _notify_owners(meeting, context, link)
        for participant in meeting.participants.filter(user__isnull=False).select_related("user"):
            if participant.user_id not in told:
                send_notice(notices.MEETING_NOTICE.key, user=participant.user, context=context, link=link)
    return meeting


def _notify_owners(meeting: Meeting, context: dict, link: str) -> set[int]:
    """Tell every owner of the assembly's register by the channel on file (account, else the mobile number) and
    record each, those who could not be reached included (物业管理条例 第14条: 通知全体业主). Returns the accounts
    told."""
    told, rows = set(), []
    for owner in meeting.register.owners.select_related("user").order_by("id"):
        if owner.user_id and owner.user.is_active:
            send_notice(notices.MEETING_NOTICE.key, user=owner.user, context=context, link=link)
            told.add(owner.user_id)
            channel = "site"
        elif owner.phone:
            send_notice(notices.MEETING_NOTICE.key, phone=owner.phone, context=context)
            channel = "sms"
        else:
            channel = "none"
        rows.append(OwnerNotice(meeting=meeting, owner=owner, channel=channel))
    OwnerNotice.objects.bulk_create(rows)
    unreachable = sum(1 for r in rows if r.channel == "none")
    _meeting_event(
        meeting,
        None,
        "notify_owners",
        note=meeting.title,
        after={"meeting": meeting.pk, "owners": len(rows), "unreachable": unreachable},
    )
    return told


def register_for_meeting(
    actor: User, meeting_id: int, *, role: str = ParticipantRole.RESIDENT_REP
) -> Participant:
    _require_login(actor)
    role = inputs.choice(role, ParticipantRole, "role", _("参会身份"))
    with _locked_meeting(meeting_id) as meeting:
        if meeting.state not in (MeetingState.DRAFT, MeetingState.NOTICED):
            raise IllegalTransition(_("会议已结束或已取消，不能报名。"))
        if meeting.participants.filter(user=actor).exists():
            raise ServiceError(_("您已报名此会议。"), code="already_registered")
        participant = Participant.objects.create(
            meeting=meeting,
            user=actor,
            role=role,
            name=person_label(actor),
            unit=actor.unit if actor.unit_id else None,
        )
        _meeting_event(meeting, actor, "register_for_meeting", after={"meeting": meeting.pk, "role": role})
    return participant


def add_participant(
    actor: User, meeting_id: int, *, name: str, role: str, unit: Unit | None = None, user: User | None = None
) -> Participant:
    name = inputs.text(name, "name", _("姓名"), limit=50, required=True)
    role = inputs.choice(role, ParticipantRole, "role", _("参会身份"))
    with _locked_meeting(meeting_id) as meeting:
        _require_manager(actor, meeting.region)
        if meeting.state not in (MeetingState.DRAFT, MeetingState.NOTICED):
            raise IllegalTransition(_("会议已结束或已取消，不能再添加参会人。"))
        if user is not None and meeting.participants.filter(user=user).exists():
            raise ServiceError(_("此人已在参会名单中。"), code="already_registered")
        participant = Participant.objects.create(meeting=meeting, user=user, name=name, role=role, unit=unit)
        _meeting_event(meeting, actor, "add_participant", after={"meeting": meeting.pk, "role": role})
    return participant


def _sign_in(meeting: Meeting, participant: Participant, actor, method: str) -> Participant:
    if meeting.state != MeetingState.NOTICED:
        raise IllegalTransition(_("会议未发通知或已结束，不能签到。"))
    if participant.signed_in_at:
        raise ServiceError(_("%(name)s 已签到。") % {"name": participant.name}, code="already_signed_in")
    participant.signed_in_at, participant.sign_in_method, participant.signed_in_by = (
        timezone.now(),
        method,
        actor,
    )
    participant.save(update_fields=["signed_in_at", "sign_in_method", "signed_in_by"])
    _meeting_event(
        meeting,
        actor,
        "sign_in",
        after={"meeting": meeting.pk, "participant": participant.pk, "method": method},
        public=False,
    )
    return participant


def sign_in(actor: User, meeting_id: int) -> Participant:
    """Online sign-in by a registered participant."""
    _require_login(actor)
    with _locked_meeting(meeting_id) as meeting:
        participant = meeting.participants.select_for_update().filter(user=actor).first()
        if participant is None:
            raise ServiceError(_("您未报名此会议，请先报名。"), code="not_registered")
        return _sign_in(meeting, participant, actor, SignInMethod.ONLINE)


def sign_in_participant(actor: User, participant_id: int) -> Participant:
    """Sign-in entered by staff at the door."""
    meeting_id = Participant.objects.filter(pk=participant_id).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        raise NotFoundError(_("参会人不存在。"))
    with _locked_meeting(meeting_id) as meeting:
        _require_manager(actor, meeting.region)
        participant = Participant.objects.select_for_update().get(pk=participant_id)
        return _sign_in(meeting, participant, actor, SignInMethod.STAFF)


def close_meeting(actor: User, meeting_id: int, *, minutes: str) -> Meeting:
    minutes = inputs.text(minutes, "minutes", _("会议纪要"), limit=20000, required=True)
    with _locked_meeting(meeting_id) as meeting:
        _require_manager(actor, meeting.region)
        if meeting.state != MeetingState.NOTICED:
            raise IllegalTransition(_("只有已发通知的会议才能结束并记录纪要。"))
        if not meeting.participants.filter(signed_in_at__isnull=False).exists():
            raise ServiceError(_("尚无人签到，不能结束会议。"), code="no_attendees")
        meeting.state, meeting.minutes, meeting.closed_at = MeetingState.CLOSED, minutes, timezone.now()
        meeting.save(update_fields=["state", "minutes", "closed_at"])
        report = meeting_report(meeting)
        _meeting_event(
            meeting,
            actor,
            "close_meeting",
            note=meeting.title,
            after={
                "meeting": meeting.pk,
                "attendees": report["attendee_count"],
                "organisations": report["organisations"],
            },
        )
    return meeting


def meeting_report(meeting: Meeting) -> dict:
    """The close report: who came (by role), which organisations, which topics."""
    attendees = list(meeting.participants.filter(signed_in_at__isnull=False).select_related("unit"))
    by_role: dict[str, int] = {}
    for p in attendees:
        label = str(ParticipantRole(p.role).label)
        by_role[label] = by_role.get(label, 0) + 1
    return {
        "attendee_count": len(attendees),
        "registered_count": meeting.participants.count(),
        "by_role": by_role,
        "organisations": sorted({p.unit.name for p in attendees if p.unit_id}),
        "topics": [t.title for t in meeting.topics.all()],
    }


# ---------------------------------------------------------------- owners' register


def create_owner_register(actor: User, *, name: str, region: Region, rows: Sequence[dict]) -> OwnerRegister:
    """rows: {"owner": name, "unit": 房号, "area": ㎡, "id_number": 身份证号, "phone": 手机号, "user": User|None,
    "developer": bool, "area_source": …}. One owner is one person (E-4.2, issue K item 4): rows with the same ID
    number, or the same account, are one owner however many units they hold; a row with neither is its own owner
    (name and unit), so two people who share a name are never counted as one. Every developer row belongs to the
    one developer owner. A mobile number is kept for the assembly's notice and links the owner's account."""
    name = inputs.text(name, "name", _("名册名称"), limit=100, required=True)
    _require_manager(actor, region)
    if not rows:
        raise ServiceError(_("名册至少要有一套房屋。"), field="rows")
    with transaction.atomic():
        register = OwnerRegister.objects.create(name=name, region=region)
        owners = _OwnerIndex()
        seen_units: set[str] = set()
        for index, row in enumerate(rows, start=1):
            number = str(row.get("unit") or "").strip()
            owner_name = str(row.get("owner") or "").strip()
            developer = bool(row.get("developer"))
            where = _("第%(n)s行") % {"n": index}
            if not number or (not owner_name and not developer):
                raise ServiceError(_("第%(n)s行：房号和业主姓名必填。") % {"n": index}, field="rows")
            if number in seen_units:
                raise ServiceError(
                    _("第%(n)s行：房号 %(u)s 重复。") % {"n": index, "u": number}, field="rows"
                )
            seen_units.add(number)
            try:
                area = Decimal(str(row.get("area")).strip())
            except (InvalidOperation, ValueError):
                area = Decimal(0)
            if not area.is_finite() or area <= 0 or area != area.quantize(Decimal("0.01")):
                raise ServiceError(
                    _("第%(n)s行：面积须为大于零的数，最多两位小数。") % {"n": index}, field="rows"
                )
            source = row.get("area_source") or AreaSource.REGISTER
            inputs.choice(source, AreaSource, "rows", _("面积依据"))
            id_number = clean_id_number(row.get("id_number"))
            if id_number and not valid_id_number(id_number):
                raise ServiceError(
                    _("%(where)s：身份证号不正确（18位，最后一位可为X）。") % {"where": where}, field="rows"
                )
            phone = str(row.get("phone") or "").strip()
            if phone:
                try:
                    phone = normalize_phone(phone)
                except ServiceError:
                    raise ServiceError(
                        _("%(where)s：手机号须为11位手机号码。") % {"where": where}, field="rows"
                    ) from None
            user = row.get("user")
            if user is None and phone and not developer:
                user = User.objects.filter(phone=phone, is_active=True).first()
            if developer:
                id_number = phone = ""
                user = None
            owner = owners.find(developer, id_number, user)
            if owner is None:
                if user is not None and owners.has_user(user):
                    user = None  # the account is another owner's (a shared phone): this person is known by ID
                owner = Owner.objects.create(
                    register=register,
                    name=owner_name or _("建设单位"),
                    user=user,
                    is_developer=developer,
                    id_number=id_number,
                    phone=phone,
                )
                owners.add(owner)
            else:
                if id_number and owner.id_number and owner.name != owner_name and not developer:
                    raise ServiceError(
                        _("%(where)s：身份证号与前面的业主 %(name)s 相同，但姓名不同，请核对。")
                        % {"where": where, "name": owner.name},
                        field="rows",
                    )
                changed = []
                if user is not None and owner.user_id is None and not owners.has_user(user):
                    owner.user = user
                    changed.append("user")
                if id_number and not owner.id_number:
                    owner.id_number = id_number
                    changed.append("id_number")
                if phone and not owner.phone:
                    owner.phone = phone
                    changed.append("phone")
                if changed:
                    owner.save(update_fields=changed)
                    owners.add(owner)
            PropertyUnit.objects.create(
                register=register, owner=owner, number=number, area=area, area_source=source
            )
        _event(
            None,
            actor,
            "create_owner_register",
            note=name,
            after={"register": register.pk, "owners": owners.count(), "units": len(seen_units)},
        )
    return register


class _OwnerIndex:
    """The owners of a register being built, found by what identifies a person: the developer, an ID number, an
    account. A name alone identifies nobody."""

    def __init__(self):
        self.developer: Owner | None = None
        self.by_id: dict[str, Owner] = {}
        self.by_user: dict[int, Owner] = {}
        self.all: dict[int, Owner] = {}

    def find(self, developer: bool, id_number: str, user) -> Owner | None:
        if developer:
            return self.developer
        if id_number and id_number in self.by_id:
            return self.by_id[id_number]
        if user is not None and user.pk in self.by_user:
            found = self.by_user[user.pk]
            # one account, two different ID numbers: two people (a family's shared phone); keep them apart
            return None if id_number and found.id_number and found.id_number != id_number else found
        return None

    def has_user(self, user) -> bool:
        return user.pk in self.by_user

    def add(self, owner: Owner) -> None:
        self.all[owner.pk] = owner
        if owner.is_developer:
            self.developer = owner
        if owner.id_number:
            self.by_id[owner.id_number] = owner
        if owner.user_id:
            self.by_user.setdefault(owner.user_id, owner)

    def count(self) -> int:
        return len(self.all)


# ---------------------------------------------------------------- votes


def create_vote(
    actor: User,
    topic_id: int,
    *,
    question: str,
    rule: str,
    major: bool = False,
    secret: bool = False,
    register_id: int | None = None,
    basis: str = "",
    meeting_id: int | None = None,
) -> Vote:
    """A vote in draft. An owners' vote counts the owners of a register; the others count the electors listed
    with `add_electors` on `basis` before the vote opens (the list's size is the residents' meeting's 应到人数)."""
    question = inputs.text(question, "question", _("表决事项"), limit=300, required=True)
    rule = inputs.choice(rule, VoteRule, "rule", _("表决规则"))
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        if topic.phase not in (Phase.COLLECTING, Phase.DELIBERATING, Phase.VOTING):
            raise IllegalTransition(
                _("议题当前处于「%(phase)s」阶段，不能再创建表决。") % {"phase": topic.get_phase_display()}
            )
        register = None
        if rule == VoteRule.OWNERS_JOINT:
            # A register of the topic's community (or below it), as the topic page offers: another community's
            # owners, areas and names are not this vote's.
            register = (
                OwnerRegister.objects.filter(
                    pk=register_id, region__path__startswith=topic.region.path
                ).first()
                if register_id
                else None
            )
            if register is None:
                raise ServiceError(
                    _("业主共同决定须选择业主名册（面积和人数以名册为准）。"), field="register_id"
                )
            basis = ""
        elif rule == VoteRule.BODY_RULES:
            major, basis = False, ElectorateBasis.MEMBERS
        else:
            major = False
            if basis not in (ElectorateBasis.ADULTS, ElectorateBasis.HOUSEHOLDS, ElectorateBasis.GROUPS):
                raise ServiceError(
                    _("居民会议须选择投票人范围：18周岁以上居民、每户代表或居民小组代表。"), field="basis"
                )
        meeting = None
        if meeting_id:
            meeting = Meeting.objects.filter(pk=meeting_id, topics=topic).first()
            if meeting is None:
                raise ServiceError(_("所选会议未讨论此议题。"), field="meeting_id")
        vote = Vote.objects.create(
            topic=topic,
            meeting=meeting,
            question=question,
            rule=rule,
            major=bool(major),
            secret=bool(secret),
            register=register,
            basis=basis,
            created_by=actor,
        )
        if vote.secret:
            # Every counter now, in a fixed order, so that which counter exists (or its row id) never tells
            # which choice the first voter made.
            SecretTally.objects.bulk_create([SecretTally(vote=vote, choice=c) for c in BallotChoice.values])
        _event(
            topic,
            actor,
            "create_vote",
            note=question,
            after={"vote": vote.pk, "rule": rule, "basis": basis, "major": vote.major, "secret": vote.secret},
        )
    return vote


MAX_GROUP_REPRESENTATIVES = 3  # 居民委员会组织法 第10条: each residents' group elects two or three


def add_electors(actor: User, vote_id: int, rows: Sequence[dict]) -> list[Elector]:
    """List the people entitled to vote, before voting opens. rows: {"name", "household", "resident_group",
    "phone"} (or "user": an account). A mobile number links the person's account, now or when they first log in
    with it (`link_electors_by_phone`), so that they can vote online; everyone on the list can vote on paper.
    By household, one representative per household; by group, at most three per group."""
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.rule == VoteRule.OWNERS_JOINT:
            raise ServiceError(_("业主共同决定以业主名册为准，无需另列投票人。"), field="rows")
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("投票已开始，投票人名单不能再修改。"))
        if not rows:
            raise ServiceError(_("请至少填写一名投票人。"), field="rows")
        existing = list(vote.electors.all())
        people = {(e.name, e.household) for e in existing}
        accounts = {e.user_id for e in existing if e.user_id}
        households = {e.household for e in existing}
        groups: dict[str, int] = {}
        for e in existing:
            groups[e.resident_group] = groups.get(e.resident_group, 0) + 1
        added = []
        for n, row in enumerate(rows, start=1):
            name = str(row.get("name") or "").strip()[:50]
            household = str(row.get("household") or "").strip()[:50]
            group = str(row.get("resident_group") or "").strip()[:50]
            user, phone = row.get("user"), str(row.get("phone") or "").strip()
            where = _("第%(n)s行") % {"n": n}
            if phone:
                try:
                    phone = normalize_phone(phone)
                except ServiceError:
                    raise ServiceError(
                        _("%(where)s：手机号须为11位手机号码。") % {"where": where}, field="rows"
                    ) from None
                user = user or User.objects.filter(phone=phone, is_active=True).first()
            elif user is not None:
                phone = user.phone or ""
            if not name:
                raise ServiceError(_("%(where)s：姓名必填。") % {"where": where}, field="rows")
            if vote.basis == ElectorateBasis.HOUSEHOLDS:
                if not household:
                    raise ServiceError(
                        _("%(where)s：按户表决须填写户（门牌号）。") % {"where": where}, field="rows"
                    )
                if household in households:
                    raise ServiceError(
                        _("%(where)s：%(h)s 已有户代表，每户只能一人投票。")
                        % {"where": where, "h": household},
                        field="rows",
                    )
            if vote.basis == ElectorateBasis.GROUPS:
                if not group:
                    raise ServiceError(
                        _("%(where)s：按居民小组表决须填写居民小组。") % {"where": where}, field="rows"
                    )
                if groups.get(group, 0) >= MAX_GROUP_REPRESENTATIVES:
                    raise ServiceError(
                        _("%(where)s：%(g)s 已有 %(k)s 名代表，每个居民小组推选2至3人。")
                        % {"where": where, "g": group, "k": MAX_GROUP_REPRESENTATIVES},
                        field="rows",
                    )
            if (name, household) in people:
                raise ServiceError(
                    _("%(where)s：%(name)s %(h)s 已在名单中。")
                    % {"where": where, "name": name, "h": household},
                    field="rows",
                )
            if user is not None and user.pk in accounts:
                raise ServiceError(
                    _("%(where)s：该手机号对应的账号已在名单中，一人只能列一次。") % {"where": where},
                    field="rows",
                )
            people.add((name, household))
            households.add(household)
            groups[group] = groups.get(group, 0) + 1
            if user is not None:
                accounts.add(user.pk)
            added.append(
                Elector(
                    vote=vote,
                    name=name,
                    household=household,
                    resident_group=group,
                    phone=phone,
                    user=user,
                    added_by=actor,
                )
            )
        Elector.objects.bulk_create(added)
        _event(
            topic,
            actor,
            "add_electors",
            note=vote.question,
            after={
                "vote": vote.pk,
                "added": len(added),
                "linked": sum(1 for e in added if e.user_id),
                "electors": len(existing) + len(added),
            },
            public=False,
        )
    return added


def link_electors_by_phone(user) -> int:
    """A new account whose mobile number is on the list of a vote not yet closed is linked to that entry
    (core.services.resident_account_created), so the person can vote online. Returns the entries linked."""
    if not getattr(user, "phone", ""):
        return 0
    linked = 0
    candidates = (
        Elector.objects.filter(phone=user.phone, user__isnull=True)
        .exclude(vote__state=VoteState.CLOSED)
        .values_list("pk", "vote_id")
    )
    for elector_id, vote_id in list(candidates):
        with _locked_vote(vote_id) as (topic, vote):
            if vote.state == VoteState.CLOSED or vote.electors.filter(user=user).exists():
                continue
            if Elector.objects.filter(pk=elector_id, user__isnull=True).update(user=user):
                _event(
                    topic,
                    None,
                    "link_elector",
                    note=vote.question,
                    after={"vote": vote.pk, "elector": elector_id},
                    public=False,
                )
                linked += 1
    return linked


def remove_elector(actor: User, elector_id: int) -> None:
    vote_id = Elector.objects.filter(pk=elector_id).values_list("vote_id", flat=True).first()
    if vote_id is None:
        raise NotFoundError(_("投票人不存在。"))
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("投票已开始，投票人名单不能再修改。"))
        elector = vote.electors.get(pk=elector_id)
        elector.delete()
        _event(
            topic,
            actor,
            "remove_elector",
            note=vote.question,
            after={"vote": vote.pk, "electors": vote.electors.count()},
            public=False,
        )


@contextmanager
def _locked_vote(vote_id: int):
    topic_id = Vote.objects.filter(pk=vote_id).values_list("topic_id", flat=True).first()
    if topic_id is None:
        raise NotFoundError(_("表决不存在。"))
    with _locked_topic(topic_id) as topic:
        vote = Vote.objects.select_for_update(of=("self",)).select_related("register").get(pk=vote_id)
        yield topic, vote


def open_vote(actor: User, vote_id: int) -> Vote:
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        _require_setting(topic, "votes_open", _("不能开始投票（请先进入表决阶段）。"))
        if vote.state != VoteState.DRAFT:
            raise IllegalTransition(_("该表决已开始或已结束。"))
        if vote.rule != VoteRule.OWNERS_JOINT:
            # The list fixes who may vote and, for a residents' meeting, how many should attend (应到人数).
            vote.base = vote.electors.count()
            if not vote.base:
                raise ServiceError(_("请先登记投票人名单，再开始投票。"), field="rows", code="no_electors")
        vote.state, vote.opened_at = VoteState.OPEN, timezone.now()
        vote.save(update_fields=["state", "opened_at", "base"])
        _event(topic, actor, "open_vote", note=vote.question, after={"vote": vote.pk, "base": vote.base})
    return vote


def _check_ballot_open(topic: Topic, vote: Vote) -> None:
    _require_setting(topic, "votes_open", _("不能投票。"))
    if vote.state != VoteState.OPEN:
        raise IllegalTransition(_("该表决未开始或已结束，不能投票。"), code="vote_not_open")


def _save_ballot(
    topic: Topic,
    vote: Vote,
    actor,
    *,
    key: str,
    name: str,
    choice: str,
    channel: str,
    owner: Owner | None = None,
    user: User | None = None,
    paper_number: str = "",
    proxy: dict | None = None,
) -> Ballot:
    existing = Ballot.objects.filter(vote=vote, voter_key=key).first()
    if existing is not None:
        raise ServiceError(
            _("%(name)s 已经投过票（%(channel)s），每人只能投一票，不能重复投票。")
            % {"name": name, "channel": existing.get_channel_display()},
            code="already_voted",
        )
    try:
        with transaction.atomic():
            # A secret vote keeps only the receipt (who took part, to refuse a second ballot) on the Ballot row;
            # the choice is added to the vote's anonymous counters (issue N item 4).
            ballot = Ballot.objects.create(
                vote=vote,
                voter_key=key,
                owner=owner,
                user=user,
                voter_name=name,
                choice="" if vote.secret else choice,
                channel=channel,
                entered_by=actor if channel == BallotChannel.PAPER else None,
                paper_number=paper_number,
                **(proxy or {}),
            )
            if vote.secret:
                _count_secret_choice(vote, choice, owner)
    except IntegrityError:
        raise ServiceError(
            _("%(name)s 已经投过票，每人只能投一票，不能重复投票。") % {"name": name}, code="already_voted"
        ) from None
    after = {"vote": vote.pk, "channel": channel}
    if proxy:
        after["proxy"] = proxy["proxy_name"]
    if not vote.secret:
        after["voter"], after["choice"] = name, choice
    _event(topic, actor, "cast_ballot", after=after, public=False)
    return ballot


def _count_secret_choice(vote: Vote, choice: str, owner: Owner | None) -> None:
    """Add one ballot (and, for an owners' vote, the owner's exclusive area) to the choice's counter. The caller
    holds the topic's row lock, so the counters are updated one ballot at a time."""
    area = Decimal(0)
    if vote.rule == VoteRule.OWNERS_JOINT and owner is not None:
        area = PropertyUnit.objects.filter(owner=owner).aggregate(s=Sum("area"))["s"] or Decimal(0)
    row, _created = SecretTally.objects.get_or_create(vote=vote, choice=choice)
    SecretTally.objects.filter(pk=row.pk).update(heads=F("heads") + 1, area=F("area") + area)


def _voter_for(vote: Vote, user: User) -> tuple[str, str, Owner | None]:
    """The voter an account stands for: its owner in the register, or its entry on the list of electors. An
    account on neither (another community's staff, a new phone-code account) cannot vote."""
    if vote.rule == VoteRule.OWNERS_JOINT:
        owner = Owner.objects.filter(register=vote.register, user=user).first()
        if owner is None:
            raise PermissionDeniedError(
                _("业主名册中没有您的房屋，不能参加此次业主表决。"), code="not_an_owner"
            )
        return f"owner:{owner.pk}", owner.name, owner
    elector = vote.electors.filter(user=user).first()
    if elector is None:
        raise PermissionDeniedError(
            _("您不在本次表决的投票人名单中，不能投票。如有疑问请联系社区居委会。"), code="not_an_elector"
        )
    return f"elector:{elector.pk}", elector.name, None


def cast_ballot(actor: User, vote_id: int, *, choice: str) -> Ballot:
    """An online ballot by the voter themselves."""
    _require_login(actor)
    choice = inputs.choice(choice, BallotChoice, "choice", _("表决意见"))
    with _locked_vote(vote_id) as (topic, vote):
        _check_ballot_open(topic, vote)
        key, name, owner = _voter_for(vote, actor)
        return _save_ballot(
            topic,
            vote,
            actor,
            key=key,
            name=name,
            choice=choice,
            channel=BallotChannel.ONLINE,
            owner=owner,
            user=actor,
        )


def enter_paper_ballot(
    actor: User,
    vote_id: int,
    *,
    choice: str,
    owner_id: int | None = None,
    elector_id: int | None = None,
    paper_number: str = "",
    proxy: dict | None = None,
) -> Ballot:
    """A paper ballot entered by staff for an owner of the register or an elector of the list: the same voter
    key as their online ballot, so a person who voted online cannot be entered on paper too, nor the reverse.

    proxy (owners' votes, 物业管理条例 第12条): {"name": the proxy, "scope": what they may vote on, "document": the
    signed written authorisation (an uploaded file)}. The ballot is still the owner's: it counts once, and the
    owner cannot vote again themselves."""
    choice = inputs.choice(choice, BallotChoice, "choice", _("表决意见"))
    paper_number = (paper_number or "").strip()[:50]
    proxy = _proxy(proxy)
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        _check_ballot_open(topic, vote)
        owner = user = None
        if vote.rule == VoteRule.OWNERS_JOINT:
            owner = Owner.objects.filter(register=vote.register, pk=owner_id).first() if owner_id else None
            if owner is None:
                raise ServiceError(_("请从业主名册中选择投票的业主。"), field="owner_id")
            key, name = f"owner:{owner.pk}", owner.name
        else:
            if proxy:
                raise ServiceError(_("委托投票适用于业主表决（物业管理条例第12条）。"), field="proxy_name")
            elector = vote.electors.filter(pk=elector_id).first() if elector_id else None
            if elector is None:
                raise ServiceError(_("请从投票人名单中选择投票人。"), field="elector_id")
            key, name, user = f"elector:{elector.pk}", elector.name, elector.user
        return _save_ballot(
            topic,
            vote,
            actor,
            key=key,
            name=name,
            choice=choice,
            channel=BallotChannel.PAPER,
            owner=owner,
            user=user,
            paper_number=paper_number,
            proxy=proxy,
        )


def _proxy(proxy: dict | None) -> dict:
    """A proxy's written authorisation, checked: who, for what, and the signed document (image or PDF)."""
    if not proxy or not any(proxy.get(k) for k in ("name", "scope", "document")):
        return {}
    name = inputs.text(proxy.get("name"), "proxy_name", _("受托人姓名"), limit=50, required=True)
    scope = inputs.text(proxy.get("scope"), "proxy_scope", _("委托事项"), limit=200, required=True)
    document = proxy.get("document")
    if document is None:
        raise ServiceError(_("委托投票须上传业主签名的书面委托书（照片或PDF）。"), field="proxy_document")
    try:
        check_upload(document)
    except ServiceError as exc:
        raise ServiceError(exc.message, code=exc.code, field="proxy_document") from None
    return {"proxy_name": name, "proxy_scope": scope, "proxy_document": document}


def tally_vote(vote: Vote) -> tuple[rules.Decision, dict]:
    """Count the ballots under the vote's rule with rules.py; returns the decision and the figures."""
    ballots = vote.ballots.all()
    if vote.secret:
        # Only the anonymous counters: the receipts say who took part, never how.
        secret = {row["choice"]: row for row in vote.secret_tally.values("choice", "heads", "area")}
        counts = {c: secret[c]["heads"] if c in secret else 0 for c in BallotChoice.values}
        present = sum(counts.values())
    else:
        counts = {c: ballots.filter(choice=c).count() for c in BallotChoice.values}
        present = ballots.count()
    if vote.rule == VoteRule.OWNERS_JOINT:
        units = PropertyUnit.objects.filter(register=vote.register)
        total_area = units.aggregate(s=Sum("area"))["s"] or Decimal(0)
        total_owners = Owner.objects.filter(register=vote.register, units__isnull=False).distinct().count()
        if vote.secret:
            n_voted, n_yes = present, counts[BallotChoice.YES]
            part_area = sum((row["area"] for row in secret.values()), Decimal(0))
            yes_area = secret[BallotChoice.YES]["area"] if BallotChoice.YES in secret else Decimal(0)
        else:
            voted = ballots.values_list("owner_id", flat=True)
            yes = ballots.filter(choice=BallotChoice.YES).values_list("owner_id", flat=True)
            n_voted, n_yes = len(voted), len(yes)
            part_area = units.filter(owner_id__in=voted).aggregate(s=Sum("area"))["s"] or Decimal(0)
            yes_area = units.filter(owner_id__in=yes).aggregate(s=Sum("area"))["s"] or Decimal(0)
        figures = {
            "total_area": str(total_area),
            "total_owners": total_owners,
            "participating_area": str(part_area),
            "participating_owners": n_voted,
            "yes_area": str(yes_area),
            "yes_owners": n_yes,
            **counts,
        }
        decision = rules.owners_joint_decision(
            total_area, total_owners, part_area, n_voted, yes_area, n_yes, vote.major
        )
    elif vote.rule == VoteRule.RESIDENTS_MEETING:
        figures = {"base": vote.base, "present": present, "yes": counts[BallotChoice.YES], **counts}
        decision = rules.residents_meeting_decision(vote.base, present, counts[BallotChoice.YES])
    else:
        figures = {"present": present, "yes": counts[BallotChoice.YES], **counts}
        decision = rules.body_rules_decision(present, counts[BallotChoice.YES])
    return decision, figures


def close_vote(actor: User, vote_id: int) -> Vote:
    """Stop the ballots, count them exactly and publish the arithmetic in words."""
    with _locked_vote(vote_id) as (topic, vote):
        _require_manager(actor, topic.region)
        if vote.state != VoteState.OPEN:
            raise IllegalTransition(_("只有投票中的表决才能结束计票。"))
        try:
            decision, figures = tally_vote(vote)
        except ValueError as exc:
            raise ServiceError(_("计票数据有误：%(e)s") % {"e": exc}, code="bad_tally") from None
        vote.state, vote.closed_at = VoteState.CLOSED, timezone.now()
        vote.quorum_met, vote.passed, vote.reasons, vote.tally = (
            decision.quorum_met,
            decision.passed,
            decision.reasons,
            figures,
        )
        vote.save(update_fields=["state", "closed_at", "quorum_met", "passed", "reasons", "tally"])
        _event(
            topic,
            actor,
            "close_vote",
            note="；".join(decision.reasons),
            after={"vote": vote.pk, "passed": decision.passed, "quorum_met": decision.quorum_met, **figures},
        )
    return vote


# ---------------------------------------------------------------- resolutions and tasks


# The steps of a topic that residents behind its appeals are told of: action on the appeals' timelines → the words.
TOPIC_STEPS = {
    "deliberation_opened": _lazy("已转为议事协商议题"),
    "deliberation_resolved": _lazy("已形成决议"),
    "deliberation_task_done": _lazy("一项落实任务已完成"),
    "deliberation_completed": _lazy("决议已落实"),
}


def topic_appeals(topic: Topic) -> list[int]:
    """Every appeal behind a topic: those linked to it, those that joined a hot spot it was opened from (later
    joiners included: computed at each step), and every appeal merged into any of them (merges chain)."""
    ids = set(topic.appeals.values_list("pk", flat=True))
    ids |= set(Appeal.objects.filter(hotspot_membership__hotspot__topic=topic).values_list("pk", flat=True))
    frontier = set(ids)
    while frontier:
        frontier = set(Appeal.objects.filter(master_id__in=frontier).values_list("pk", flat=True)) - ids
        ids |= frontier
    return sorted(ids)


def _appellants_notice(topic: Topic, actor, action: str, detail: str, *, step_key: str = "") -> int:
    """Tell every person behind the topic's appeals (topic_appeals: linked, merged, later hot-spot joiners; their
    appellants and co-signers, insight.CoSign) once per step, by the channels each chose (the `topic_step` notice),
    and record the step on each of those appeals' timelines (under its row lock). Returns how many people."""
    from ..notices import TOPIC_STEP

    step = str(TOPIC_STEPS[action])
    key = f"topic:{topic.pk}:{step_key or action}"
    link = f"/deliberation/topics/{topic.pk}/"
    people: dict[tuple, dict] = {}  # person key → send_notice arguments; the first appeal found names them
    appeals = list(
        Appeal.objects.select_for_update(of=("self",))
        .select_related("appellant")
        .filter(pk__in=topic_appeals(topic))
        .order_by("pk")
    )
    for appeal in appeals:
        record_appeal_event(
            appeal,
            actor,
            action,
            note=f"{step}：{topic.title}。{detail}"[:2000],
            after={"topic": topic.pk, "topic_title": topic.title, "step": step_key or action},
        )
        if appeal.anonymous and not appeal.appellant_id:
            continue
        user = appeal.appellant if appeal.appellant_id else None
        phone = (
            ""
            if appeal.anonymous
            else (sms_number(appeal.appellant_phone) or (user.phone if user else "") or "")
        )
        person = ("user", user.pk) if user else ("phone", phone)
        if person[1] and person not in people:
            people[person] = {"user": user, "phone": phone, "number": appeal.number}
    for cosign in (
        apps.get_model("insight", "CoSign")
        .objects.filter(appeal__in=appeals)
        .select_related("resident", "appeal")
        .order_by("pk")
    ):
        person = ("user", cosign.resident_id)
        if person not in people:
            people[person] = {
                "user": cosign.resident,
                "phone": cosign.resident.phone or "",
                "number": cosign.appeal.number,
            }
    # A person with an account who also gave their number on an appeal without one is told once.
    account_phones = {sms_number(p["phone"]) for k, p in people.items() if k[0] == "user" and p["phone"]}
    told = 0
    for person, p in people.items():
        if person[0] == "phone" and person[1] in account_phones:
            continue
        send_notice(
            TOPIC_STEP.key,
            user=p["user"],
            phone=p["phone"],
            link=link,
            ref=f"topic:{topic.pk}",
            key=f"{key}:{person[0]}:{person[1]}",
            context={"title": topic.title, "step": step, "detail": detail, "number": p["number"]},
        )
        told += 1
    return told


def record_resolution(actor: User, topic_id: int, *, text: str, vote_id: int | None = None) -> Resolution:
    """决议: from the voting phase it needs a counted vote that passed; from deliberation it records the
    consensus reached (协商一致). Appellants of linked appeals are told; their appeals record it."""
    text = inputs.text(text, "text", _("决议内容"), required=True)
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        transition = WORKFLOW.require(
            topic.phase,
            "resolve",
            {MANAGER},
            state_label=topic.get_phase_display(),
            illegal=_lazy("议题当前处于「%(phase)s」阶段，不能形成决议。"),
        )
        vote = None
        if topic.phase == Phase.VOTING:
            vote = Vote.objects.filter(pk=vote_id, topic=topic).first() if vote_id else None
            if vote is None:
                raise ServiceError(_("请选择作为决议依据的表决。"), field="vote_id")
            if vote.state != VoteState.CLOSED:
                raise ServiceError(_("表决尚未计票，不能形成决议。"), field="vote_id")
            if not vote.passed:
                raise ServiceError(
                    _("该表决未通过，不能据此形成决议；可以关闭议题或重新协商。"), field="vote_id"
                )
        before = topic.phase
        topic.phase = transition.target
        topic.save(update_fields=["phase", "updated_at"])
        resolution = Resolution.objects.create(topic=topic, vote=vote, text=text, created_by=actor)
        _event(
            topic,
            actor,
            "resolve",
            note=text,
            before={"phase": before},
            after={"phase": topic.phase, "vote": vote.pk if vote else None},
        )
        _appellants_notice(topic, actor, "deliberation_resolved", text[:500])
    return resolution


def add_task(
    actor: User,
    topic_id: int,
    *,
    title: str,
    unit: Unit,
    due_date,
    owner: User | None = None,
    weight: int = 1,
) -> ResolutionTask:
    title = inputs.text(title, "title", _("任务名称"), limit=200, required=True)
    if unit is None:
        raise ServiceError(_("请选择责任单位。"), field="unit")
    if due_date is None:
        raise ServiceError(_("请填写完成期限。"), field="due_date")
    if not isinstance(weight, int) or not 1 <= weight <= 100:
        raise ServiceError(_("权重须为1到100的整数。"), field="weight")
    with _locked_topic(topic_id) as topic:
        _require_manager(actor, topic.region)
        _require_setting(topic, "tasks_open", _("不能添加落实任务。"))
        resolution = Resolution.objects.select_for_update().get(topic=topic)
        if resolution.completed_at:
            raise IllegalTransition(_("决议已全部落实，不能再添加任务。"))
        task = ResolutionTask.objects.create(
            resolution=resolution, title=title, unit=unit, owner=owner, due_date=due_date, weight=weight
        )
        _event(
            topic,
            actor,
            "add_task",
            note=title,
            after={"task": task.pk, "unit": unit.name, "due_date": due_date, "weight": weight},
        )
    return task


def update_task_progress(actor: User, task_id: int, *, progress: int, note: str = "") -> ResolutionTask:
    """The task's owner, its unit's staff or a manager reports progress; when every task is done the
    resolution is complete and the appellants are told."""
    _require_login(actor)
    if not isinstance(progress, int) or not 0 <= progress <= 100:
        raise ServiceError(_("进度须为0到100的整数。"), field="progress")
    note = inputs.text(note, "note", _("进展说明"), limit=2000)
    topic_id = (
        ResolutionTask.objects.filter(pk=task_id).values_list("resolution__topic_id", flat=True).first()
    )
    if topic_id is None:
        raise NotFoundError(_("任务不存在。"))
    with _locked_topic(topic_id) as topic:
        task = (
            ResolutionTask.objects.select_for_update(of=("self",))
            .select_related("resolution")
            .get(pk=task_id)
        )
        responsible = task.owner_id == actor.pk or (actor.is_staff and actor.unit_id == task.unit_id)
        if not responsible and not can_manage(actor, topic.region):
            raise PermissionDeniedError(_("只有责任单位、责任人或社区工作者可以更新任务进度。"))
        _require_setting(topic, "tasks_open", _("不能更新任务进度。"))
        if task.state == TaskState.DONE:
            raise IllegalTransition(_("任务已完成。"))
        before = {"progress": task.progress}
        task.progress, task.note = progress, note or task.note
        task.state = (
            TaskState.DONE if progress == 100 else (TaskState.IN_PROGRESS if progress else TaskState.PENDING)
        )
        task.completed_at = timezone.now() if progress == 100 else None
        task.save(update_fields=["progress", "note", "state", "completed_at"])
        resolution = Resolution.objects.select_for_update().get(pk=task.resolution_id)
        _event(
            topic,
            actor,
            "update_task_progress",
            note=note,
            before=before,
            after={"task": task.pk, "progress": progress, "overall": str(resolution.progress())},
        )
        if task.state == TaskState.DONE:
            _appellants_notice(
                topic,
                actor,
                "deliberation_task_done",
                _("「%(t)s」已完成（%(u)s）。%(n)s")
                % {"t": task.title, "u": task.unit.name, "n": note[:200]},
                step_key=f"task_done:{task.pk}",
            )
        if not resolution.tasks.exclude(state=TaskState.DONE).exists():
            resolution.completed_at = timezone.now()
            resolution.save(update_fields=["completed_at"])
            _event(topic, actor, "resolution_completed", note=resolution.text[:500])
            _appellants_notice(
                topic,
                actor,
                "deliberation_completed",
                _("决议「%(r)s」的全部任务已完成。") % {"r": resolution.text[:200]},
            )
    return task


def overdue_tasks(today=None):
    today = today or timezone.localdate()
    return ResolutionTask.objects.exclude(state=TaskState.DONE).filter(due_date__lt=today)


def remind_overdue_tasks(today=None) -> int:
    """Tell each responsible unit (and owner) about its overdue resolution tasks; once a day per task
    (idempotent, so the periodic sweep may run it as often as it likes)."""
    today = today or timezone.localdate()
    sent = 0
    for task in overdue_tasks(today).select_related("resolution__topic", "unit", "owner"):
        key = f"deliberation.task_overdue:{task.pk}:{today.isoformat()}"
        if Notification.objects.filter(key__startswith=key).exists():
            continue
        context = {
            "task": task.title,
            "topic": task.resolution.topic.title,
            "due_date": str(task.due_date),
            "progress": task.progress,
        }
        link = f"/deliberation/topics/{task.resolution.topic_id}/"
        with transaction.atomic():
            send_notice(notices.TASK_OVERDUE.key, unit=task.unit, context=context, link=link, key=key)
            if task.owner_id:
                send_notice(
                    notices.TASK_OVERDUE.key, user=task.owner, context=context, link=link, key=f"{key}:owner"
                )
        sent += 1
    return sent

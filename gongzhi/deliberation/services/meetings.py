"""Meetings of topics: scheduled, noticed (an owners' assembly 15 days ahead to every owner, 物业管理条例
第14条), registered for, signed in to, and closed with minutes and the attendance report."""

from collections.abc import Sequence
from contextlib import contextmanager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongzhi.core import inputs
from gongzhi.core.errors import IllegalTransition, NotFoundError, ServiceError
from gongzhi.core.masking import person_label
from gongzhi.core.models import Unit, User
from gongzhi.core.notices import send_notice

from .. import notices
from ..choices import MeetingKind, MeetingState, ParticipantRole, SignInMethod
from ..models import Meeting, OwnerNotice, OwnerRegister, Participant
from ._base import _event, _lock_topics, _require_login, _require_manager, _require_setting

OWNERS_ASSEMBLY_NOTICE_DAYS = 15  # 物业管理条例 第14条 (E-6.3)


def _meeting_event(meeting: Meeting, actor, action: str, **kwargs) -> None:
    for topic in _lock_topics(meeting.topics.values_list("pk", flat=True)):
        _event(topic, actor, action, **kwargs)


@contextmanager
def _locked_meeting(meeting_id: int):
    with transaction.atomic():
        yield inputs.locked(Meeting, meeting_id, _("会议不存在。"), related=("region",))


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

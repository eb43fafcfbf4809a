"""Topics, phases, opinions, meetings (15-day notice), resolutions, tasks, appellants told, audit chain."""

import re
from datetime import date, timedelta

import pytest

from gongzhi.appeals.models import AppealEvent
from gongzhi.core.audit import verify_chain
from gongzhi.core.errors import IllegalTransition, PermissionDeniedError, ServiceError
from gongzhi.core.models import Notification
from gongzhi.deliberation import services
from gongzhi.deliberation.choices import MeetingKind, MeetingState, Phase, SignInMethod, TopicSource, VoteRule
from gongzhi.deliberation.models import DeliberationEvent, Opinion
from gongzhi.deliberation.workflow import PHASE_SETTINGS, TRANSITIONS

from .conftest import later

CJK = re.compile(r"[\u4e00-\u9fff]")


def refused(call, error=ServiceError, code=None, field=None):
    with pytest.raises(error) as info:
        call()
    assert CJK.search(str(info.value.message)), info.value.message
    if code:
        assert info.value.code == code, info.value.code
    if field:
        assert info.value.field == field
    return info.value


# ---------------------------------------------------------------- topics and the F-1.4 thresholds


def test_resident_proposal_and_convening_thresholds(users, county, make_residents, staff):
    topic = services.create_topic(
        users["resident"],
        title="加装电梯",
        description="老楼没有电梯。",
        region=county["community"],
        source=TopicSource.RESIDENT_PROPOSAL,
        household="3栋101",
        resident_group="一组",
    )
    services.set_topic_bases(staff, topic.pk, adult_residents=21, households=15, resident_groups=6)
    topic.refresh_from_db()
    assert not services.convening_check(topic).must_convene  # 1 of 21, 1 of 15, 1 of 6
    signers = make_residents(3)
    for i, r in enumerate(signers):  # 4 signers of 21 < 1/5; households 2 of 15; groups 2 of 6 = exactly 1/3
        services.cosign_topic(
            r,
            topic.pk,
            household="3栋101" if i == 0 else "3栋102",
            resident_group="一组" if i < 2 else "二组",
        )
    check = services.convening_check(topic)
    assert check.must_convene
    assert any("居民小组" in r and "✓" in r for r in check.reasons)
    assert any("18周岁以上居民" in r and "✗" in r for r in check.reasons)
    refused(lambda: services.cosign_topic(signers[0], topic.pk, household="x"), code="already_signed")


@pytest.mark.parametrize(("signers", "must"), [(3, False), (4, True), (5, True)])
def test_one_fifth_of_adult_residents(users, county, make_residents, staff, signers, must):
    topic = services.create_topic(
        users["resident"],
        title="议题",
        description="说明",
        region=county["community"],
        source=TopicSource.RESIDENT_PROPOSAL,
        household="户0",
    )
    services.set_topic_bases(staff, topic.pk, adult_residents=25, households=0, resident_groups=0)
    for i, r in enumerate(make_residents(signers)):
        services.cosign_topic(r, topic.pk, household=f"户{i + 1}")
    topic.refresh_from_db()
    assert services.convening_check(topic).must_convene is must  # proposer + signers of 25; 5 is exactly 1/5


def test_topic_from_appeals_needs_appeals_and_a_manager(users, county, make_appeal, staff):
    refused(
        lambda: services.create_topic(
            staff, title="t", description="d", region=county["community"], source=TopicSource.APPEALS
        ),
        field="appeal_ids",
    )
    appeal = make_appeal()
    refused(
        lambda: services.create_topic(
            users["resident"],
            title="t",
            description="d",
            region=county["community"],
            source=TopicSource.APPEALS,
            appeal_ids=[appeal.pk],
        ),
        PermissionDeniedError,
    )
    refused(
        lambda: services.create_topic(
            users["other_staff"],
            title="t",
            description="d",
            region=county["community"],
            source=TopicSource.APPEALS,
            appeal_ids=[appeal.pk],
        ),
        PermissionDeniedError,
    )
    topic = services.create_topic(
        staff,
        title="t",
        description="d",
        region=county["community"],
        source=TopicSource.APPEALS,
        appeal_ids=[appeal.pk],
    )
    assert list(topic.appeals.all()) == [appeal]


def test_party_organisation_staff_manage(party_staff, county):
    """A party organisation's staff manage by their explicit role (community_staff), not by their unit's kind."""
    topic = services.create_topic(
        party_staff,
        title="党建引领物业治理",
        description="d",
        region=county["community"],
        source=TopicSource.PARTY_ORG,
    )
    assert topic.proposer_unit.name == "幸福社区党委"
    services.advance_topic(party_staff, topic.pk, "start_deliberation")


def test_an_ordinary_party_member_is_not_a_manager(party_member, staff, county, make_topic, make_residents):
    """Issue N item 3: any non-resident in a party organisation was treated as its staff, so a party member
    created owners' registers, entered paper ballots, hid residents' opinions and closed votes."""
    from gongzhi.core.permissions import can_manage, is_manager

    assert not is_manager(party_member) and not can_manage(party_member, county["community"])
    [owner] = make_residents(1)
    refused(
        lambda: services.create_owner_register(
            party_member,
            name="幸福小区业主名册",
            region=county["community"],
            rows=[{"owner": "甲", "unit": "1-101", "area": 100}],
        ),
        PermissionDeniedError,
    )
    topic = make_topic(Phase.DELIBERATING)
    opinion = services.post_opinion(owner, topic.pk, body="支持")
    refused(lambda: services.hide_opinion(party_member, opinion.pk, reason="人身攻击"), PermissionDeniedError)
    refused(lambda: services.advance_topic(party_member, topic.pk, "open_voting"), PermissionDeniedError)
    vote = services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES)
    services.add_electors(staff, vote.pk, [{"name": "张三", "household": "1-101"}])
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    refused(
        lambda: services.enter_paper_ballot(party_member, vote.pk, choice="yes", elector_id=1),
        PermissionDeniedError,
    )
    refused(lambda: services.close_vote(party_member, vote.pk), PermissionDeniedError)


# ---------------------------------------------------------------- phases as data


@pytest.mark.parametrize("phase", Phase.values)
@pytest.mark.parametrize(
    "action", ["start_deliberation", "open_voting", "start_implementing", "publish", "close"]
)
def test_every_phase_action_pair(make_topic, staff, phase, action):
    topic = make_topic(phase)
    services.create_vote(staff, topic.pk, question="q", rule=VoteRule.BODY_RULES) if phase in (
        Phase.COLLECTING,
        Phase.DELIBERATING,
        Phase.VOTING,
    ) else None
    transition = TRANSITIONS.get((phase, action))
    if transition is None:
        refused(lambda: services.advance_topic(staff, topic.pk, action, reason="r"), IllegalTransition)
    elif action == "publish":
        refused(lambda: services.advance_topic(staff, topic.pk, action), code="not_completed")
    else:
        topic = services.advance_topic(staff, topic.pk, action, reason="重复议题")
        assert topic.phase == transition.target


def test_close_needs_reason_and_residents_cannot_advance(make_topic, staff, users):
    topic = make_topic()
    refused(lambda: services.advance_topic(staff, topic.pk, "close"), field="reason")
    refused(
        lambda: services.advance_topic(users["resident"], topic.pk, "start_deliberation"),
        PermissionDeniedError,
    )
    topic = services.advance_topic(staff, topic.pk, "close", reason="已由物业自行解决")
    assert topic.closed_reason == "已由物业自行解决"


@pytest.mark.parametrize("phase", Phase.values)
def test_opinions_follow_phase_settings(make_topic, users, phase):
    topic = make_topic(phase)
    call = lambda: services.post_opinion(users["resident"], topic.pk, body="支持降价", stance="support")  # noqa: E731
    if PHASE_SETTINGS[phase].opinions_open:
        assert call().stance == "support"
    else:
        refused(call, IllegalTransition, code="phase_closed")


# ---------------------------------------------------------------- opinions


def test_opinions_replies_offline_and_moderation(make_topic, users, staff):
    topic = make_topic()
    first = services.post_opinion(users["resident"], topic.pk, body="停车费太贵", stance="oppose")
    reply = services.post_opinion(
        users["resident2"], topic.pk, body="同意楼上", stance="oppose", parent_id=first.pk
    )
    assert reply.parent == first
    offline = services.enter_offline_opinion(
        staff, topic.pk, author_name="王阿姨", body="希望错峰收费", source="入户走访 3栋"
    )
    assert offline.channel == "offline" and offline.entered_by == staff
    refused(
        lambda: services.enter_offline_opinion(staff, topic.pk, author_name="x", body="y", source=""),
        field="source",
    )
    refused(
        lambda: services.enter_offline_opinion(
            users["resident"], topic.pk, author_name="x", body="y", source="z"
        ),
        PermissionDeniedError,
    )
    refused(lambda: services.post_opinion(users["resident"], topic.pk, body="   "), field="body")
    refused(
        lambda: services.post_opinion(users["resident"], topic.pk, body="x", stance="maybe"), field="stance"
    )
    refused(lambda: services.hide_opinion(staff, first.pk, reason=""), field="reason")
    refused(lambda: services.hide_opinion(users["resident"], first.pk, reason="广告"), PermissionDeniedError)
    services.hide_opinion(staff, first.pk, reason="含有他人手机号")
    first = Opinion.objects.get(pk=first.pk)
    assert first.hidden and first.hidden_reason == "含有他人手机号"
    assert DeliberationEvent.objects.filter(
        topic=topic, action="hide_opinion", note="含有他人手机号"
    ).exists()


# ---------------------------------------------------------------- meetings


@pytest.fixture
def hearing(make_topic, staff):
    topic = make_topic(Phase.DELIBERATING)
    return services.schedule_meeting(
        staff,
        kind=MeetingKind.HEARING,
        title="停车收费听证会",
        topic_ids=[topic.pk],
        agenda="一、物业说明成本；二、居民发言",
        location="社区议事厅",
        starts_at=later(3),
    )


@pytest.mark.parametrize(("days", "ok"), [(14, False), (15, True), (16, True)])
def test_owners_assembly_needs_fifteen_days_notice(make_topic, staff, days, ok, small_register):
    topic = make_topic(Phase.DELIBERATING)
    meeting = services.schedule_meeting(
        staff,
        kind=MeetingKind.OWNERS_ASSEMBLY,
        title="业主大会",
        topic_ids=[topic.pk],
        agenda="续聘物业",
        location="小区广场",
        starts_at=later(days),
        register_id=small_register.pk,
    )
    if ok:
        assert (
            services.send_meeting_notice(staff, meeting.pk, committee_informed=True).state
            == MeetingState.NOTICED
        )
    else:
        error = refused(
            lambda: services.send_meeting_notice(staff, meeting.pk, committee_informed=True),
            code="notice_too_short",
        )
        assert "15日" in str(error.message)


def test_owners_assembly_needs_the_committee_informed(make_topic, staff, small_register):
    topic = make_topic(Phase.DELIBERATING)
    meeting = services.schedule_meeting(
        staff,
        kind=MeetingKind.OWNERS_ASSEMBLY,
        title="业主大会",
        topic_ids=[topic.pk],
        agenda="续聘物业",
        location="小区广场",
        starts_at=later(20),
        register_id=small_register.pk,
    )
    refused(lambda: services.send_meeting_notice(staff, meeting.pk), code="committee_not_informed")


def test_hearing_registration_sign_in_minutes_report(hearing, staff, users, units):
    p1 = services.register_for_meeting(users["resident"], hearing.pk, role="owner")
    refused(lambda: services.register_for_meeting(users["resident"], hearing.pk), code="already_registered")
    refused(lambda: services.sign_in(users["resident"], hearing.pk), IllegalTransition)  # no notice yet
    services.send_meeting_notice(staff, hearing.pk)
    assert Notification.objects.filter(recipient=users["resident"], subject__contains="会议通知").exists()
    services.sign_in(users["resident"], hearing.pk)
    p1.refresh_from_db()
    assert p1.sign_in_method == SignInMethod.ONLINE
    refused(lambda: services.sign_in(users["resident"], hearing.pk), code="already_signed_in")
    refused(lambda: services.sign_in(users["resident2"], hearing.pk), code="not_registered")
    p2 = services.add_participant(staff, hearing.pk, name="李经理", role="property", unit=units["property"])
    services.add_participant(staff, hearing.pk, name="缺席者", role="department", unit=units["housing"])
    services.sign_in_participant(staff, p2.pk)
    p2.refresh_from_db()
    assert p2.sign_in_method == SignInMethod.STAFF and p2.signed_in_by == staff
    refused(lambda: services.close_meeting(staff, hearing.pk, minutes=""), field="minutes")
    services.close_meeting(staff, hearing.pk, minutes="物业同意公开停车成本。")
    report = services.meeting_report(hearing)
    assert report["attendee_count"] == 2 and report["registered_count"] == 3
    assert report["organisations"] == ["安居物业公司"]
    assert report["by_role"] == {"业主": 1, "物业": 1}
    assert report["topics"] == ["小区停车收费协商"]


def test_meetings_not_allowed_after_voting(make_topic, staff):
    topic = make_topic(Phase.RESOLVED)
    refused(
        lambda: services.schedule_meeting(
            staff,
            kind=MeetingKind.COUNCIL,
            title="m",
            topic_ids=[topic.pk],
            agenda="a",
            location="l",
            starts_at=later(2),
        ),
        IllegalTransition,
    )


# ---------------------------------------------------------------- resolution, tasks, appellants


def test_resolution_tasks_rollup_and_appellants_told(
    make_appeal, users, county, staff, units, make_residents
):
    a1 = make_appeal(users["resident"])
    a2 = make_appeal(users["resident2"], title="停车费又涨了")
    a3 = make_appeal(users["resident"], title="再反映一次")  # same appellant: told once
    topic = services.create_topic(
        staff,
        title="停车收费",
        description="d",
        region=county["community"],
        source=TopicSource.APPEALS,
        appeal_ids=[a1.pk, a2.pk, a3.pk],
    )
    services.advance_topic(staff, topic.pk, "start_deliberation")
    vote = services.create_vote(staff, topic.pk, question="停车费维持原价", rule=VoteRule.BODY_RULES)
    voters = make_residents(3)
    services.add_electors(staff, vote.pk, [{"name": v.display_name, "user": v} for v in voters])
    services.advance_topic(staff, topic.pk, "open_voting")
    services.open_vote(staff, vote.pk)
    refused(
        lambda: services.record_resolution(staff, topic.pk, text="维持原价", vote_id=vote.pk), field="vote_id"
    )
    for v in voters:
        services.cast_ballot(v, vote.pk, choice="yes")
    services.close_vote(staff, vote.pk)
    resolution = services.record_resolution(
        staff, topic.pk, text="停车费维持原价，物业公开成本", vote_id=vote.pk
    )
    told = Notification.objects.filter(
        kind="topic_step", key__contains=":deliberation_resolved:", channel="site"
    )
    assert sorted(told.values_list("recipient__username", flat=True)) == ["resident1", "resident2"]
    for appeal in (a1, a2, a3):
        event = AppealEvent.objects.filter(appeal=appeal, action="deliberation_resolved").get()
        assert "停车费维持原价" in event.note
        assert verify_chain(AppealEvent.objects.filter(appeal=appeal).order_by("id")) is None

    t1 = services.add_task(
        staff, topic.pk, title="公开停车成本", unit=units["property"], due_date=date.today(), weight=3
    )
    t2 = services.add_task(
        staff,
        topic.pk,
        title="监督执行",
        unit=units["community"],
        due_date=date.today() + timedelta(days=10),
        weight=1,
        owner=staff,
    )
    refused(
        lambda: services.update_task_progress(users["resident"], t1.pk, progress=50), PermissionDeniedError
    )
    refused(lambda: services.update_task_progress(staff, t1.pk, progress=101), field="progress")
    services.advance_topic(staff, topic.pk, "start_implementing")
    services.update_task_progress(staff, t1.pk, progress=100, note="已张贴成本")
    resolution.refresh_from_db()
    assert resolution.progress() == 75  # (3×100 + 1×0) / 4
    refused(lambda: services.advance_topic(staff, topic.pk, "publish"), code="not_completed")
    assert not AppealEvent.objects.filter(action="deliberation_completed").exists()
    services.update_task_progress(staff, t2.pk, progress=100, note="已检查")
    resolution.refresh_from_db()
    assert resolution.completed_at and resolution.progress() == 100
    assert Notification.objects.filter(recipient=users["resident"], subject__contains="已落实").count() == 1
    assert Notification.objects.filter(recipient=users["resident2"], subject__contains="已落实").count() == 1
    assert AppealEvent.objects.filter(action="deliberation_completed").count() == 3
    topic = services.advance_topic(staff, topic.pk, "publish")
    assert topic.phase == Phase.PUBLISHED
    assert verify_chain(DeliberationEvent.objects.filter(topic=topic).order_by("id")) is None


def test_resolution_from_failed_vote_refused(owners_vote, staff):
    vote, _residents, _ = owners_vote(3)
    services.close_vote(staff, vote.pk)  # nobody voted
    refused(
        lambda: services.record_resolution(staff, vote.topic_id, text="x", vote_id=vote.pk), field="vote_id"
    )


def test_consensus_resolution_from_deliberation(make_topic, staff):
    topic = make_topic(Phase.DELIBERATING)
    resolution = services.record_resolution(staff, topic.pk, text="协商一致：错峰停车")
    assert resolution.vote is None
    topic.refresh_from_db()
    assert topic.phase == Phase.RESOLVED


def test_chain_detects_tampering(make_topic, users):
    topic = make_topic()
    services.post_opinion(users["resident"], topic.pk, body="a")
    services.post_opinion(users["resident"], topic.pk, body="b")
    events = DeliberationEvent.objects.filter(topic=topic).order_by("id")
    assert verify_chain(events) is None
    DeliberationEvent.objects.filter(pk=events[1].pk).update(note="篡改")
    assert verify_chain(DeliberationEvent.objects.filter(topic=topic).order_by("id")).pk == events[1].pk


def test_overdue_task_reminder_is_idempotent(make_topic, staff, units):
    topic = make_topic(Phase.DELIBERATING)
    services.record_resolution(staff, topic.pk, text="维修路灯")
    services.add_task(
        staff, topic.pk, title="更换灯具", unit=units["property"], due_date=date.today() - timedelta(1)
    )
    services.add_task(
        staff, topic.pk, title="巡查", unit=units["community"], due_date=date.today() + timedelta(1)
    )
    assert services.remind_overdue_tasks() == 1
    assert services.remind_overdue_tasks() == 0
    assert Notification.objects.filter(unit=units["property"], subject__contains="逾期").count() == 1

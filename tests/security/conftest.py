"""A small world with one real object of every kind a page or endpoint can name, for the access and IDOR tests.

Two of most things: one in 幸福社区 (东风街道), whose staff, grid worker, party member and handlers are the users of
the project conftest, and one in 和平社区 (西湖街道) that those same users must not reach by guessing its id.
"""

from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from gongzhi.appeals import services as appeal_services
from gongzhi.community import services as community
from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.models import Unit
from gongzhi.core.testing import make_user
from gongzhi.credit import services as credit
from gongzhi.credit.testing import uscc
from gongzhi.deliberation import services as deliberation
from gongzhi.deliberation.choices import MeetingKind, Phase, TopicSource, VoteRule
from gongzhi.deliberation.models import Topic
from gongzhi.insight.models import HotSpot, ProactiveTask


def _enterprise(officer, name, code, contact_user, phone):
    return credit.create_enterprise(
        officer,
        name=name,
        uscc=uscc(code),
        legal_representative="李四",
        contacts=[{"name": "联系人", "phone": phone, "user": contact_user, "is_primary": True}],
    )


def _case(officer, enterprise, n):
    case = credit.open_case(
        officer,
        enterprise=enterprise,
        court="示范县人民法院",
        case_number=f"(2026)湘0101执{n}号",
        basis_document="示范县人民法院(2025)湘0101民初88号民事判决书",
        creditor="张三",
        obligation="支付货款及利息",
        amount="120000.00",
        filed_on=date(2026, 1, 5),
        warned_on=date(2026, 1, 6),
    )
    credit.decide_listing(
        officer,
        case.pk,
        ground="G2",
        term_years=2,
        decision_number=f"(2026)湘0101执{n}号之一",
        reason="有履行能力而拒不履行",
        signed_by="赵院长",
        decided_on=date(2026, 6, 1),
        served_on=date(2026, 6, 2),
    )
    return credit.publish(officer, case.pk, published_on=date(2026, 6, 3))


def _penalty(officer, enterprise, number):
    return credit.record_penalty(
        officer,
        enterprise=enterprise,
        authority="示范县市场监督管理局",
        decision_number=number,
        decided_on=timezone.localdate() - timedelta(days=100),
        facts="销售标签不符合规定的预包装食品",
        penalty_types=["fine"],
        severity="general",
        fine_amount="8000",
        first_violation=False,
        minor_violation=False,
        corrected_promptly=False,
        harm="other",
        no_fault_proven=False,
    )


def _organization_world(staff, resident, region, unit, tag, recorder):
    org = community.register_organization(
        resident, name=f"{tag}文艺队", domain="culture", region=region, description="每周排练"
    )
    start = timezone.now() + timedelta(days=2)
    activity = community.create_activity(
        staff,
        title=f"{tag}敬老志愿服务",
        description="为辖区高龄老人理发。",
        region=region,
        location="党群服务中心",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        capacity=5,
        hours="3",
        organizer_unit=unit,
        party_masses=True,
        needs=["elderly"],
    )
    community.advance_activity(staff, activity.pk, "publish")
    community.sign_up(resident, activity.pk)
    # Sign-in and recording happen during the activity (issue N item 2); the unit's grid worker records, so that
    # the community staff (not the recorder) may confirm.
    with time_machine.travel(start + timedelta(minutes=10), tick=False):
        community.sign_in_by_staff(staff, activity.pk, user=resident)
        record = community.record_hours(recorder, activity.pk, user=resident, hours="3")
    red = community.save_red_resource(
        staff,
        name=f"{tag}党群服务中心",
        kind="memorial",
        region=region,
        address="幸福路1号",
        description="可借用会议室",
    )
    return org, activity, record, red


@pytest.fixture
def world(users, units, county, category, make_appeal):
    w = {"users": dict(users)}
    u = w["users"]
    party_unit = Unit.objects.create(
        code="P-XF", name="中共幸福社区委员会", kind=UnitKind.PARTY_ORG, region=county["community"]
    )
    other_party = Unit.objects.create(
        code="P-HP", name="中共和平社区委员会", kind=UnitKind.PARTY_ORG, region=county["other_community"]
    )
    other_committee = Unit.objects.create(
        code="U-HP",
        name="和平社区居委会",
        kind=UnitKind.COMMUNITY_COMMITTEE,
        region=county["other_community"],
    )
    u["party_member"] = make_user(
        "partymember1", Role.PARTY_MEMBER, region=county["community"], unit=party_unit, phone="13600000001"
    )
    u["other_party_member"] = make_user(
        "partymember2",
        Role.PARTY_MEMBER,
        region=county["other_community"],
        unit=other_party,
        phone="13600000002",
    )
    u["credit_officer"] = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True)
    u["contact"] = make_user("boss1", None, phone="13600136000", display_name="李总")
    u["other_contact"] = make_user("boss2", None, phone="13600136001", display_name="王总")
    u["other_grid_worker"] = make_user(
        "gridworker2",
        Role.GRID_WORKER,
        region=county["other_community"],
        unit=other_committee,
        phone="13700137001",
        is_staff=True,
    )
    u["other_staff"].unit = other_committee
    u["other_staff"].save(update_fields=["unit"])

    # Appeals: mine (resident1, grid of 幸福社区, led by 住建局) and theirs (resident2, 和平社区, led by 人社局).
    d = u["dispatcher"]
    mine = make_appeal(
        appellant_id_number="11010519491231002X",
        attachments=[SimpleUploadedFile("photo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")],
    )
    appeal_services.dispatch(d, mine.pk, lead_unit=units["housing"])
    theirs = make_appeal(u["resident2"], region=county["other_community"], title="和平社区噪音扰民")
    appeal_services.dispatch(d, theirs.pk, lead_unit=units["hrss"])
    w["appeal"], w["other_appeal"] = mine, theirs

    # Insight: a proactive task for 住建局 and one for 人社局; a hot spot.
    today = timezone.localdate()
    w["task"] = ProactiveTask.objects.create(
        title="路灯集中排查",
        category=category,
        region=county["street"],
        alert_day=today,
        unit=units["housing"],
        due_date=today + timedelta(days=5),
        created_by=u["leader"],
    )
    w["other_task"] = ProactiveTask.objects.create(
        title="欠薪集中排查",
        category=category,
        region=county["other_street"],
        alert_day=today,
        unit=units["hrss"],
        due_date=today + timedelta(days=5),
        created_by=u["leader"],
    )
    w["hotspot"] = HotSpot.objects.create(
        label="路灯", place="幸福小区", start=timezone.now(), end=timezone.now()
    )

    # Deliberation: a topic, meeting, opinion and task in each community.
    staff, other_staff = u["community_staff"], u["other_staff"]
    for key, actor, region, unit in (
        ("", staff, county["community"], units["community"]),
        ("other_", other_staff, county["other_community"], other_committee),
    ):
        topic = deliberation.create_topic(
            actor,
            title="小区停车收费协商",
            description="物业拟上调停车费，居民意见较大。",
            region=region,
            source=TopicSource.COMMUNITY_STAFF,
        )
        w[key + "opinion"] = deliberation.post_opinion(actor, topic.pk, body="建议公开停车成本")
        w[key + "meeting"] = deliberation.schedule_meeting(
            actor,
            kind=MeetingKind.HEARING,
            title="停车收费听证会",
            topic_ids=[topic.pk],
            agenda="一、物业说明成本",
            location="社区议事厅",
            starts_at=timezone.now() + timedelta(days=3),
        )
        w[key + "participant"] = deliberation.add_participant(
            actor, w[key + "meeting"].pk, name="王五", role="resident_rep"
        )
        topic.phase = Phase.DELIBERATING
        topic.save(update_fields=["phase"])
        w[key + "vote"] = deliberation.create_vote(
            actor, topic.pk, question="是否续聘物业", rule=VoteRule.BODY_RULES
        )
        deliberation.record_resolution(actor, topic.pk, text="协商一致：公开停车成本后再议收费")
        Topic.objects.filter(pk=topic.pk).update(phase=Phase.IMPLEMENTING)  # jump to where tasks can be added
        w[key + "dtask"] = deliberation.add_task(
            actor, topic.pk, title="公开停车成本", unit=unit, due_date=today + timedelta(days=10)
        )
        w[key + "topic"] = topic

    # An owners' vote open for ballots in 幸福社区 (paper ballots, proxies' written authorisations).
    owners_topic = deliberation.create_topic(
        staff,
        title="续聘物业",
        description="物业服务合同到期。",
        region=county["community"],
        source=TopicSource.COMMUNITY_STAFF,
    )
    Topic.objects.filter(pk=owners_topic.pk).update(phase=Phase.VOTING)
    register = deliberation.create_owner_register(
        staff,
        name="幸福小区业主名册",
        region=county["community"],
        rows=[
            {"owner": "张伟", "unit": "1-101", "area": 100},
            {"owner": "李娜", "unit": "1-102", "area": 90},
        ],
    )
    w["ovote"] = deliberation.create_vote(
        staff, owners_topic.pk, question="是否续聘物业", rule=VoteRule.OWNERS_JOINT, register_id=register.pk
    )
    deliberation.open_vote(staff, w["ovote"].pk)
    w["owner"] = register.owners.get(name="张伟")

    # Credit: two enterprises with their own contact; a published case and a penalty for each.
    officer = u["credit_officer"]
    w["enterprise"] = _enterprise(
        officer, "湘江建材有限公司", "91430100MA4L0XY1Q", u["contact"], "13600136000"
    )
    w["other_enterprise"] = _enterprise(
        officer, "岳麓食品有限公司", "91430100MA4L0XY2R", u["other_contact"], "13600136001"
    )
    w["case"] = _case(officer, w["enterprise"], 1)
    w["other_case"] = _case(officer, w["other_enterprise"], 2)
    w["penalty"] = _penalty(officer, w["enterprise"], "市监罚〔2026〕7号")
    w["other_penalty"] = _penalty(officer, w["other_enterprise"], "市监罚〔2026〕8号")
    w["repair"] = credit.submit_repair(
        u["contact"],
        w["case"].pk,
        ground="performance",
        statement="已全部履行完毕",
        commitment="本企业承诺所提交材料真实，违反承诺自愿承担责任",
        files=[SimpleUploadedFile("a.pdf", b"%PDF-1.4\n", "application/pdf")],
    )
    w["objection"] = credit.file_objection(
        u["contact"], w["case"].pk, ground="inaccurate", statement="已履行金额记载有误"
    )

    # Community: an organisation, activity, service record and red resource in each community; a central household.
    (w["org"], w["activity"], w["record"], w["red"]) = _organization_world(
        staff, u["resident"], county["community"], units["community"], "幸福", u["grid_worker"]
    )
    (w["other_org"], w["other_activity"], w["other_record"], w["other_red"]) = _organization_world(
        other_staff,
        u["resident2"],
        county["other_community"],
        other_committee,
        "和平",
        u["other_grid_worker"],
    )
    w["household"] = community.create_central_household(
        staff, party_member=u["party_member"], grid=county["grid"], address="幸福小区1栋101"
    )
    community.link_household(
        u["party_member"], w["household"].pk, address="幸福小区1栋102", head_name="住户1", phone="13900000001"
    )
    other_grid = county["other_community"].children.create(code="4301020101", name="和平一网格", level="grid")
    w["other_household"] = community.create_central_household(
        other_staff, party_member=u["other_party_member"], grid=other_grid, address="和平小区1栋101"
    )
    return w

"""The deliberation part of `gongzhi load_demo`: topics in 幸福社区 through the real services and at their past
dates (time-machine moves the clock, as the appeals' replay does): a residents' proposal with co-signers and
opinions, a community topic in deliberation with a council meeting scheduled, and a topic that went the whole way
(deliberation, a vote, the resolution, its tasks done, the result published), so that 议事协商 and 表决结果公示
show something true on the demo."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from . import services
from .choices import MeetingKind, Stance, TopicSource, VoteRule
from .models import Topic

PROPOSAL = (
    "幸福小区老旧楼栋加装电梯",
    "幸福小区3栋、5栋建于1995年，六层无电梯，老年住户上下楼困难。提议由社区牵头征求各户意见，"
    "研究加装电梯的方案、费用分摊和施工期间的通行安排。",
)
COMMUNITY_TOPIC = (
    "幸福小区停车位规划与充电桩设置",
    "小区夜间车辆乱停、占用消防通道，电动车楼道充电存在火灾隐患。社区拟统一规划停车位并在3处"
    "集中设置电动车充电桩，现征求居民意见。",
)
OPINIONS = [
    (Stance.SUPPORT, "支持加装，家里老人腿脚不便，已经半年没下楼了。"),
    (Stance.OTHER, "一楼住户的采光和噪音问题也请一并考虑，费用分摊要公开透明。"),
    (Stance.SUPPORT, "赞成，建议先做可行性评估，再开居民会议表决。"),
]
DONE_TOPIC = (
    "幸福小区楼道堆物集中清理",
    "部分楼栋楼道长期堆放杂物、电动车，堵塞消防通道。提议开展一次集中清理，并约定今后楼道不得堆放杂物。",
)
DONE_OPINIONS = [
    (Stance.SUPPORT, "支持清理，楼道里的纸箱很容易着火。"),
    (Stance.OTHER, "清理前请提前一周张贴通知，给大家留出搬走的时间。"),
]
PARKING_OPINIONS = [
    (Stance.SUPPORT, "充电桩很有必要，楼道里充电太危险了。"),
    (Stance.OTHER, "停车位划线后希望优先照顾本小区业主车辆。"),
]


def load_deliberation_demo(log=None) -> dict:
    import time_machine

    from gongzhi.demo import loader as core_demo

    if Topic.objects.filter(title=PROPOSAL[0]).exists():
        return {"skipped": True}
    regions = core_demo.build_regions()
    units = core_demo.build_units(regions)
    people = core_demo.build_users(units, regions)
    home = regions["communities"][0]  # 幸福社区, where staff1 works (as in the community demo)
    residents, staff = people.residents, people.staff
    community_unit = units["communities"][home.pk]
    property_unit = units["property"][home.pk]
    today = timezone.localdate()

    def at(days_ago: int, hour: int = 10):
        return time_machine.travel(
            timezone.make_aware(datetime.combine(today - timedelta(days=days_ago), time(hour, 0))), tick=False
        )

    with transaction.atomic():
        # A topic that went the whole way: deliberated, voted on by the residents' council, resolved, done, public.
        with at(45):
            done = services.create_topic(
                staff,
                title=DONE_TOPIC[0],
                description=DONE_TOPIC[1],
                region=home,
                source=TopicSource.COMMUNITY_STAFF,
            )
        for k, (resident, (stance, body)) in enumerate(zip(residents[20:], DONE_OPINIONS, strict=False)):
            with at(43 - k, 20):
                services.post_opinion(resident, done.pk, body=body, stance=stance)
        with at(40):
            services.advance_topic(staff, done.pk, "start_deliberation")
            vote = services.create_vote(
                staff,
                done.pk,
                question="开展楼道堆物集中清理，并将“楼道不堆物”写入居民公约",
                rule=VoteRule.BODY_RULES,
            )
            # The residents' council: its eleven members are the electors (nine vote online).
            services.add_electors(
                staff,
                vote.pk,
                [
                    {
                        "name": member.display_name or member.username,
                        "user": member,
                        "household": f"{1 + k % 6}栋{1 + k % 3}单元{k + 1}02",
                        "resident_group": f"第{'一二三'[k % 3]}居民小组",
                    }
                    for k, member in enumerate(residents[20:31])
                ],
            )
        with at(35):
            services.advance_topic(staff, done.pk, "open_voting")
            services.open_vote(staff, vote.pk)
        for k, resident in enumerate(residents[20:29]):
            with at(34 - k // 3, 19):
                services.cast_ballot(
                    resident, vote.pk, choice="no" if k == 4 else "abstain" if k == 7 else "yes"
                )
        with at(31):
            services.close_vote(staff, vote.pk)
            services.record_resolution(
                staff,
                done.pk,
                vote_id=vote.pk,
                text="于下月第一个周末开展楼道堆物集中清理；“楼道不堆物”写入居民公约，物业每周巡查。",
            )
            notice = services.add_task(
                staff,
                done.pk,
                title="张贴清理通知并逐户告知",
                unit=community_unit,
                due_date=today - timedelta(days=24),
                owner=staff,
                weight=1,
            )
            cleanup = services.add_task(
                staff,
                done.pk,
                title="组织集中清理并建立每周巡查",
                unit=property_unit,
                due_date=today - timedelta(days=10),
                weight=3,
            )
            services.advance_topic(staff, done.pk, "start_implementing")
        with at(26):
            services.update_task_progress(
                staff, notice.pk, progress=100, note="已在各楼栋张贴通知，网格员逐户告知"
            )
        with at(17):
            services.update_task_progress(staff, cleanup.pk, progress=60, note="已完成1至6栋的清理")
        with at(12):
            services.update_task_progress(
                staff, cleanup.pk, progress=100, note="全部楼栋清理完毕，物业每周巡查记录已建立"
            )
        with at(11):
            services.advance_topic(staff, done.pk, "publish")

        # A residents' proposal with co-signers and opinions, still collecting.
        with at(20):
            proposal = services.create_topic(
                residents[0],
                title=PROPOSAL[0],
                description=PROPOSAL[1],
                region=home,
                source=TopicSource.RESIDENT_PROPOSAL,
                household="3栋2单元301",
                resident_group="第三居民小组",
            )
        for k, resident in enumerate(residents[1:9], start=1):
            with at(20 - k, 20):
                services.cosign_topic(
                    resident,
                    proposal.pk,
                    household=f"{3 + k % 3}栋{1 + k % 2}单元{k}01",
                    resident_group=f"第{'一二三'[k % 3]}居民小组",
                )
        for k, (resident, (stance, body)) in enumerate(zip(residents[2:], OPINIONS, strict=False)):
            with at(15 - 3 * k, 21):
                services.post_opinion(resident, proposal.pk, body=body, stance=stance)

        # A community topic in deliberation, with the council meeting next week.
        with at(9):
            parking = services.create_topic(
                staff,
                title=COMMUNITY_TOPIC[0],
                description=COMMUNITY_TOPIC[1],
                region=home,
                source=TopicSource.COMMUNITY_STAFF,
            )
        for k, (resident, (stance, body)) in enumerate(zip(residents[10:], PARKING_OPINIONS, strict=False)):
            with at(8 - 2 * k, 20):
                services.post_opinion(resident, parking.pk, body=body, stance=stance)
        with at(3):
            services.advance_topic(staff, parking.pk, "start_deliberation")
            starts = (timezone.localtime() + timedelta(days=7)).replace(
                hour=19, minute=0, second=0, microsecond=0
            )
            services.schedule_meeting(
                staff,
                kind=MeetingKind.COUNCIL,
                title="幸福社区居民议事会（停车与充电）",
                topic_ids=[parking.pk],
                agenda="1. 停车位规划方案说明；2. 充电桩选址讨论；3. 形成初步意见。",
                location="幸福社区党群服务中心二楼会议室",
                starts_at=starts,
            )
    counts = {
        "topics": 3,
        "opinions": len(OPINIONS) + len(PARKING_OPINIONS) + len(DONE_OPINIONS),
        "meetings": 1,
        "votes": 1,
    }
    if log:
        log(
            f"议事演示数据：议题 {counts['topics']} 个，意见 {counts['opinions']} 条，会议 {counts['meetings']} 场，"
            f"已公示的表决 {counts['votes']} 项"
        )
    return counts

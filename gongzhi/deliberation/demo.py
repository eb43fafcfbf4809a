"""The deliberation part of `gongzhi load_demo`: topics in 幸福社区 through the real services (a residents'
proposal with co-signers and opinions, a community topic in deliberation with a council meeting scheduled),
so 议事协商 is not empty on the demo (it was: no demo step made a topic)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import services
from .choices import MeetingKind, Stance, TopicSource
from .models import Topic

PROPOSAL = ("幸福小区老旧楼栋加装电梯",
            "幸福小区3栋、5栋建于1995年，六层无电梯，老年住户上下楼困难。提议由社区牵头征求各户意见，"
            "研究加装电梯的方案、费用分摊和施工期间的通行安排。")
COMMUNITY_TOPIC = ("幸福小区停车位规划与充电桩设置",
                   "小区夜间车辆乱停、占用消防通道，电动车楼道充电存在火灾隐患。社区拟统一规划停车位并在3处"
                   "集中设置电动车充电桩，现征求居民意见。")
OPINIONS = [
    (Stance.SUPPORT, "支持加装，家里老人腿脚不便，已经半年没下楼了。"),
    (Stance.OTHER, "一楼住户的采光和噪音问题也请一并考虑，费用分摊要公开透明。"),
    (Stance.SUPPORT, "赞成，建议先做可行性评估，再开居民会议表决。"),
]
PARKING_OPINIONS = [
    (Stance.SUPPORT, "充电桩很有必要，楼道里充电太危险了。"),
    (Stance.OTHER, "停车位划线后希望优先照顾本小区业主车辆。"),
]


def load_deliberation_demo(log=None) -> dict:
    from gongzhi.core import demo as core_demo

    if Topic.objects.filter(title=PROPOSAL[0]).exists():
        return {"skipped": True}
    regions = core_demo.build_regions()
    units = core_demo.build_units(regions)
    people = core_demo.build_users(units, regions)
    home = regions["communities"][0]  # 幸福社区, where staff1 works (as in the community demo)
    residents, staff = people.residents, people.staff
    with transaction.atomic():
        proposal = services.create_topic(residents[0], title=PROPOSAL[0], description=PROPOSAL[1], region=home,
                                         source=TopicSource.RESIDENT_PROPOSAL, household="3栋2单元301",
                                         resident_group="第三居民小组")
        for k, resident in enumerate(residents[1:9], start=1):
            services.cosign_topic(resident, proposal.pk, household=f"{3 + k % 3}栋{1 + k % 2}单元{k}01",
                                  resident_group=f"第{'一二三'[k % 3]}居民小组")
        for resident, (stance, body) in zip(residents[2:], OPINIONS, strict=False):
            services.post_opinion(resident, proposal.pk, body=body, stance=stance)

        parking = services.create_topic(staff, title=COMMUNITY_TOPIC[0], description=COMMUNITY_TOPIC[1],
                                        region=home, source=TopicSource.COMMUNITY_STAFF)
        for resident, (stance, body) in zip(residents[10:], PARKING_OPINIONS, strict=False):
            services.post_opinion(resident, parking.pk, body=body, stance=stance)
        services.advance_topic(staff, parking.pk, "start_deliberation")
        starts = (timezone.localtime() + timedelta(days=7)).replace(hour=19, minute=0, second=0, microsecond=0)
        services.schedule_meeting(staff, kind=MeetingKind.COUNCIL, title="幸福社区居民议事会（停车与充电）",
                                  topic_ids=[parking.pk], agenda="1. 停车位规划方案说明；2. 充电桩选址讨论；3. 形成初步意见。",
                                  location="幸福社区党群服务中心二楼会议室", starts_at=starts)
    counts = {"topics": 2, "opinions": len(OPINIONS) + len(PARKING_OPINIONS), "meetings": 1}
    if log:
        log(f"议事演示数据：{counts}")
    return counts

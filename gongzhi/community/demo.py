"""Demo data of 共建 (`load_community_demo()`, called by `gongzhi load_demo`): self-organisations at every
incubation stage with their reviews, party-building projects, red resources, past activities whose volunteers
signed in and had their hours confirmed (replayed at their past times through the real services), upcoming
activities to sign up for, party-member households with their visits (one raised an appeal), volunteers' skills.

Idempotent: skipped when the first demo self-organisation already exists. Uses the regions, units and users of
`gongzhi.demo.loader` (county 439001, staff1, partymember1, resident1 …), creating them if they are missing.
"""

import random
from datetime import datetime, timedelta

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from gongzhi.core.choices import Role, UnitKind
from gongzhi.core.models import User

from . import selectors, services
from .models import LedgerAccount, LinkedHousehold, SelfOrganization, Visit

SEED = 20260501

ORGS = [
    # name, domain, community index, skills, final stage
    ("幸福社区银发互助队", "mutual_aid", 0, ["elderly", "health"], "mature"),
    ("四点半课堂志愿队", "service", 0, ["childcare"], "mature"),
    ("幸福社区法律服务小分队", "service", 0, ["legal", "employment"], "incubating"),
    ("和平社区夕阳红文艺队", "culture", 1, ["culture", "elderly"], "incubating"),
    ("友谊社区平安巡逻队", "patrol", 2, [], "applied"),
    ("幸福社区绿色家园环保队", "environment", 0, ["environment"], "exited"),
]
RED_RESOURCES = [
    (
        "东风街道革命烈士纪念馆",
        "memorial",
        "东风路88号",
        "纪念在新民主主义革命时期牺牲的本地革命烈士，馆藏烈士遗物和史料300余件。",
        "周二至周日 9:00-17:00（周一闭馆）",
        "112.982300",
        "28.194100",
    ),
    (
        "农民运动讲习所旧址",
        "site",
        "西湖街道讲习所巷3号",
        "1927年农民运动骨干培训旧址，现为区级爱国主义教育基地。",
        "每日 9:00-16:30",
        "112.965800",
        "28.201500",
    ),
    (
        "老红军故居",
        "residence",
        "南湖街道金盆巷12号",
        "老红军战士的故居，陈列其长征途中使用过的物品。",
        "周末 9:00-16:00",
        "112.990100",
        "28.180700",
    ),
    (
        "区档案馆红色档案展",
        "archive",
        "示范区行政中心B座",
        "展出建国前后本地党组织活动的原始档案和报刊。",
        "工作日 9:00-11:30，14:30-17:00",
        "112.975000",
        "28.188000",
    ),
]
NEEDS_HEARD = [
    ("老人独居，腿脚不便，希望有人帮忙代购和陪同就医。", ["elderly"]),
    ("双职工家庭，孩子放学后无人照看。", ["childcare"]),
    ("儿子失业半年，想了解再就业培训。", ["employment"]),
    ("和邻居因漏水起纠纷，想咨询怎么处理。", ["legal"]),
    ("家中有残疾人，出行需要轮椅坡道。", ["disabled"]),
    ("身体都好，对社区环境满意。", []),
]


def _user(username: str, role: str, display_name: str, **fields) -> User:
    from gongzhi.demo import loader as core_demo

    user = User.objects.filter(username=username).first()
    if user is None:
        user = User(
            username=username, display_name=display_name, password=core_demo.demo_password_hash(), **fields
        )
        user.save()
        user.groups.add(Group.objects.get(name=role))
    return user


def load_community_demo(log=None) -> dict:
    from gongzhi.demo import loader as core_demo

    if SelfOrganization.objects.filter(name=ORGS[0][0]).exists():
        return {"skipped": True}
    import time_machine

    rng = random.Random(SEED)
    regions = core_demo.build_regions()
    units = core_demo.build_units(regions)
    people = core_demo.build_users(units, regions)
    communities, grids = regions["communities"], regions["grids"]
    admin, staff, party_member = people.admin, people.staff, people.party_member
    residents = people.residents
    home = communities[0]
    party_of = {u.region_id: u for u in units["party"] if u.kind == UnitKind.PARTY_ORG}
    social = units["social"]
    now = timezone.localtime()  # activities start at local hours (09:00, 15:00), not UTC ones
    counts = {}

    with transaction.atomic():
        # ---- self-organisations and their incubation
        orgs = []
        for i, (name, domain, ci, skills, final) in enumerate(ORGS):
            community = communities[ci]
            reviewer = staff if community == home else admin
            founder = residents[i]
            with time_machine.travel(now - timedelta(days=200 - i * 10), tick=False):
                org = services.register_organization(
                    founder,
                    name=name,
                    domain=domain,
                    region=community,
                    skills=skills,
                    description=f"由居民自发成立的{name}。",
                )
                services.set_mentor_unit(
                    reviewer, org.pk, mentor_unit=party_of.get(community.pk) if i % 2 == 0 else social[0]
                )
                for r in residents[10 + i * 3 : 14 + i * 3]:
                    services.join_organization(r, org.pk)
            steps = {
                "applied": [],
                "incubating": ["admit"],
                "mature": ["admit", "graduate"],
                "exited": ["admit", "exit"],
            }[final]
            for k, action in enumerate(steps):
                with time_machine.travel(now - timedelta(days=150 - i * 10 - k * 60), tick=False):
                    services.review_organization(
                        reviewer,
                        org.pk,
                        action,
                        filing_number=f"FZ-{community.code[-6:]}-{i + 1:02d}",
                        opinion={
                            "admit": "组织架构清晰、骨干稳定，同意入驻孵化基地。",
                            "graduate": "运行规范、服务成效明显，评估成熟，予以备案。",
                            "exit": "骨干外迁、活动停止，经本人申请退出。",
                        }[action],
                    )
            org.refresh_from_db()
            orgs.append(org)
        counts["organizations"] = len(orgs)

        with time_machine.travel(now - timedelta(days=95), tick=False):
            red_property = services.create_project(
                staff,
                title="“红色物业”党建共建项目",
                region=home,
                party_unit=party_of[home.pk],
                social_orgs=[social[0]],
                self_orgs=orgs[:2],
                starts_on=now.date() - timedelta(days=90),
                goals="老旧小区加装电梯 2 部，新增停车位 60 个，物业投诉下降三成。",
                budget="120000",
                description="社区党委牵头，社工机构和物业公司参与，解决老旧小区加装电梯、停车难等问题。",
            )
        for days, note in (
            (88, "召开社区党委、物业公司、业主代表三方联席会，梳理问题清单 23 条。"),
            (60, "3 栋、5 栋加装电梯方案经业主表决通过，完成公示。"),
            (25, "利用闲置空地改建停车位 64 个，划线完成并投入使用。"),
        ):
            with time_machine.travel(now - timedelta(days=days), tick=False):
                services.record_project_progress(staff, red_property.pk, note=note)
        with time_machine.travel(now - timedelta(days=10), tick=False):
            services.complete_project(
                staff,
                red_property.pk,
                result=(
                    "加装电梯 2 部投入运行，新增停车位 64 个；物业投诉由每月 40 件降至 12 件，业主满意度由 62% 升至 91%。"
                ),
            )
        with time_machine.travel(now - timedelta(days=34), tick=False):
            care = services.create_project(
                staff,
                title="“一老一小”关爱服务项目",
                region=home,
                party_unit=party_of[home.pk],
                social_orgs=social,
                self_orgs=orgs[:2],
                starts_on=now.date() - timedelta(days=30),
                budget="30000",
                goals="高龄独居老人每周探访一次，双职工家庭儿童放学后有人看护。",
                description="党员志愿者与社会组织结对，为高龄独居老人和双职工家庭儿童提供关爱服务。",
            )
        with time_machine.travel(now - timedelta(days=20), tick=False):
            services.record_project_progress(
                staff, care.pk, note="党员志愿者与 32 户高龄独居老人结对，建立探访台账。"
            )
        counts["projects"] = 2

        # ---- red resources
        with time_machine.travel(now - timedelta(days=210), tick=False):
            reds = [
                services.save_red_resource(
                    admin,
                    name=n,
                    kind=k,
                    region=regions["streets"][j % 4],
                    address=a,
                    description=d,
                    opening_hours=h,
                    longitude=lo,
                    latitude=la,
                )
                for j, (n, k, a, d, h, lo, la) in enumerate(RED_RESOURCES)
            ]

        # ---- volunteers' skills
        skill_sets = [
            ["elderly"],
            ["childcare"],
            ["legal"],
            ["employment"],
            ["elderly", "disabled"],
            ["health"],
        ]
        for k, r in enumerate(residents[:24]):
            with time_machine.travel(
                now - timedelta(days=rng.randint(20, 180), hours=rng.randint(0, 10)), tick=False
            ):
                services.save_volunteer_profile(
                    r,
                    region=communities[k % 3],
                    skills=skill_sets[k % len(skill_sets)],
                    availability=("周末上午", "工作日晚上", "随时可约")[k % 3],
                )

        # ---- past activities: sign up, sign in (QR or staff), hours recorded and confirmed
        community_unit = units["communities"][home.pk]
        past = [
            ("重阳节敬老志愿服务", 40, True, ["elderly"], None, orgs[0]),
            ("参观革命烈士纪念馆主题党日", 25, True, [], reds[0], None),
            ("小区垃圾分类宣传", 12, False, ["environment"], None, None),
        ]
        for title, days_ago, party, needs, red, org in past:
            start = (now - timedelta(days=days_ago)).replace(hour=9, minute=0, second=0, microsecond=0)
            with time_machine.travel(start - timedelta(days=7), tick=False):
                founder = org.members.get(role="leader").user if org else staff
                activity = services.create_activity(
                    founder,
                    title=title,
                    description=f"{title}，欢迎居民报名参加。",
                    region=home,
                    location="幸福社区党群服务中心",
                    starts_at=start,
                    ends_at=start + timedelta(hours=3),
                    capacity=12,
                    hours="3",
                    organizer_unit=None if org else community_unit,
                    organizer_org=org,
                    party_masses=party,
                    needs=needs,
                    red_resource=red,
                )
                services.advance_activity(founder, activity.pk, "publish")
                joiners = rng.sample(residents[:40], 14)
                for r in joiners:
                    services.sign_up(r, activity.pk)
            with time_machine.travel(start + timedelta(minutes=10), tick=False):
                token = services.qr_token(activity)
                came = [r for r in joiners[:12] if rng.random() < 0.85]
                for n, r in enumerate(came):
                    if n % 4 == 3:
                        services.sign_in_by_staff(founder, activity.pk, user=r)
                    else:
                        services.sign_in_by_qr(r, activity.pk, token)
            with time_machine.travel(start + timedelta(hours=4), tick=False):
                # Four eyes: whoever recorded the hours does not confirm them (a second organiser does).
                confirmer = admin if founder == staff else staff
                for r in came:
                    record = services.record_hours(
                        founder, activity.pk, user=r, hours=rng.choice(["3", "3", "2.5", "2"])
                    )
                    services.confirm_hours(confirmer, record.pk)
                services.advance_activity(founder, activity.pk, "finish")
        # ---- the time bank's catalogue; one redemption confirmed, one waiting for the community worker
        with time_machine.travel(now - timedelta(days=30), tick=False):
            items = [
                services.save_reward_item(staff, region=home, name=n, points=p, description=d)
                for n, p, d in (
                    ("洗衣液一瓶", 10, "社区超市兑付"),
                    ("理发一次", 20, "爱心理发室"),
                    ("家电清洗一次", 40, "合作家政公司上门"),
                )
            ]
        savers = [
            r for r in residents[:40] if LedgerAccount.objects.filter(user=r, balance_points__gte=20).exists()
        ]
        if savers:
            with time_machine.travel(now - timedelta(days=5), tick=False):
                asked = services.request_redemption(savers[0], items[0].pk)
                services.decide_redemption(staff, asked.pk, approve=True)
        if len(savers) > 1:
            with time_machine.travel(now - timedelta(days=1), tick=False):
                services.request_redemption(savers[1], items[1].pk)
        counts["rewards"] = len(items)

        # ---- upcoming activities to sign up for
        upcoming = [
            ("党群连心·四点半课堂", 3, True, ["childcare"], None, orgs[1], 20),
            ("老年人智能手机使用培训", 6, False, ["elderly"], None, None, 15),
            ("红色讲习所研学行", 10, True, ["culture"], reds[1], None, 30),
            ("就业政策与法律咨询进社区", 14, False, ["employment", "legal"], None, None, 50),
        ]
        for title, days, party, needs, red, org, capacity in upcoming:
            start = (now + timedelta(days=days)).replace(hour=15, minute=0, second=0, microsecond=0)
            founder = org.members.get(role="leader").user if org else staff
            published = now - timedelta(days=rng.randint(3, 8), hours=rng.randint(1, 6))
            with time_machine.travel(published, tick=False):
                activity = services.create_activity(
                    founder,
                    title=title,
                    description=f"{title}，名额有限，先到先得；满员后可候补。",
                    region=home,
                    location="幸福社区党群服务中心",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    capacity=capacity,
                    hours="2",
                    organizer_unit=None if org else community_unit,
                    organizer_org=org,
                    party_masses=party,
                    needs=needs,
                    red_resource=red,
                )
                services.advance_activity(founder, activity.pk, "publish")
            for n, r in enumerate(rng.sample(residents[5:60], min(capacity - 3, 12))):
                with time_machine.travel(published + timedelta(hours=2 + 5 * n), tick=False):
                    services.sign_up(r, activity.pk)
        counts["activities"] = len(past) + len(upcoming)

        # ---- party-member households and visits
        pm_group = Group.objects.get(name=Role.PARTY_MEMBER)
        members = [party_member]
        for k in (2, 3):
            members.append(
                _user(
                    f"partymember{k}",
                    Role.PARTY_MEMBER,
                    f"党员{core_demo._name(rng)}",
                    region=communities[0],
                    unit=party_of[home.pk],
                )
            )
        pm_group.user_set.add(*members)
        home_grids = [g for g in grids if g.parent_id == home.pk]
        for n, member in enumerate(members):
            grid = home_grids[n % len(home_grids)]
            with time_machine.travel(now - timedelta(days=120 - 10 * n), tick=False):
                center = services.create_central_household(
                    staff, party_member=member, grid=grid, address=f"幸福小区{n + 1}栋10{n + 1}室"
                )
            for h in range(8 + n * 3):
                with time_machine.travel(now - timedelta(days=115 - 10 * n - h), tick=False):
                    services.link_household(
                        member,
                        center.pk,
                        address=f"幸福小区{n + 1}栋{h // 4 + 1}单元{h % 4 + 1}01",
                        head_name=core_demo._name(rng),
                        phone=f"139{n:02d}{h:06d}",
                        notes="独居老人" if h % 5 == 0 else "",
                    )
            houses = list(LinkedHousehold.objects.filter(center=center).order_by("pk"))
            for _visit in range(6):
                day = timezone.localdate() - timedelta(days=rng.randint(1, 80))
                picked = rng.sample(houses[: len(houses) - 3], 2)
                heard, needs = rng.choice(NEEDS_HEARD)
                with time_machine.travel(
                    datetime.combine(day, datetime.min.time()).replace(
                        hour=19, tzinfo=timezone.get_current_timezone()
                    ),
                    tick=False,
                ):
                    services.record_visit(
                        member,
                        center.pk,
                        visited_on=day,
                        household_ids=[h.pk for h in picked],
                        heard=heard,
                        needs=needs,
                    )
        # one visit that became an appeal, with the resident's consent
        center = party_member.central_household
        house = center.households.order_by("pk").first()
        category = core_demo._catalogue().get("民政")
        services.record_visit(
            party_member,
            center.pk,
            visited_on=timezone.localdate(),
            household_ids=[house.pk],
            heard="独居老人反映单元楼道扶手松动、声控灯不亮，夜间上下楼有摔倒危险，希望尽快维修。",
            needs=["elderly"],
            raise_appeal=True,
            consent=True,
            consent_note="居民口头同意，并在走访记录本上签字",
            appeal_title="单元楼道扶手松动、声控灯不亮",
            category=category,
        )
        counts["centers"] = len(members)

        # ---- matching that acts: the community worker asks volunteers to meet needs heard on visits; most accept and
        # finish within days (hours confirmed by the worker), one declines, the latest are still open
        tz = timezone.get_current_timezone()
        asked = 0
        for need in selectors.matches(home, limit=80):
            pick = next((s for s in need.suggestions if s.get("volunteer")), None)
            if need.visit_id is None or pick is None or need.requests or asked >= 9:
                continue
            visit = Visit.objects.get(pk=need.visit_id)
            start = datetime.combine(visit.visited_on, datetime.min.time()).replace(
                hour=10, tzinfo=tz
            ) + timedelta(days=1)
            if start > now - timedelta(days=2):
                continue
            helper = User.objects.get(pk=pick["volunteer"])
            with time_machine.travel(start, tick=False):
                request = services.ask_for_help(
                    staff,
                    kind=need.kind,
                    region=need.community,
                    summary=need.summary,
                    source=need.source,
                    volunteer=helper,
                    visit=visit,
                )
            with time_machine.travel(start + timedelta(hours=3 + asked), tick=False):
                if asked == 6:
                    services.answer_help_request(
                        helper, request.pk, accept=False, note="这两周在外地，请另找他人"
                    )
                elif asked < 8:
                    services.answer_help_request(helper, request.pk, accept=True)
            if asked < 6:
                done = start + timedelta(days=1 + asked % 4, hours=5)
                with time_machine.travel(done, tick=False):
                    services.complete_help_request(
                        helper,
                        request.pk,
                        note="已上门服务，居民表示满意。",
                        hours=("2", "1.5", "3")[asked % 3],
                    )
                with time_machine.travel(done + timedelta(hours=20), tick=False):
                    services.confirm_help_hours(staff, request.pk)
            asked += 1
        counts["help_requests"] = asked
    if log:
        log(
            f"共建演示数据：自组织 {counts['organizations']} 个，活动 {counts['activities']} 场，"
            f"党员中心户 {counts['centers']} 户"
        )
    return counts

"""The credit part of `gongzhi load_demo`: enterprises, enforcement cases at different stages and an administrative
penalty, through the real services and at their past dates (time-machine moves the clock, as the appeals' replay
does), so that every credit page has something true on the demo: the officer's board with next deadlines, a case in
its grace period with its warnings, a published listing that the public credit query finds, a penalty in
行政处罚 with its publicity period, and the enterprise contacts' own page."""

from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.core.models import User

from . import services
from .choices import Ground
from .discretion import import_benchmarks
from .models import DiscretionBand, Enterprise
from .testing import uscc

ENTERPRISES = [  # name, USCC seed, legal representative, address, the contact's phone (a demo account)
    ("示范区宏达建材有限公司", "91430100MA4L0XY1Q", "周建国", "示范区工业园8号", "13600000011"),
    ("示范区顺通物流有限公司", "91430100MA4L1AB2C", "吴晓明", "示范区物流港2栋", "13600000012"),
    ("示范区惠民餐饮管理有限公司", "91430100MA4L2CD3E", "郑丽", "东风街道幸福路18号", "13600000013"),
]
COURT = "示范区人民法院"


def _at(day, hour: int = 10):
    """A past working moment of `day` (a date), for time-machine."""
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


# A demo table in the format market regulators publish their 行政处罚裁量基准 in; the statutory ranges are those of
# 食品安全法 第125条 and 价格法 第42条, the grades within them are the demo's own (not any authority's benchmark).
DISCRETION_SOURCE = "演示数据：按市场监管部门公开的行政处罚裁量基准格式编制，法定幅度摘自食品安全法第一百二十五条、价格法第四十二条"
DISCRETION_TABLE = "\n".join(
    [
        "执法领域,编号,违法行为,违法依据,处罚依据,裁量等级,适用情形,处罚种类,罚款下限,罚款上限,来源",
        *[
            f"市场监管,SJ-SP-125-2,生产经营标签不符合规定的预包装食品（货值金额不足一万元）,《中华人民共和国食品安全法》第六十七条,"
            f"《中华人民共和国食品安全法》第一百二十五条第一款第（二）项,{grade},{when},没收违法所得、没收非法财物、罚款,{low},{high},"
            f"{DISCRETION_SOURCE}"
            for grade, when, low, high in [
                ("轻微", "首次被查处，货值金额在二千元以下，主动下架召回", 5000, 15000),
                ("一般", "货值金额二千元以上不足五千元，或未主动下架", 15000, 30000),
                ("较重", "货值金额五千元以上不足一万元，或一年内再次违法", 30000, 40000),
                ("严重", "针对婴幼儿、老年人等特定人群，或造成不良社会影响", 40000, 50000),
            ]
        ],
        *[
            f"市场监管,SJ-JG-42,经营者不按规定明码标价,《中华人民共和国价格法》第十三条,《中华人民共和国价格法》第四十二条,"
            f"{grade},{when},{measures},{low},{high},{DISCRETION_SOURCE}"
            for grade, when, measures, low, high in [
                ("轻微", "未标价商品不超过五种，责令改正后立即改正", "没收违法所得、没收非法财物", "", ""),
                (
                    "一般",
                    "未标价商品六至二十种，或责令改正后逾期改正",
                    "没收违法所得、没收非法财物、罚款",
                    0,
                    2000,
                ),
                ("较重", "未标价商品二十种以上，或拒不改正", "没收违法所得、没收非法财物、罚款", 2000, 4000),
                ("严重", "一年内因同一违法行为受过处罚", "没收违法所得、没收非法财物、罚款", 4000, 5000),
            ]
        ],
    ]
)


def load_credit_demo(log=None) -> dict:
    import time_machine

    if Enterprise.objects.exists():
        return {"skipped": True}
    officer = User.objects.filter(username="credit1").first()
    if officer is None:
        return {"skipped": True}
    today = timezone.localdate()

    def on(days_ago: int):
        return today - timedelta(days=days_ago)

    def case_fields(k: int, suffix: str, filed, **fields):
        return dict(
            enterprise=enterprises[k],
            court=COURT,
            case_number=f"({filed.year})湘0101执{suffix}号",
            basis_document=f"{COURT}({filed.year - 1})湘0101民初{suffix}8号民事判决书",
            filed_on=filed,
            warned_on=filed + timedelta(days=2),
            **fields,
        )

    with transaction.atomic():
        with time_machine.travel(_at(on(120)), tick=False):
            enterprises = [
                services.create_enterprise(
                    officer,
                    name=name,
                    uscc=uscc(code),
                    legal_representative=boss,
                    address=address,
                    contacts=[{"name": boss, "phone": phone, "is_primary": True}],
                )
                for name, code, boss, address, phone in ENTERPRISES
            ]

        # 1. Listed and published: filed, warned, a 2-month grace period that passed unperformed, the listing
        #    decision (G1: no term), served and published. The public credit query finds it.
        filed = on(110)
        with time_machine.travel(_at(filed), tick=False):
            listed = services.open_case(
                officer,
                **case_fields(
                    0,
                    "12",
                    filed,
                    creditor="李某某",
                    obligation="支付货款及利息",
                    amount="120000.00",
                    performed_amount="0",
                ),
            )
        notice_on = on(100)
        with time_machine.travel(_at(notice_on), tick=False):
            listed = services.issue_notice(
                officer,
                listed.pk,
                grace_months=2,
                reason="被执行人称资金周转困难，承诺分期履行",
                intended_ground=Ground.G1,
                notice_on=notice_on,
            )
        assert listed.grace_end is not None  # issue_notice sets the grace period's end
        decided = listed.grace_end + timedelta(days=3)
        with time_machine.travel(_at(decided), tick=False):
            services.decide_listing(
                officer,
                listed.pk,
                ground=Ground.G1,
                decision_number=f"({decided.year})湘0101执12号之一",
                reason="宽限期届满仍未履行，经查有履行能力而拒不履行",
                signed_by="赵院长",
                decided_on=decided,
                served_on=decided + timedelta(days=1),
            )
        with time_machine.travel(_at(decided + timedelta(days=2)), tick=False):
            services.publish(officer, listed.pk, published_on=decided + timedelta(days=2))

        # 2. In its grace period: the board shows when it ends and the warnings due before it.
        filed = on(30)
        with time_machine.travel(_at(filed), tick=False):
            grace = services.open_case(
                officer,
                **case_fields(
                    1,
                    "35",
                    filed,
                    creditor="示范区某运输队",
                    obligation="支付运输费",
                    amount="48000.00",
                    performed_amount="8000.00",
                ),
            )
        with time_machine.travel(_at(on(20)), tick=False):
            services.issue_notice(
                officer,
                grace.pk,
                grace_months=3,
                reason="已部分履行，有继续履行意愿",
                intended_ground=Ground.G1,
                notice_on=on(20),
            )

        # 3. Just filed: the officer decides whether to serve a pre-punishment notice.
        filed = on(6)
        with time_machine.travel(_at(filed), tick=False):
            services.open_case(
                officer,
                **case_fields(
                    2,
                    "51",
                    filed,
                    creditor="王某",
                    obligation="返还租金",
                    amount="36000.00",
                    performed_amount="0",
                ),
            )

        # 4. The market regulator's discretion benchmarks (裁量基准), imported as a department publishes them, and
        #    two penalties under them: one inside its band (performed), one above it, waiting for a second officer.
        with time_machine.travel(_at(on(90)), tick=False):
            import_benchmarks(officer, DISCRETION_TABLE.encode(), "市场监管行政处罚裁量基准（演示）.csv")
        bands = {
            (b.benchmark.code, b.grade): b.pk for b in DiscretionBand.objects.select_related("benchmark")
        }
        with time_machine.travel(_at(on(60)), tick=False):
            penalty = services.record_penalty(
                officer,
                enterprise=enterprises[2],
                authority="示范区市场监督管理局",
                decision_number=f"示市监罚〔{on(60).year}〕17号",
                decided_on=on(60),
                facts="销售标签不符合食品安全标准规定的预包装食品",
                penalty_types=["confiscation", "fine"],
                severity="general",
                fine_amount="8000",
                first_violation=False,
                minor_violation=False,
                corrected_promptly=False,
                harm="other",
                no_fault_proven=False,
                band_id=bands[("SJ-SP-125-2", "minor")],
            )
        with time_machine.travel(_at(on(45)), tick=False):
            services.mark_penalty_performed(officer, penalty.pk, note="罚款已缴清，问题食品已下架")
        with time_machine.travel(_at(on(8)), tick=False):
            services.record_penalty(
                officer,
                enterprise=enterprises[1],
                authority="示范区市场监督管理局",
                decision_number=f"示市监罚〔{on(8).year}〕63号",
                decided_on=on(8),
                facts="门店销售的42种商品未按规定明码标价，经责令改正后仍未改正",
                penalty_types=["confiscation", "fine"],
                severity="minor",
                fine_amount="3000",
                first_violation=False,
                minor_violation=False,
                corrected_promptly=False,
                harm="other",
                no_fault_proven=False,
                band_id=bands[("SJ-JG-42", "general")],
                outside_reason="经责令改正后拒不改正，未标价商品达42种，涉及面广，按一般情形的上限仍不足以纠正，"
                "拟在法定幅度内从重罚款3000元",
            )
    counts = {"enterprises": len(enterprises), "cases": 3, "penalties": 2}
    if log:
        log(
            f"信用演示数据：企业 {counts['enterprises']} 家，执行案件 {counts['cases']} 件（其中已公布失信名单 1 件），"
            f"行政处罚 {counts['penalties']} 件"
        )
    return counts

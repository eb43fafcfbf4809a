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
from .models import Enterprise
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
        return dict(enterprise=enterprises[k], court=COURT, case_number=f"({filed.year})湘0101执{suffix}号",
                    basis_document=f"{COURT}({filed.year - 1})湘0101民初{suffix}8号民事判决书", filed_on=filed,
                    warned_on=filed + timedelta(days=2), **fields)

    with transaction.atomic():
        with time_machine.travel(_at(on(120)), tick=False):
            enterprises = [services.create_enterprise(
                officer, name=name, uscc=uscc(code), legal_representative=boss, address=address,
                contacts=[{"name": boss, "phone": phone, "is_primary": True}])
                for name, code, boss, address, phone in ENTERPRISES]

        # 1. Listed and published: filed, warned, a 2-month grace period that passed unperformed, the listing
        #    decision (G1: no term), served and published. The public credit query finds it.
        filed = on(110)
        with time_machine.travel(_at(filed), tick=False):
            listed = services.open_case(officer, **case_fields(0, "12", filed, creditor="李某某", obligation="支付货款及利息",
                                                               amount="120000.00", performed_amount="0"))
        notice_on = on(100)
        with time_machine.travel(_at(notice_on), tick=False):
            listed = services.issue_notice(officer, listed.pk, grace_months=2, reason="被执行人称资金周转困难，承诺分期履行",
                                           intended_ground=Ground.G1, notice_on=notice_on)
        decided = listed.grace_end + timedelta(days=3)
        with time_machine.travel(_at(decided), tick=False):
            services.decide_listing(officer, listed.pk, ground=Ground.G1, decision_number=f"({decided.year})湘0101执12号之一",
                                    reason="宽限期届满仍未履行，经查有履行能力而拒不履行", signed_by="赵院长",
                                    decided_on=decided, served_on=decided + timedelta(days=1))
        with time_machine.travel(_at(decided + timedelta(days=2)), tick=False):
            services.publish(officer, listed.pk, published_on=decided + timedelta(days=2))

        # 2. In its grace period: the board shows when it ends and the warnings due before it.
        filed = on(30)
        with time_machine.travel(_at(filed), tick=False):
            grace = services.open_case(officer, **case_fields(1, "35", filed, creditor="示范区某运输队",
                                                              obligation="支付运输费", amount="48000.00",
                                                              performed_amount="8000.00"))
        with time_machine.travel(_at(on(20)), tick=False):
            services.issue_notice(officer, grace.pk, grace_months=3, reason="已部分履行，有继续履行意愿",
                                  intended_ground=Ground.G1, notice_on=on(20))

        # 3. Just filed: the officer decides whether to serve a pre-punishment notice.
        filed = on(6)
        with time_machine.travel(_at(filed), tick=False):
            services.open_case(officer, **case_fields(2, "51", filed, creditor="王某", obligation="返还租金",
                                                      amount="36000.00", performed_amount="0"))

        # 4. An administrative penalty (行政处罚) of the market regulator, after the 首违不罚 check, performed.
        with time_machine.travel(_at(on(60)), tick=False):
            penalty = services.record_penalty(
                officer, enterprise=enterprises[2], authority="示范区市场监督管理局",
                decision_number=f"示市监罚〔{on(60).year}〕17号", decided_on=on(60),
                facts="销售标签不符合食品安全标准规定的预包装食品", penalty_types=["warning", "fine"],
                severity="general", fine_amount="8000", first_violation=False, minor_violation=False,
                corrected_promptly=False, harm="other", no_fault_proven=False)
        with time_machine.travel(_at(on(45)), tick=False):
            services.mark_penalty_performed(officer, penalty.pk, note="罚款已缴清，问题食品已下架")
    counts = {"enterprises": len(enterprises), "cases": 3, "penalties": 1}
    if log:
        log(f"信用演示数据：企业 {counts['enterprises']} 家，执行案件 {counts['cases']} 件（其中已公布失信名单 1 件），"
            f"行政处罚 {counts['penalties']} 件")
    return counts

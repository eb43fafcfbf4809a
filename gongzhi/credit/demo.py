"""The credit part of `gongzhi load_demo`: enterprises and enforcement cases through the real services, so the
credit officer's 企业信用工作台 and 企业 list are not empty on the demo (they were: no demo step made any)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from gongzhi.core.models import User

from . import services
from .models import Enterprise
from .testing import uscc

ENTERPRISES = [
    ("示范区宏达建材有限公司", "91430100MA4L0XY1Q", "周建国", "示范区工业园8号", "13600000011"),
    ("示范区顺通物流有限公司", "91430100MA4L1AB2C", "吴晓明", "示范区物流港2栋", "13600000012"),
    ("示范区惠民餐饮管理有限公司", "91430100MA4L2CD3E", "郑丽", "东风街道幸福路18号", "13600000013"),
]
CASES = [  # (enterprise index, case number suffix, creditor, obligation, amount, days since filed, performed)
    (0, "12", "李某某", "支付货款及利息", "120000.00", 20, "0"),
    (1, "35", "示范区某运输队", "支付运输费", "48000.00", 9, "8000.00"),
]


def load_credit_demo(log=None) -> dict:
    if Enterprise.objects.exists():
        return {"skipped": True}
    officer = User.objects.filter(username="credit1").first()
    if officer is None:
        return {"skipped": True}
    today = timezone.localdate()
    with transaction.atomic():
        enterprises = [services.create_enterprise(
            officer, name=name, uscc=uscc(code), legal_representative=boss, address=address,
            contacts=[{"name": boss, "phone": phone, "is_primary": True}])
            for name, code, boss, address, phone in ENTERPRISES]
        for k, suffix, creditor, obligation, amount, days, performed in CASES:
            filed = today - timedelta(days=days)
            services.open_case(
                officer, enterprise=enterprises[k], court="示范区人民法院", case_number=f"({today.year})湘0101执{suffix}号",
                basis_document=f"示范区人民法院({today.year - 1})湘0101民初{suffix}8号民事判决书", creditor=creditor,
                obligation=obligation, amount=amount, filed_on=filed, warned_on=filed + timedelta(days=2),
                performed_amount=performed)
    counts = {"enterprises": len(enterprises), "cases": len(CASES)}
    if log:
        log(f"信用演示数据：{counts}")
    return counts

"""Fixtures of the credit tests: a credit officer, an enterprise with a contact account, cases, platforms and a
real local HTTP receiver that can fail on demand."""

from datetime import date

import pytest

from gongzhi.core.choices import Role
from gongzhi.core.testing import PASSWORD, make_user
from gongzhi.core.tests.receiver import Receiver
from gongzhi.credit import services
from gongzhi.credit.testing import uscc

__all__ = ["PASSWORD", "make_user", "uscc"]  # the test modules beside this one import them from here

D = date.fromisoformat


@pytest.fixture
def officer(db):
    return make_user("officer1", Role.CREDIT_OFFICER, is_staff=True, display_name="王法官")


@pytest.fixture
def boss(db):
    return make_user("boss1", None, phone="13600136000", display_name="李总")


@pytest.fixture
def enterprise(officer, boss):
    return services.create_enterprise(
        officer,
        name="湘江建材有限公司",
        uscc=uscc("91430100MA4L0XY1Q"),
        legal_representative="李四",
        contacts=[{"name": "李总", "phone": "13600136000", "user": boss, "is_primary": True}],
    )


@pytest.fixture
def make_case(officer, enterprise):
    counter = {"n": 0}

    def make(**overrides):
        counter["n"] += 1
        fields = {
            "enterprise": enterprise,
            "court": "示范县人民法院",
            "case_number": f"(2026)湘0101执{counter['n']}号",
            "basis_document": "示范县人民法院(2025)湘0101民初88号民事判决书",
            "creditor": "张三",
            "obligation": "支付货款及利息",
            "amount": "120000.00",
            "filed_on": D("2026-01-05"),
            "warned_on": D("2026-01-06"),
        }
        fields.update(overrides)
        return services.open_case(officer, **fields)

    return make


LISTING = {
    "decision_number": "(2026)湘0101执1号之一",
    "reason": "有履行能力而拒不履行",
    "signed_by": "赵院长",
    "decided_on": D("2026-06-01"),
    "served_on": D("2026-06-02"),
}


@pytest.fixture
def published_case(officer, make_case):
    """A G2 listing (2-year term) published on 2026-06-03."""

    def make(ground="G2", **overrides):
        case = make_case(**overrides)
        term = 2 if ground != "G1" else None
        services.decide_listing(officer, case.pk, ground=ground, term_years=term, **LISTING)
        return services.publish(officer, case.pk, published_on=D("2026-06-03"))

    return make


@pytest.fixture
def receiver(settings):
    with Receiver() as r:  # on loopback: allowed by name (core.netguard)
        settings.GONGZHI = {**settings.GONGZHI, "OUTBOUND_ALLOWED_HOSTS": [r.url.removeprefix("http://")]}
        yield r


@pytest.fixture
def platforms(officer, receiver, tmp_path, settings):
    settings.GONGZHI = {**settings.GONGZHI, "FILE_DROP_ROOT": str(tmp_path)}
    return [
        services.create_platform(
            officer,
            name="信用中国",
            backend="webhook",
            address=receiver.url + "/xyzg",
            secret="s" * 32,
            confirm_window_hours=24,
        ),
        services.create_platform(
            officer,
            name="征信系统",
            backend="webhook",
            address=receiver.url + "/zx",
            secret="z" * 32,
            confirm_window_hours=48,
        ),
        services.create_platform(
            officer,
            name="第三方信用平台",
            backend="file",
            address=str(tmp_path / "drop"),
            confirm_window_hours=72,
        ),
    ]

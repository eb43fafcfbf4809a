import pytest
from django.utils import timezone

from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user
from gongzhi.credit.choices import CaseState
from gongzhi.credit.demo import load_credit_demo
from gongzhi.credit.models import AdministrativePenalty, CreditEvent, EnforcementCase, Enterprise

pytestmark = pytest.mark.django_db


def test_the_demo_fills_every_credit_page_with_past_dated_records(client):
    officer = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True)
    assert load_credit_demo() == {"enterprises": 3, "cases": 3, "penalties": 2}
    assert load_credit_demo() == {"skipped": True}
    assert Enterprise.objects.count() == 3 and EnforcementCase.objects.count() == 3
    # one listing published, one case in its grace period, one just filed; nothing dated the moment of the load
    states = set(EnforcementCase.objects.values_list("state", flat=True))
    assert {CaseState.PUBLISHED, CaseState.IN_GRACE} <= states, states
    today = timezone.localdate()
    assert all(e.created_at.date() < today for e in CreditEvent.objects.all())
    client.force_login(officer)
    board = client.get("/credit/").content.decode()
    for case in EnforcementCase.objects.all():
        assert case.case_number in board
    grace = EnforcementCase.objects.get(state=CaseState.IN_GRACE)
    assert grace.deadlines.filter(met_on__isnull=True).exists()  # the board's next deadline
    assert "示范区顺通物流有限公司" in client.get("/credit/enterprises/").content.decode()
    assert AdministrativePenalty.objects.filter(performed=True).count() == 1
    assert "示范区惠民餐饮管理有限公司" in client.get("/credit/penalties/").content.decode()
    client.logout()
    listed = EnforcementCase.objects.get(state=CaseState.PUBLISHED)
    public = client.get("/credit/query/", {"q": listed.enterprise.name}).content.decode()
    assert listed.case_number in public

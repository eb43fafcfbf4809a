import pytest

from gongzhi.core.choices import Role
from gongzhi.core.testing import make_user
from gongzhi.credit.demo import load_credit_demo
from gongzhi.credit.models import EnforcementCase, Enterprise

pytestmark = pytest.mark.django_db


def test_the_demo_gives_the_credit_officer_enterprises_and_open_cases(client):
    officer = make_user("credit1", Role.CREDIT_OFFICER, is_staff=True)
    assert load_credit_demo() == {"enterprises": 3, "cases": 2}
    assert load_credit_demo() == {"skipped": True}
    assert Enterprise.objects.count() == 3 and EnforcementCase.objects.count() == 2
    client.force_login(officer)
    board = client.get("/credit/").content.decode()
    for case in EnforcementCase.objects.all():
        assert case.case_number in board
    assert "示范区顺通物流有限公司" in client.get("/credit/enterprises/").content.decode()

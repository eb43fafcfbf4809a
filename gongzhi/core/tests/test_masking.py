import pytest

from gongzhi.core.masking import mask_id_number, mask_name, mask_phone, staff_label
from gongzhi.core.models import Unit, User


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13800138000", "138****8000"),
        ("13612345678", "136****5678"),
        ("", ""),
        (None, ""),
        ("12345", "*****"),
        ("0731-8888888", "0731-***8888"),  # a landline keeps its area code
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("430102199001011234", "430102********1234"),
        ("", ""),
        (None, ""),
        ("123", "***"),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("李", "李*"), ("", "")]
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


def test_staff_label_names_the_person_masked_and_their_unit():
    unit = Unit(pk=7, name="城管局")
    assert staff_label(User(display_name="王芳", unit=unit)) == "王芳（城管局）"
    assert staff_label(User(username="m13712345678", unit=unit)) == "m137****5678（城管局）"
    assert staff_label(User(display_name="李明")) == "李明"

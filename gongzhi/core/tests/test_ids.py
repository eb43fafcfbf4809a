import pytest

from gongzhi.core.ids import MAX_ID, parse_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        (42, 42),
        ("٣", 3),
        (str(MAX_ID), MAX_ID),
        ("³", None),
        ("0", None),
        ("-1", None),
        ("1.5", None),
        ("", None),
        (None, None),
        ("abc", None),
        (str(MAX_ID + 1), None),
        ("9" * 40, None),
    ],
)
def test_parse_id(text, expected):
    assert parse_id(text) == expected

"""Regression for what `make fuzz` found: nested validation errors broke the documented error shape."""

from rest_framework import serializers

from gongzhi.core.api import flatten_errors


class Row(serializers.Serializer):
    area = serializers.DecimalField(max_digits=8, decimal_places=2)


class Register(serializers.Serializer):
    name = serializers.CharField()
    rows = Row(many=True)
    ids = serializers.ListField(child=serializers.IntegerField())


def test_nested_errors_become_dotted_keys_with_lists_of_strings():
    data = Register(data={"name": "", "rows": [{"area": "1"}, {"area": "x"}], "ids": [1, "a"]})
    assert not data.is_valid()
    flat = flatten_errors(data.errors)
    assert set(flat) == {"name", "rows.1.area", "ids.1"}
    assert all(
        isinstance(messages, list) and all(isinstance(m, str) for m in messages) for messages in flat.values()
    )


def test_errors_without_a_field_go_under_non_field_errors():
    assert flatten_errors(["整体有误"]) == {"non_field_errors": ["整体有误"]}

"""Shapes of the core API: log-in, the current user, regions, units and notifications."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .choices import RegionLevel, UnitKind
from .ids import MAX_ID
from .models import Notification, Region, Unit


class IdField(serializers.IntegerField):
    """A row id given as a number in the input: bounded to the range of a 64-bit key, so a huge number is a
    400 with DRF's Chinese message rather than an overflow inside the database driver (found by `make fuzz`)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a machine code, a Chinese message, and per-field messages for bad input."""

    code = serializers.CharField(help_text="invalid, illegal_transition, permission_denied, not_found, …")
    detail = serializers.CharField(help_text=_("给人看的中文说明"))
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, label=_("用户名"))
    password = serializers.CharField(
        max_length=128, label=_("密码"), trim_whitespace=False, style={"input_type": "password"}
    )
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        label=_("二次验证码"),
        help_text=_("须二次验证的岗位：身份验证器上的6位数字或一个备用验证码"),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Authorization: Token <token>")


class PhoneCodeRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20, label=_("手机号"))


class PhoneCodeSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    expires_in = serializers.IntegerField(help_text=_("验证码有效期（秒）"))


class PhoneTokenRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20, label=_("手机号"))
    code = serializers.CharField(max_length=10, label=_("验证码"))
    agree_privacy = serializers.BooleanField(
        default=False,
        label=_("同意个人信息处理规则"),
        help_text=_("首次登录（将开通账号）时须为 true：客户端已向用户展示 /privacy/ 并取得同意"),
    )


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField(), help_text=_("角色（用户组名，已排序）"))
    unit = serializers.IntegerField(allow_null=True, help_text=_("所属单位 id"))


class RegionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["id", "code", "name", "level", "parent"]


class UnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "code", "name", "kind", "region"]


class RegionFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RegionLevel.choices, required=False, label=_("层级"))
    parent = IdField(required=False, label=_("上级区域 id"))


class BoundaryFilterSerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=RegionLevel.choices, required=False, label=_("层级"))


class LocateQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(
        min_value=-180,
        max_value=180,
        label=_("经度(WGS-84)"),
        error_messages={
            "required": _("请给出经度 lon。"),
            "invalid": _("经度须是数字。"),
            "min_value": _("经度须在 -180～180 之间。"),
            "max_value": _("经度须在 -180～180 之间。"),
        },
    )
    lat = serializers.FloatField(
        min_value=-90,
        max_value=90,
        label=_("纬度(WGS-84)"),
        error_messages={
            "required": _("请给出纬度 lat。"),
            "invalid": _("纬度须是数字。"),
            "min_value": _("纬度须在 -90～90 之间。"),
            "max_value": _("纬度须在 -90～90 之间。"),
        },
    )


class LocatedAncestorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    level = serializers.ChoiceField(choices=RegionLevel.choices)


class LocatedRegionSerializer(LocatedAncestorSerializer):
    ancestors = LocatedAncestorSerializer(many=True, help_text=_("自身及各级上级，由深到浅（网格 → 区县）"))


class UnitFilterSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=UnitKind.choices, required=False, label=_("类型"))
    region = IdField(required=False, label=_("所属区域 id"))


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "link", "created_at", "read_at"]


class NotificationFilterSerializer(serializers.Serializer):
    unread = serializers.BooleanField(required=False, default=None, allow_null=True, label=_("仅未读"))

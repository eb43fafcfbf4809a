"""Thin forms of the insight pages: they parse input; the services in proactive.py / cosign.py decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Category
from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region, Unit

from . import proactive
from .models import AlertFrequency, AlertScope


class ProactiveTaskForm(forms.Form):
    category = forms.ModelChoiceField(Category.objects.filter(level=1), required=False, label=_("诉求分类"))
    street = forms.ModelChoiceField(Region.objects.filter(level=RegionLevel.STREET), label=_("街道"))
    day = forms.DateField(label=_("预警日期"))
    unit = forms.ModelChoiceField(
        Unit.objects.filter(is_active=True),
        label=_("承办单位"),
        error_messages={"required": _("请选择承办单位。"), "invalid_choice": _("承办单位不存在。")},
    )
    working_days = forms.IntegerField(
        label=_("办理时限（工作日）"),
        min_value=1,
        max_value=proactive.MAX_WORKING_DAYS,
        initial=proactive.DEFAULT_WORKING_DAYS,
    )
    instructions = forms.CharField(
        label=_("交办要求"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class CompleteTaskForm(forms.Form):
    note = forms.CharField(
        label=_("办理情况"),
        min_length=4,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写办理情况（至少4个字）。"),
            "min_length": _("请填写办理情况（至少4个字）。"),
        },
    )


class AlertSubscriptionForm(forms.Form):
    """附近提醒: parses the choices; insight.alerts.subscribe checks them (and answers in Chinese)."""

    scope = forms.ChoiceField(
        label=_("提醒范围"),
        choices=AlertScope.choices,
        initial=AlertScope.COMMUNITY,
        widget=forms.RadioSelect,
    )
    region = forms.TypedChoiceField(
        label=_("社区"), coerce=int, required=False, empty_value=None, help_text=_("选“我的社区”时填写。")
    )
    latitude = forms.DecimalField(
        label=_("纬度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    longitude = forms.DecimalField(
        label=_("经度"),
        required=False,
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.000001", "inputmode": "decimal"}),
    )
    radius_m = forms.IntegerField(
        label=_("半径（米）"),
        required=False,
        initial=500,
        help_text=_("选“某地点周边”时填写，100 到 5000 米。"),
    )
    category = forms.TypedChoiceField(label=_("关注的分类"), coerce=int, required=False, empty_value=None)
    frequency = forms.ChoiceField(
        label=_("提醒方式"),
        choices=AlertFrequency.choices,
        initial=AlertFrequency.INSTANT,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from .alerts import community_choices

        self.fields["region"].choices = [("", _("请选择社区")), *community_choices()]
        self.fields["category"].choices = [("", _("全部分类"))] + [
            (c.pk, c.name) for c in Category.objects.filter(level=1, is_active=True).order_by("code")
        ]
        home = getattr(user, "region", None)
        if home is not None:
            community = home.parent if home.level == RegionLevel.GRID and home.parent_id else home
            if community.level == RegionLevel.COMMUNITY:
                self.initial.setdefault("region", community.pk)

"""Thin forms of the insight pages: they parse input; the services in proactive.py / cosign.py decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.models import Category
from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region, Unit

from . import proactive


class ProactiveTaskForm(forms.Form):
    category = forms.ModelChoiceField(Category.objects.filter(level=1), required=False, label=_("诉求分类"))
    street = forms.ModelChoiceField(Region.objects.filter(level=RegionLevel.STREET), label=_("街道"))
    day = forms.DateField(label=_("预警日期"))
    unit = forms.ModelChoiceField(Unit.objects.filter(is_active=True), label=_("承办单位"),
                                  error_messages={"required": _("请选择承办单位。"),
                                                  "invalid_choice": _("承办单位不存在。")})
    working_days = forms.IntegerField(label=_("办理时限（工作日）"), min_value=1, max_value=proactive.MAX_WORKING_DAYS,
                                      initial=proactive.DEFAULT_WORKING_DAYS)
    instructions = forms.CharField(label=_("交办要求"), required=False, max_length=2000,
                                   widget=forms.Textarea(attrs={"rows": 2}))


class CompleteTaskForm(forms.Form):
    note = forms.CharField(label=_("办理情况"), min_length=4, max_length=5000, widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"required": _("请填写办理情况（至少4个字）。"),
                                           "min_length": _("请填写办理情况（至少4个字）。")})

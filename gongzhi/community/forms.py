from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gongzhi.core.choices import RegionLevel, UnitKind
from gongzhi.core.models import Region, Unit

from .choices import NeedKind, OrgDomain, RedResourceKind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def communities():
    return Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("path")


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    domain = forms.ChoiceField(label=_("服务领域"), choices=OrgDomain.choices)
    region = forms.ModelChoiceField(label=_("所属社区"), queryset=Region.objects.none())
    description = forms.CharField(label=_("简介"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    skills = forms.MultipleChoiceField(
        label=_("可对接的居民需求"),
        choices=NeedKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities()


class ReviewForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    opinion = forms.CharField(label=_("评审意见"), widget=forms.Textarea(attrs={"rows": 2}))
    filing_number = forms.CharField(label=_("备案编号（登记备案时填写）"), max_length=40, required=False)


class MentorForm(forms.Form):
    mentor_unit = forms.ModelChoiceField(
        label=_("指导单位"),
        queryset=Unit.objects.filter(kind__in=[UnitKind.PARTY_ORG, UnitKind.SOCIAL_ORG]).order_by("code"),
    )


class ActivityForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=200)
    description = forms.CharField(label=_("活动内容"), widget=forms.Textarea(attrs={"rows": 3}))
    region = forms.ModelChoiceField(label=_("发布社区"), queryset=Region.objects.none())
    organizer_org = forms.IntegerField(label=_("主办自组织编号（以自组织名义时填写）"), required=False)
    location = forms.CharField(label=_("地点"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("结束时间"), widget=DATETIME)
    capacity = forms.IntegerField(label=_("名额"), min_value=1, max_value=10000)
    hours = forms.DecimalField(
        label=_("志愿服务时长(小时)"), min_value=0, max_value=24, decimal_places=1, required=False
    )
    party_masses = forms.BooleanField(label=_("党群连心活动"), required=False)
    needs = forms.MultipleChoiceField(
        label=_("服务的需求"), choices=NeedKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    red_resource = forms.IntegerField(label=_("红色资源编号（教育参观时填写）"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities()


class HoursForm(forms.Form):
    user_id = forms.IntegerField(widget=forms.HiddenInput)
    hours = forms.DecimalField(label=_("时长"), min_value=0, max_value=24, decimal_places=1, required=False)


class UserIdForm(forms.Form):
    user_id = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdForm(forms.Form):
    address = forms.CharField(label=_("门牌地址"), max_length=200)
    head_name = forms.CharField(label=_("户主/联系人"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=11, required=False)
    notes = forms.CharField(label=_("情况备注（如独居老人、残疾人家庭）"), max_length=200, required=False)


class VisitForm(forms.Form):
    visited_on = forms.DateField(label=_("走访日期"), widget=DATE)
    household_ids = forms.TypedMultipleChoiceField(
        label=_("走访的住户"), coerce=int, choices=[], widget=forms.CheckboxSelectMultiple
    )
    heard = forms.CharField(label=_("听到的情况"), widget=forms.Textarea(attrs={"rows": 3}))
    needs = forms.MultipleChoiceField(
        label=_("需求"), choices=NeedKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    raise_appeal = forms.BooleanField(label=_("转为诉求（入户走访渠道）"), required=False)
    appeal_title = forms.CharField(label=_("诉求标题"), max_length=200, required=False)
    consent = forms.BooleanField(label=_("居民已同意登记诉求"), required=False)
    consent_note = forms.CharField(label=_("同意方式（如口头同意、签字）"), max_length=200, required=False)

    def __init__(self, *args, households=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household_ids"].choices = [(h.pk, str(h)) for h in households]
        self.fields["visited_on"].initial = timezone.localdate


class RedResourceForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100)
    kind = forms.ChoiceField(label=_("类型"), choices=RedResourceKind.choices)
    region = forms.ModelChoiceField(label=_("所在区域"), queryset=Region.objects.order_by("path"))
    address = forms.CharField(label=_("地点"), max_length=200)
    description = forms.CharField(label=_("介绍"), widget=forms.Textarea(attrs={"rows": 3}))
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200, required=False)
    longitude = forms.DecimalField(label=_("经度"), max_digits=9, decimal_places=6, required=False)
    latitude = forms.DecimalField(label=_("纬度"), max_digits=9, decimal_places=6, required=False)


class CentralHouseholdForm(forms.Form):
    """A community worker designates a party member of their community as a 党员中心户 in a grid."""

    party_member: forms.ModelChoiceField = forms.ModelChoiceField(label=_("党员"), queryset=None)
    grid = forms.ModelChoiceField(label=_("所在网格"), queryset=Region.objects.none())
    address = forms.CharField(label=_("中心户地址"), max_length=200)

    def __init__(self, *args, region=None, **kwargs):
        from gongzhi.core.choices import Role
        from gongzhi.core.models import User

        super().__init__(*args, **kwargs)
        members = User.objects.filter(
            groups__name=Role.PARTY_MEMBER, central_household__isnull=True, is_active=True
        )
        grids = Region.objects.filter(level=RegionLevel.GRID)
        if region is not None:
            members = members.filter(region__path__startswith=region.path)
            grids = grids.filter(path__startswith=region.path)
        self.fields["party_member"].queryset = members.order_by("display_name", "pk")
        self.fields["grid"].queryset = grids.order_by("path")
        self.fields["grid"].label_from_instance = lambda r: r.full_name()


class ProjectForm(forms.Form):
    title = forms.CharField(label=_("项目名称"), max_length=200)
    region = forms.ModelChoiceField(label=_("所属社区"), queryset=Region.objects.none())
    party_unit = forms.ModelChoiceField(
        label=_("牵头党组织"),
        queryset=Unit.objects.filter(kind=UnitKind.PARTY_ORG, is_active=True).order_by("code"),
    )
    social_orgs = forms.ModelMultipleChoiceField(
        label=_("合作社会组织"),
        queryset=Unit.objects.filter(kind=UnitKind.SOCIAL_ORG, is_active=True).order_by("code"),
        widget=forms.CheckboxSelectMultiple,
    )
    goals = forms.CharField(label=_("项目目标"), widget=forms.Textarea(attrs={"rows": 2}))
    description = forms.CharField(label=_("项目内容"), widget=forms.Textarea(attrs={"rows": 3}))
    budget = forms.DecimalField(
        label=_("预算（元）"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    starts_on = forms.DateField(label=_("开始日期"), widget=DATE, required=False)
    ends_on = forms.DateField(label=_("结束日期"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities()


class ProjectProgressForm(forms.Form):
    note = forms.CharField(label=_("进展"), widget=forms.Textarea(attrs={"rows": 2}))


class ProjectActivityForm(forms.Form):
    activity = forms.IntegerField(label=_("活动编号"), min_value=1)


class ProjectResultForm(forms.Form):
    result = forms.CharField(
        label=_("项目成效（将在社区页面公开）"), widget=forms.Textarea(attrs={"rows": 3})
    )


class VolunteerProfileForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("我能提供的服务"), choices=NeedKind.choices, widget=forms.CheckboxSelectMultiple
    )
    availability = forms.CharField(
        label=_("可服务时间（如：周末上午、工作日晚上）"), max_length=100, required=False
    )
    region = forms.ModelChoiceField(label=_("所在社区"), queryset=Region.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities()
        self.fields["region"].label_from_instance = lambda r: r.full_name()


class CounterVolunteerForm(VolunteerProfileForm):
    """A community worker records a resident's volunteer profile at the counter, finding them by phone."""

    phone = forms.CharField(label=_("居民手机号"), max_length=11, min_length=11)

    field_order = ["phone", "skills", "availability", "region"]


class RewardItemForm(forms.Form):
    region = forms.ModelChoiceField(label=_("社区"), queryset=Region.objects.none())
    name = forms.CharField(label=_("名称"), max_length=100)
    points = forms.IntegerField(label=_("所需积分"), min_value=1, max_value=100000)
    description = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = communities()


class DecisionForm(forms.Form):
    note = forms.CharField(label=_("办理说明"), max_length=200, required=False)


class CorrectionForm(forms.Form):
    reason = forms.CharField(label=_("更正原因"), max_length=200)


class AskHelpForm(forms.Form):
    """Posted from a suggestion on the needs page: ask this volunteer or self-organisation to meet this need."""

    kind = forms.ChoiceField(choices=NeedKind.choices, widget=forms.HiddenInput)
    region = forms.ModelChoiceField(
        queryset=Region.objects.filter(level=RegionLevel.COMMUNITY), widget=forms.HiddenInput
    )
    summary = forms.CharField(max_length=200, widget=forms.HiddenInput)
    source = forms.CharField(max_length=60, required=False, widget=forms.HiddenInput)
    visit = forms.IntegerField(required=False, widget=forms.HiddenInput)
    appeal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    volunteer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    organization = forms.IntegerField(required=False, widget=forms.HiddenInput)
    due_on = forms.DateField(label=_("完成期限"), widget=DATE)


class HelpAnswerForm(forms.Form):
    note = forms.CharField(label=_("说明（婉拒时必填）"), max_length=200, required=False)


class HelpDoneForm(forms.Form):
    note = forms.CharField(label=_("服务情况"), widget=forms.Textarea(attrs={"rows": 2}))
    hours = forms.DecimalField(
        label=_("服务时长（小时，志愿者填写）"), min_value=0, max_value=24, decimal_places=1, required=False
    )

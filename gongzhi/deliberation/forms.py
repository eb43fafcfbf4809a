from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.choices import RegionLevel
from gongzhi.core.models import Region, Unit

from .choices import (
    BallotChoice,
    ElectorateBasis,
    MeetingKind,
    ParticipantRole,
    Stance,
    TopicSource,
    VoteRule,
)

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def communities():
    return Region.objects.filter(level=RegionLevel.COMMUNITY).order_by("path")


class TopicForm(forms.Form):
    title = forms.CharField(label=_("议题名称"), max_length=200)
    description = forms.CharField(label=_("议题说明"), widget=forms.Textarea(attrs={"rows": 4}))
    region = forms.ModelChoiceField(label=_("所属社区"), queryset=Region.objects.none())
    source = forms.ChoiceField(label=_("来源"), choices=TopicSource.choices)
    appeal_numbers = forms.CharField(label=_("关联诉求编号（逗号分隔）"), required=False)
    household = forms.CharField(label=_("您的户（门牌号）"), max_length=50, required=False)
    resident_group = forms.CharField(label=_("居民小组"), max_length=50, required=False)

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = communities()
        if not staff:
            # self.fields holds plain Fields for the stubs; these are the ones declared above.
            cast(forms.ChoiceField, self.fields["source"]).choices = [
                (TopicSource.RESIDENT_PROPOSAL, TopicSource.RESIDENT_PROPOSAL.label)
            ]
            del self.fields["appeal_numbers"]
        else:
            cast(forms.ChoiceField, self.fields["source"]).choices = [
                c for c in TopicSource.choices if c[0] != TopicSource.RESIDENT_PROPOSAL
            ]
            del self.fields["household"]
            del self.fields["resident_group"]


class CosignForm(forms.Form):
    household = forms.CharField(label=_("户（门牌号）"), max_length=50)
    resident_group = forms.CharField(label=_("居民小组"), max_length=50, required=False)


class BasesForm(forms.Form):
    adult_residents = forms.IntegerField(label=_("18周岁以上居民人数"), min_value=0)
    households = forms.IntegerField(label=_("户数"), min_value=0)
    resident_groups = forms.IntegerField(label=_("居民小组数"), min_value=0)


class OpinionForm(forms.Form):
    stance = forms.ChoiceField(label=_("立场"), choices=Stance.choices, initial=Stance.OTHER)
    body = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    parent_id = forms.IntegerField(required=False, widget=forms.HiddenInput)


class OfflineOpinionForm(forms.Form):
    author_name = forms.CharField(label=_("意见人"), max_length=50)
    source = forms.CharField(label=_("来源（入户走访、座谈会、来信…）"), max_length=200)
    stance = forms.ChoiceField(label=_("立场"), choices=Stance.choices, initial=Stance.OTHER)
    body = forms.CharField(label=_("意见"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=1000, required=False)


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("会议类型"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("会议名称"), max_length=200)
    agenda = forms.CharField(label=_("议程"), widget=forms.Textarea(attrs={"rows": 3}))
    location = forms.CharField(label=_("地点"), max_length=200)
    starts_at = forms.DateTimeField(label=_("开始时间"), widget=DATETIME)
    register_id = forms.IntegerField(
        label=_("业主名册编号（业主大会会议：通知名册中的全体业主）"), required=False
    )


class NoticeForm(forms.Form):
    committee_informed = forms.BooleanField(label=_("已告知居民委员会"), required=False)


class ParticipantForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=50)
    role = forms.ChoiceField(label=_("身份"), choices=ParticipantRole.choices)
    unit = forms.ModelChoiceField(
        label=_("所属单位"), queryset=Unit.objects.filter(is_active=True), required=False
    )


class RegisterForm(forms.Form):
    role = forms.ChoiceField(
        label=_("参会身份"), choices=ParticipantRole.choices, initial=ParticipantRole.RESIDENT_REP
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("会议纪要"), widget=forms.Textarea(attrs={"rows": 5}))


class OwnerRegisterForm(forms.Form):
    name = forms.CharField(label=_("名册名称"), max_length=100)
    region = forms.ModelChoiceField(label=_("所属社区"), queryset=Region.objects.none())
    rows = forms.CharField(
        label=_(
            "名册（每行：房号,业主姓名,面积,手机号,身份证号；后两项可空。同一人有多套房屋时填同一身份证号，"
            "才算一位业主；不填则每行算一位业主。建设单位未售房屋业主姓名写「建设单位」）"
        ),
        widget=forms.Textarea(
            attrs={"rows": 8, "placeholder": "1-101,张三,89.50,13800138000,430102199001011238"}
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = communities()

    def clean_rows(self):
        parsed = []
        for n, line in enumerate(self.cleaned_data["rows"].splitlines(), start=1):
            line = line.strip().replace("，", ",")
            if not line:
                continue
            parts = [p.strip() for p in line.split(",")]
            if len(parts) < 3:
                raise forms.ValidationError(
                    _("第%(n)s行格式不对，应为：房号,业主姓名,面积[,手机号,身份证号]") % {"n": n}
                )
            parts += ["", ""]
            parsed.append(
                {
                    "unit": parts[0],
                    "owner": parts[1],
                    "area": parts[2],
                    "phone": parts[3],
                    "id_number": parts[4],
                    "developer": parts[1] == "建设单位",
                }
            )
        if not parsed:
            raise forms.ValidationError(_("名册不能为空。"))
        return parsed


class VoteForm(forms.Form):
    question = forms.CharField(label=_("表决事项"), max_length=300)
    rule = forms.ChoiceField(label=_("表决规则"), choices=VoteRule.choices)
    major = forms.BooleanField(
        label=_("重大事项（筹集维修资金、改建重建、改变共有部分用途）"), required=False
    )
    secret = forms.BooleanField(label=_("不记名投票"), required=False)
    register_id = forms.IntegerField(label=_("业主名册编号"), required=False)
    basis = forms.ChoiceField(
        label=_("投票人范围（居民会议）"),
        required=False,
        choices=[
            ("", "—"),
            *[(v, label) for v, label in ElectorateBasis.choices if v != ElectorateBasis.MEMBERS],
        ],
    )


class ElectorsForm(forms.Form):
    """The list of electors, one per line: 姓名,户（门牌号）,居民小组,手机号 — the number links the person's account
    (now, or when they first log in with it) so that they can vote online."""

    vote_id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    rows = forms.CharField(
        label=_(
            "投票人名单（每行：姓名,户（门牌号）,居民小组,手机号；后三项可空，填手机号的居民可在线投票）"
        ),
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "张三,3栋2单元301,第一居民小组,13800138000"}),
    )

    def clean_rows(self):
        parsed = []
        for line in self.cleaned_data["rows"].splitlines():
            line = line.strip().replace("，", ",").replace("\t", ",")
            if not line:
                continue
            parts = [p.strip() for p in line.split(",")] + ["", "", ""]
            name, household, group, phone = parts[:4]
            parsed.append({"name": name, "household": household, "resident_group": group, "phone": phone})
        if not parsed:
            raise forms.ValidationError(_("请至少填写一名投票人。"))
        return parsed


class BallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("表决意见"), choices=BallotChoice.choices, widget=forms.RadioSelect)


class PaperBallotForm(forms.Form):
    choice = forms.ChoiceField(label=_("表决意见"), choices=BallotChoice.choices)
    owner_id = forms.IntegerField(label=_("业主"), required=False)
    elector_id = forms.IntegerField(label=_("投票人"), required=False)
    proxy_name = forms.CharField(label=_("受托人姓名（委托投票时填）"), max_length=50, required=False)
    proxy_scope = forms.CharField(label=_("委托事项"), max_length=200, required=False)
    proxy_document = forms.FileField(label=_("书面委托书（业主签名，照片或PDF）"), required=False)
    paper_number = forms.CharField(label=_("纸质票编号"), max_length=50, required=False)


class ResolutionForm(forms.Form):
    text = forms.CharField(label=_("决议内容"), widget=forms.Textarea(attrs={"rows": 3}))
    vote_id = forms.IntegerField(label=_("依据的表决"), required=False)


class TaskForm(forms.Form):
    title = forms.CharField(label=_("任务"), max_length=200)
    unit = forms.ModelChoiceField(label=_("责任单位"), queryset=Unit.objects.filter(is_active=True))
    due_date = forms.DateField(label=_("完成期限"), widget=forms.DateInput(attrs={"type": "date"}))
    weight = forms.IntegerField(label=_("权重"), min_value=1, max_value=100, initial=1)


class ProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("进度(%)"), min_value=0, max_value=100)
    note = forms.CharField(label=_("进展说明"), max_length=2000, required=False)

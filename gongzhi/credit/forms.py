"""Forms of the credit pages: they parse input; every rule is checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.appeals.choices import AppealKind
from gongzhi.appeals.forms import CategoryField, RegionField
from gongzhi.core.phones import validate_contact_phone

from .choices import (
    DeletionGround,
    Ground,
    Harm,
    ObjectionGround,
    PenaltyType,
    RepairGround,
    Settlement,
    Severity,
)
from .models import Enterprise
from .services import CORRECTABLE


class DateInput(forms.DateInput):
    input_type = "date"


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput())


class EnterpriseForm(forms.Form):
    name = forms.CharField(label=_("企业名称"), max_length=200)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=18, min_length=18)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50, required=False)
    address = forms.CharField(label=_("住所"), max_length=200, required=False)
    contact_name = forms.CharField(label=_("联系人"), max_length=50)
    contact_phone = forms.CharField(label=_("联系人手机号"), max_length=11)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("联系人姓名"), max_length=50)
    phone = forms.CharField(
        label=_("手机号"),
        max_length=11,
        help_text=_("联系人用此手机号验证码登录后，即可查看本企业信用页面。"),
    )
    email = forms.EmailField(label=_("邮箱"), required=False)
    is_primary = forms.BooleanField(label=_("主要联系人"), required=False)


class CaseForm(forms.Form):
    enterprise = forms.ModelChoiceField(label=_("被执行人"), queryset=Enterprise.objects.all())
    court = forms.CharField(label=_("执行法院"), max_length=100)
    case_number = forms.CharField(label=_("执行案号"), max_length=100)
    basis_document = forms.CharField(label=_("执行依据"), max_length=200)
    creditor = forms.CharField(label=_("申请执行人"), max_length=200)
    obligation = forms.CharField(label=_("履行义务"), widget=forms.Textarea(attrs={"rows": 2}))
    amount = forms.DecimalField(label=_("标的金额（元）"), min_value=0, max_digits=16, decimal_places=2)
    filed_on = date_field(_("立案日期"))
    warned_on = date_field(_("执行通知（风险提示）日期"))
    creditor_applied_on = date_field(_("申请执行人申请纳入日期"), required=False)


class NoticeForm(forms.Form):
    grace_months = forms.TypedChoiceField(
        label=_("宽限期"), coerce=int, choices=[(1, _("1个月")), (2, _("2个月")), (3, _("3个月"))]
    )
    intended_ground = forms.ChoiceField(label=_("拟纳入情形"), choices=Ground.choices)
    reason = forms.CharField(label=_("给予宽限期的理由"), widget=forms.Textarea(attrs={"rows": 2}))
    notice_number = forms.CharField(label=_("通知书文号"), required=False)
    notice_on = date_field(_("通知日期"), required=False)


class SettleForm(forms.Form):
    settlement = forms.ChoiceField(label=_("履行方式"), choices=Settlement.choices)
    settled_on = date_field(_("履行日期"), required=False)
    performed_amount = forms.DecimalField(label=_("已履行金额（元）"), required=False, min_value=0)
    note = forms.CharField(label=_("说明"), required=False)


class DecideForm(forms.Form):
    ground = forms.ChoiceField(label=_("纳入情形"), choices=Ground.choices)
    decision_number = forms.CharField(label=_("决定书文号"))
    reason = forms.CharField(label=_("纳入理由"), widget=forms.Textarea(attrs={"rows": 2}))
    signed_by = forms.CharField(label=_("签发人（院长）"))
    decided_on = date_field(_("决定日期"))
    served_on = date_field(_("送达日期"))
    term_years = forms.IntegerField(label=_("纳入期限（年，G2–G6填2）"), required=False)
    extension_years = forms.IntegerField(label=_("延长（年）"), required=False, initial=0)
    extension_reason = forms.CharField(label=_("延长理由"), required=False)
    debtor_is_minor = forms.BooleanField(label=_("被执行人为未成年人"), required=False)
    is_unit_officer = forms.BooleanField(label=_("系单位的法定代表人、负责人或实际控制人"), required=False)
    full_security = forms.BooleanField(label=_("已提供充分有效担保"), required=False)
    seized_assets_sufficient = forms.BooleanField(label=_("已查封扣押冻结财产足以清偿"), required=False)
    later_in_order = forms.BooleanField(label=_("履行顺序在后"), required=False)


class PublishForm(forms.Form):
    published_on = date_field(_("公布日期"), required=False)


class CorrectForm(forms.Form):
    field = forms.ChoiceField(label=_("更正事项"), choices=[(f, f) for f in sorted(CORRECTABLE)])
    value = forms.CharField(label=_("更正为"))
    reason = forms.CharField(label=_("更正理由"))

    def service_kwargs(self):
        data = self.cleaned_data
        return {"changes": {data["field"]: data["value"]}, "reason": data["reason"]}


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class DeleteForm(forms.Form):
    ground = forms.ChoiceField(label=_("删除事由"), choices=DeletionGround.choices)
    event_on = date_field(_("事由发生日期"), required=False)
    note = forms.CharField(label=_("说明"), required=False)


class ExtendForm(forms.Form):
    years = forms.IntegerField(label=_("延长年数"), min_value=1, max_value=3)
    reason = forms.CharField(label=_("延长理由"))


class ObjectionForm(forms.Form):
    ground = forms.ChoiceField(label=_("申请理由"), choices=ObjectionGround.choices)
    statement = forms.CharField(label=_("申请内容"), widget=forms.Textarea(attrs={"rows": 3}))


class RepairForm(forms.Form):
    ground = forms.ChoiceField(label=_("修复理由"), choices=RepairGround.choices)
    statement = forms.CharField(label=_("情况说明"), widget=forms.Textarea(attrs={"rows": 3}))
    commitment = forms.CharField(
        label=_("信用承诺"),
        widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("本单位承诺所提交材料真实、准确、完整，今后诚信履约；如违反承诺，自愿承担相应法律责任。"),
    )
    evidence = forms.FileField(label=_("证明材料（PDF或图片）"))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label=_("审查结论"), coerce=lambda v: v == "yes", choices=[("yes", _("准予")), ("no", _("不予"))]
    )
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class QueryForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), max_length=100, required=False)


# ---------------------------------------------------------------- enterprise appeals


class EnterpriseAppealForm(forms.Form):
    """An appeal by an enterprise (its contact) or recorded for it by an operator (with the caller's name/phone)."""

    kind = forms.ChoiceField(label=_("诉求类型"), choices=AppealKind.choices, initial=AppealKind.HELP)
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        min_length=4,
        widget=forms.TextInput(attrs={"placeholder": _("一句话说明企业遇到的问题")}),
    )
    content = forms.CharField(
        label=_("诉求内容"),
        min_length=10,
        widget=forms.Textarea(
            attrs={
                "rows": 5,
                "placeholder": _("请写明企业遇到的困难、涉及的部门或事项，以及希望如何解决，至少10个字"),
            }
        ),
    )
    region = RegionField(label=_("企业所在社区/网格"))
    address = forms.CharField(label=_("详细地址"), max_length=200, required=False)
    category = CategoryField(label=_("诉求分类"), required=False, help_text=_("选填，不清楚可不选。"))
    attachment = forms.FileField(label=_("附件（选填，图片或PDF）"), required=False)
    contact_name = forms.CharField(
        label=_("来电联系人"), max_length=50, required=False, help_text=_("留空则为企业主要联系人")
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        validators=[validate_contact_phone],
        help_text=_("手机号或带区号的固定电话；留空则为企业主要联系人的手机号"),
    )

    def __init__(self, *args, on_behalf: bool = False, enterprise=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not on_behalf:  # a contact speaks for the enterprise themselves
            del self.fields["contact_name"], self.fields["contact_phone"]
        if enterprise is not None and enterprise.region_id and not self.is_bound:
            self.initial.setdefault("region", str(enterprise.region_id))
            self.initial.setdefault("address", enterprise.address)

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        attachment = data.pop("attachment", None)
        data["attachments"] = [attachment] if attachment else []
        return data


# ---------------------------------------------------------------- administrative penalties (C, D)


class PenaltyCheckForm(forms.Form):
    """Step 1: the facts and the Art. 33 questions, answered before any penalty may be recorded."""

    facts = forms.CharField(label=_("违法事实"), widget=forms.Textarea(attrs={"rows": 3}))
    first_violation = forms.BooleanField(label=_("初次违法"), required=False)
    minor_violation = forms.BooleanField(label=_("违法行为轻微"), required=False)
    corrected_promptly = forms.BooleanField(label=_("及时改正"), required=False)
    harm = forms.ChoiceField(label=_("危害后果"), choices=Harm.choices, initial=Harm.OTHER)
    no_fault_proven = forms.BooleanField(label=_("当事人有证据足以证明没有主观过错"), required=False)

    def factors(self) -> dict:
        return {
            k: self.cleaned_data[k]
            for k in ("first_violation", "minor_violation", "corrected_promptly", "harm", "no_fault_proven")
        }


class PenaltyRecordForm(forms.Form):
    """Step 2 when a penalty may be imposed: the decision, its types and the classification."""

    authority = forms.CharField(label=_("处罚机关"), max_length=100)
    decision_number = forms.CharField(label=_("处罚决定书文号"), max_length=100)
    decided_on = date_field(_("处罚决定日期"))
    penalty_types = forms.MultipleChoiceField(
        label=_("处罚种类"), choices=PenaltyType.choices, widget=forms.CheckboxSelectMultiple
    )
    fine_amount = forms.DecimalField(
        label=_("罚款金额（元）"), required=False, min_value=0, max_digits=14, decimal_places=2
    )
    severity = forms.ChoiceField(
        label=_("失信程度（按行业主管部门的认定标准）"),
        choices=[("", _("请选择")), *Severity.choices],
        help_text=_(
            "轻微：如适用简易程序、警告、通报批评；一般：如较大数额罚款、没收；"
            "严重：如巨额罚款、吊销许可证件、限制从业。"
        ),
    )
    performed = forms.BooleanField(label=_("已全面履行处罚决定并纠正失信行为"), required=False)
    exemption_declined_reason = forms.CharField(
        label=_("不适用首违不罚、仍予处罚的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    band = forms.TypedChoiceField(
        label=_("违法行为和裁量等级（裁量基准）"),
        coerce=int,
        required=False,
        empty_value=None,
        help_text=_("按本领域的行政处罚裁量基准选择；处罚种类和罚款须在该等级的范围内。"),
    )
    outside_reason = forms.CharField(
        label=_("超出裁量基准的理由（超出时必填，并由另一名信用专员审批）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        from .discretion import band_text
        from .models import DiscretionBand

        super().__init__(*args, **kwargs)
        bands = DiscretionBand.objects.filter(benchmark__is_active=True).select_related("benchmark")
        self.fields["band"].choices = [("", _("本领域暂无裁量基准"))] + [
            (b.pk, f"{b.benchmark.code} {b.benchmark.violation} — {b.get_grade_display()}（{band_text(b)}）")
            for b in bands.order_by("benchmark__field", "benchmark__code", "id")
        ]


class ExemptionDecisionForm(forms.Form):
    """Step 2 when Art. 33 forbids the penalty, or the officer chooses not to impose one: 不予行政处罚决定."""

    authority = forms.CharField(label=_("行政机关"), max_length=100)
    decision_number = forms.CharField(label=_("不予处罚决定书文号"), max_length=100)
    decided_on = date_field(_("决定日期"))
    reason = forms.CharField(
        label=_("不予处罚的理由"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    education = forms.CharField(
        label=_("对当事人进行的教育（第33条第3款）"),
        widget=forms.Textarea(attrs={"rows": 2}),
        initial=_("已当面指出违法行为，讲解相关法律规定，督促当事人依法合规经营。"),
    )


class PerformedForm(forms.Form):
    note = forms.CharField(label=_("履行情况说明"), widget=forms.Textarea(attrs={"rows": 2}))


class EnterpriseSearchForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), max_length=100, required=False)

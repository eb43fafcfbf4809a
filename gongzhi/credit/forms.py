"""Forms of the credit pages: they parse input; every rule is checked by the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import DeletionGround, Ground, ObjectionGround, RepairGround, Settlement
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
    grace_months = forms.TypedChoiceField(label=_("宽限期"), coerce=int,
                                          choices=[(1, _("1个月")), (2, _("2个月")), (3, _("3个月"))])
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
        label=_("信用承诺"), widget=forms.Textarea(attrs={"rows": 3}),
        initial=_("本单位承诺所提交材料真实、准确、完整，今后诚信履约；如违反承诺，自愿承担相应法律责任。"))
    evidence = forms.FileField(label=_("证明材料（PDF或图片）"))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label=_("审查结论"), coerce=lambda v: v == "yes",
                                     choices=[("yes", _("准予")), ("no", _("不予"))])
    reason = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 2}))


class QueryForm(forms.Form):
    q = forms.CharField(label=_("企业名称或统一社会信用代码"), max_length=100, required=False)


ACTION_FORMS = {
    "issue_notice": NoticeForm, "settle": SettleForm, "decide_listing": DecideForm, "publish": PublishForm,
    "correct": CorrectForm, "revoke": ReasonForm, "delete": DeleteForm, "extend_term": ExtendForm,
}

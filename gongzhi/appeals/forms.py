"""Forms of the appeal pages: intake, filters, one small form per workflow action, tracking.

Forms parse and check input shape; the services decide (and refuse with Chinese messages).
"""

import re
import secrets

from django import forms
from django.utils.translation import gettext_lazy as _

from gongzhi.core.choices import RegionLevel
from gongzhi.core.forms import ChineseForm
from gongzhi.core.models import Region, Unit
from gongzhi.core.phones import clean_contact_phone

from . import selectors
from .choices import (
    STAFF_CHANNELS,
    AppealKind,
    AppealState,
    Channel,
    Light,
    ReferTarget,
    Satisfaction,
    Urgency,
)
from .models import Appeal, Category, KnowledgeArticle

YES_NO = [("1", _("是")), ("0", _("否"))]


# ---------------------------------------------------------------- pieces


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks each one's type and size."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={
                    "accept": "image/*,audio/*,application/pdf,.jpg,.jpeg,.png,.gif,.webp,.mp3,.wav,.m4a,.pdf"
                }
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def resident_region_choices() -> list:
    """The communities, grouped by street: what a resident knows of where they live (grids are staff's cells)."""
    return region_choices(grids=False, empty=_("请选择您所在的社区"))


def region_choices(grids: bool = True, empty=None) -> list:
    """Communities and grids, grouped by street (one <optgroup> per street)."""
    groups: dict[int, tuple[str, list]] = {}
    names: dict[int, str] = {}
    rows = (
        Region.objects.filter(level__in=[RegionLevel.STREET, RegionLevel.COMMUNITY, RegionLevel.GRID])
        .order_by("path")
        .values_list("pk", "name", "level", "parent_id")
    )
    parent_of = {}
    for pk, name, level, parent_id in rows:
        names[pk] = name
        parent_of[pk] = parent_id
        if level == RegionLevel.STREET:
            groups[pk] = (name, [])
        elif level == RegionLevel.COMMUNITY and parent_id in groups:
            groups[parent_id][1].append((str(pk), name))
        elif grids and level == RegionLevel.GRID and parent_of.get(parent_id) in groups:
            groups[parent_of[parent_id]][1].append((str(pk), f"{names.get(parent_id, '')} · {name}"))
    return [("", empty or _("请选择所在社区或网格"))] + [
        (label, options) for label, options in groups.values() if options
    ]


def category_choices() -> list:
    rows = (
        Category.objects.filter(level=3, is_active=True)
        .select_related("parent__parent")
        .order_by("parent__parent__code", "code")
    )
    groups: dict[str, list] = {}
    for cat in rows:
        top = cat.parent.parent.name if cat.parent and cat.parent.parent else ""
        groups.setdefault(top, []).append(
            (str(cat.pk), f"{cat.parent.name} / {cat.name}" if cat.parent else cat.name)
        )
    return [("", _("不清楚，由工作人员分类")), *groups.items()]


class RegionField(forms.TypedChoiceField):
    def __init__(self, choices=region_choices, **kwargs):
        super().__init__(choices=choices, coerce=self.to_region, **kwargs)

    @staticmethod
    def to_region(value):
        return Region.objects.get(pk=int(value))


class ResidentRegionField(RegionField):
    """The communities to choose from; a grid's id (an older form, a link made by staff) is still taken."""

    def __init__(self, **kwargs):
        super().__init__(choices=resident_region_choices, **kwargs)

    def valid_value(self, value):
        return super().valid_value(value) or (
            str(value).isdigit() and Region.objects.filter(pk=int(value), level=RegionLevel.GRID).exists()
        )


class CategoryField(forms.TypedChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=category_choices, coerce=self.to_category, empty_value=None, **kwargs)

    @staticmethod
    def to_category(value):
        return Category.objects.get(pk=int(value))


# ---------------------------------------------------------------- intake

WEB_TOKEN_PREFIX = "web-"
WEB_TOKEN_RE = re.compile(r"^web-[A-Za-z0-9_-]{20,59}$")


def new_submit_token() -> str:
    return WEB_TOKEN_PREFIX + secrets.token_urlsafe(24)


class AppealForm(ChineseForm):
    """The resident's form (mobile first). Name and phone only for people not logged in."""

    kind = forms.ChoiceField(label=_("诉求类型"), choices=AppealKind.choices, initial=AppealKind.COMPLAINT)
    title = forms.CharField(
        label=_("标题"),
        max_length=200,
        min_length=4,
        widget=forms.TextInput(attrs={"placeholder": _("一句话说明问题，如：小区路灯不亮")}),
    )
    content = forms.CharField(
        label=_("诉求内容"),
        min_length=10,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("请写明时间、地点、问题和您的诉求，至少10个字")}
        ),
    )
    region: RegionField = ResidentRegionField(
        label=_("所在小区/社区"),
        help_text=_("按街道分组。问题不在您家附近时，选问题所在的社区；在下方地图上点选位置也会自动选好。"),
        required=False,
        empty_value=None,
    )
    address = forms.CharField(
        label=_("详细地址"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("如：幸福小区3栋1单元")}),
    )
    category = CategoryField(label=_("诉求分类"), required=False, help_text=_("选填，不清楚可不选。"))
    appellant_name = forms.CharField(label=_("您的姓名"), max_length=50, required=False)
    appellant_phone = forms.CharField(
        label=_("联系电话"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("手机号或带区号的固定电话（如 0731-84561234），用于承办单位联系您和回访，全程加密显示。"),
    )
    anonymous = forms.BooleanField(label=_("匿名反映（不回访，不计入满意度）"), required=False)
    confidential = forms.BooleanField(label=_("保密（对承办单位隐藏我的身份）"), required=False)
    attachments = MultipleFileField(
        label=_("图片/音频/PDF附件"), required=False, help_text=_("最多9个，每个不超过10MB。")
    )

    # The place picked on the map (appeals/_place_picker.html), WGS-84; optional, and without a region chosen the
    # region is the one whose boundary holds the place (submit_appeal).
    longitude = forms.DecimalField(
        widget=forms.HiddenInput,
        required=False,
        max_digits=10,
        decimal_places=6,
        min_value=-180,
        max_value=180,
    )
    latitude = forms.DecimalField(
        widget=forms.HiddenInput, required=False, max_digits=9, decimal_places=6, min_value=-90, max_value=90
    )

    # A one-time token per form shown (the API's idempotency key, Appeal.client_key): a double tap's second
    # request finds the appeal the first made instead of making another.
    submit_token = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    field_order = [
        "kind",
        "title",
        "content",
        "region",
        "address",
        "category",
        "appellant_name",
        "appellant_phone",
        "anonymous",
        "confidential",
        "attachments",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["submit_token"] = new_submit_token()
        self.fields["title"].error_messages["min_length"] = _("标题至少4个字。")
        self.fields["content"].error_messages["min_length"] = _("诉求内容至少10个字，请写清楚问题。")
        if user is not None and user.is_authenticated:
            del self.fields["appellant_name"]
            del self.fields["appellant_phone"]
            home = selectors.home_community(user)
            if home is not None and not self.is_bound:
                self.initial.setdefault("region", str(home.pk))

    def clean_submit_token(self):
        token = self.cleaned_data.get("submit_token") or ""
        return token if WEB_TOKEN_RE.match(token) else None

    def clean_appellant_phone(self):
        return clean_contact_phone(self.cleaned_data.get("appellant_phone"))

    def clean(self):
        data = super().clean()
        if data.get("region") is None and "region" not in self.errors and data.get("longitude") is None:
            self.add_error("region", _("请选择诉求发生的区域，或在地图上点选位置。"))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["attachments"] = data.get("attachments") or []
        data["client_key"] = data.pop("submit_token", None)
        return data


class StaffAppealForm(AppealForm):
    """Intake by staff for people who call, come, write, or do not go online (代办), and grid findings."""

    channel = forms.ChoiceField(label=_("受理渠道"), choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    urgency = forms.ChoiceField(
        label=_("紧急程度"),
        initial=Urgency.NORMAL,
        choices=[(u.value, u.label) for u in Urgency if u != Urgency.COMPLEX],
    )
    appellant_id_number = forms.CharField(
        label=_("身份证号"),
        max_length=18,
        required=False,
        help_text=_("涉及本人权益（社保、户籍、不动产等）时才需要。"),
    )
    id_number_consent = forms.BooleanField(
        label=_("已向诉求人说明身份证号的用途（核实身份，仅承办单位可见）并取得其单独同意"), required=False
    )
    region = RegionField(label=_("所在社区/网格"), required=False, empty_value=None)

    field_order = [
        "channel",
        "urgency",
        "appellant_name",
        "appellant_phone",
        "appellant_id_number",
        "id_number_consent",
        "kind",
        "title",
        "content",
        "region",
        "address",
        "category",
        "anonymous",
        "confidential",
        "attachments",
    ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=None, **kwargs)
        self.fields["appellant_name"].label = _("诉求人姓名")
        self.fields["appellant_phone"].label = _("诉求人电话")
        self.fields["appellant_phone"].help_text = _(
            "手机号或带区号的固定电话；网格员上报自己巡查发现的问题时可不填。"
        )
        self.fields["anonymous"].label = _("匿名")
        self.fields["confidential"].label = _("保密（对承办单位隐藏诉求人身份）")
        self.order_fields(self.field_order)


# ---------------------------------------------------------------- lists


class AppealFilterForm(ChineseForm):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("编号、标题、内容或地址")}),
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *AppealState.choices]
    )
    light = forms.ChoiceField(
        label=_("时限"),
        required=False,
        choices=[
            ("", _("全部")),
            (Light.RED, _("超期（红灯）")),
            (Light.YELLOW, _("临期（黄灯）")),
            (Light.GREEN, _("正常（绿灯）")),
        ],
    )
    channel = forms.ChoiceField(
        label=_("渠道"), required=False, choices=[("", _("全部渠道")), *Channel.choices]
    )
    sort = forms.ChoiceField(
        label=_("排序"),
        required=False,
        choices=[("urgent", _("最紧急")), ("newest", _("最新")), ("oldest", _("最早"))],
    )
    receiver = forms.ChoiceField(
        label=_("首接人"),
        required=False,
        choices=[
            ("", _("全部")),
            ("mine", _("我首接的")),
            ("none", _("尚无人首接")),
            ("taken", _("已有首接人")),
        ],
    )


class TrackForm(ChineseForm):
    number = forms.CharField(label=_("诉求编号"), max_length=20)
    code = forms.CharField(
        label=_("查询码"),
        max_length=8,
        help_text=_("提交诉求时页面上显示的8位查询码。"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class RatesForm(ChineseForm):
    period = forms.RegexField(
        label=_("月份"),
        regex=r"^\d{4}-(0[1-9]|1[0-2])$",
        required=False,
        error_messages={"invalid": _("月份格式应为 年-月，如 2026-05。")},
        widget=forms.TextInput(attrs={"type": "month"}),
    )
    by = forms.ChoiceField(
        label=_("统计口径"), required=False, choices=[("unit", _("按单位")), ("street", _("按街道"))]
    )


# ---------------------------------------------------------------- one form per action


class ActionForm(ChineseForm):
    """Base of the action forms; `service_kwargs` maps the cleaned data to the service's keywords."""

    submit_label = _("提交")

    def __init__(self, *args, user=None, appeal=None, **kwargs):
        self.user, self.appeal = user, appeal
        super().__init__(*args, **kwargs)

    def service_kwargs(self) -> dict:
        return dict(self.cleaned_data)


def note_field(label=None, required=False, rows=2, min_length=None):
    """A text box; `min_length` is the service's minimum, said up front (help text and the minlength attribute)
    rather than learnt from a refusal."""
    return forms.CharField(
        label=label or _("备注"),
        required=required,
        min_length=min_length,
        widget=forms.Textarea(attrs={"rows": rows}),
        help_text=_("至少%(n)s个字。") % {"n": min_length} if min_length else "",
    )


class NoteForm(ActionForm):
    note = note_field()


class RequiredNoteForm(ActionForm):
    note = note_field(_("意见"), required=True)


class DispatchForm(ActionForm):
    submit_label = _("派单")
    lead_unit = forms.ModelChoiceField(
        label=_("主办单位"), queryset=Unit.objects.filter(is_active=True), empty_label=_("请选择主办单位")
    )
    co_units = forms.ModelMultipleChoiceField(
        label=_("协办单位"),
        queryset=Unit.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "picker-option"}),
        help_text=_("选填，可勾选多个；在上方输入名称可筛选。"),
    )
    category = forms.ModelChoiceField(
        label=_("诉求分类"),
        queryset=Category.objects.filter(is_active=True),
        required=False,
        empty_label=_("不变"),
        help_text=_("诉求未分类时预选系统建议的分类。"),
    )
    note = note_field(_("派单意见"))


class AnswerDirectlyForm(ActionForm):
    submit_label = _("直接答复")
    article = forms.ModelChoiceField(
        label=_("引用知识库"),
        queryset=KnowledgeArticle.objects.filter(is_active=True),
        required=False,
        empty_label=_("不引用"),
    )
    text = note_field(_("答复内容"), required=True, rows=4, min_length=10)


class MergeForm(ActionForm):
    submit_label = _("并单")
    master = forms.CharField(label=_("主诉求编号"), max_length=20)
    note = note_field()

    def clean_master(self):
        number = self.cleaned_data["master"].strip()
        master = Appeal.objects.filter(number=number).first()
        if master is None:
            raise forms.ValidationError(_("未找到编号为 %(n)s 的诉求。") % {"n": number})
        return master


class ReferOutForm(ActionForm):
    submit_label = _("转办/告知")
    target = forms.ChoiceField(label=_("去向或途径"), choices=[("", _("请选择")), *ReferTarget.choices])
    reason = note_field(_("理由"), required=True, min_length=4)


class WithdrawForm(ActionForm):
    """Withdrawing ends the appeal for good: the page asks the appellant to confirm (a box to tick, no script)."""

    submit_label = _("确认撤回")
    reason = note_field(_("撤回原因（选填）"))
    confirm = forms.BooleanField(
        label=_("我确认撤回这件诉求，承办单位将停止办理"),
        error_messages={"required": _("撤回前请勾选确认。")},
    )

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class SignForm(NoteForm):
    submit_label = _("签收")


class RequestReturnForm(ActionForm):
    submit_label = _("申请退单")
    reason = note_field(_("退单理由"), required=True, min_length=5)


class ApproveReturnForm(NoteForm):
    submit_label = _("同意退单")


class RejectReturnForm(ActionForm):
    submit_label = _("驳回退单")
    note = note_field(_("驳回理由"), required=True, min_length=4)


class RecordContactForm(ActionForm):
    submit_label = _("已联系诉求人")
    note = note_field(_("联系情况"))


class RecordProgressForm(ActionForm):
    submit_label = _("记录进展")
    note = note_field(_("办理进展"), required=True, min_length=2)


class RequestExtensionForm(ActionForm):
    submit_label = _("申请延期")
    working_days = forms.IntegerField(label=_("延期工作日"), min_value=1, max_value=15, initial=5)
    reason = note_field(_("延期理由"), required=True, min_length=5)


class ApproveExtensionForm(NoteForm):
    submit_label = _("批准延期")


class DenyExtensionForm(ActionForm):
    submit_label = _("不予延期")
    note = note_field(_("理由"), required=True, min_length=2)


class ReplyForm(ActionForm):
    submit_label = _("办结答复")
    text = note_field(_("答复内容"), required=True, rows=4, min_length=10)


class SupplementForm(ActionForm):
    """补充材料: text and/or photos the appellant adds to their open appeal."""

    submit_label = _("提交补充")
    text = forms.CharField(
        label=_("补充内容"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("补充情况说明，或只上传照片。"),
    )
    attachments = MultipleFileField(
        label=_("照片或附件"), required=False, help_text=_("最多9个，每个不超过10MB。")
    )

    def clean(self):
        data = super().clean()
        if not (data.get("text") or "").strip() and not data.get("attachments"):
            self.add_error("text", _("请填写补充内容或上传照片。"))
        return data


class AskForm(ActionForm):
    """询问: the handler asks the appellant a question (they are told by SMS and may reply to it)."""

    submit_label = _("发送询问")
    question = note_field(_("询问内容"), required=True, rows=3, min_length=4)


class AnswerForm(ActionForm):
    submit_label = _("提交答复")
    text = note_field(_("您的答复"), required=True, rows=3)


class CallbackForm(ActionForm):
    """回访: the resident rates online; an operator records a phone callback (and whether it got through)."""

    submit_label = _("提交评价")
    reached = forms.BooleanField(label=_("回访已接通"), required=False, initial=True)
    contacted = forms.TypedChoiceField(
        label=_("承办单位是否联系过您？"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=lambda v: v == "1",
        required=False,
    )
    solved = forms.TypedChoiceField(
        label=_("问题是否已解决？"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        coerce=lambda v: v == "1",
        required=False,
    )
    satisfaction = forms.ChoiceField(
        label=_("您对办理结果是否满意？"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    comment = note_field(_("意见建议"))

    # The operator reads the questions to the appellant on the phone: the script as said, then records the answers.
    PHONE_SCRIPT = {
        "contacted": _("请问承办单位是否联系过您？"),
        "solved": _("请问您反映的问题解决了吗？"),
        "satisfaction": _("请问您对办理结果满意吗？满意、基本满意还是不满意？"),
        "comment": _("诉求人的意见（照实记录）"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.user is not None and not self.user.has_role("operator"):
            del self.fields["reached"]
        elif self.user is not None:
            self.submit_label = _("记录回访结果")
            self.fields["reached"].help_text = _("未接通时取消勾选，只记录未接通。")
            for name, question in self.PHONE_SCRIPT.items():
                self.fields[name].label = question
            self.fields["contacted"].help_text = _("照读问题，按诉求人的回答选择。")

    def clean(self):
        data = super().clean()
        if data.get("reached", True):
            for name in ("contacted", "solved", "satisfaction"):
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, _("请选择一项。"))
        return data

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.setdefault("reached", True)
        if not data["reached"]:
            data.update(contacted=None, solved=None, satisfaction="")
        return data


class CloseUnresolvableForm(ActionForm):
    submit_label = _("按规定办结")
    note = note_field(_("办结说明"), required=True, min_length=4)


class SuperviseForm(ActionForm):
    submit_label = _("发出")
    level = forms.TypedChoiceField(
        label=_("类型"),
        coerce=int,
        initial=0,
        choices=[(0, _("催办")), (1, _("一级督办")), (2, _("二级督办")), (3, _("三级督办"))],
    )
    note = note_field(_("督办意见"), required=True, min_length=2)

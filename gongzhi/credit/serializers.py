"""Shapes of the credit API: what goes out (cases, penalties, deliveries …) and what comes in (one input serializer
per write, and per case action).

Input serializers check types, refuse fields they do not know and look up the enterprise; the services decide what
is allowed (and still check every value, for the pages and the other callers).
"""

from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers
from rest_framework.fields import empty

from gongzhi.appeals.choices import AppealKind
from gongzhi.appeals.serializers import CategoryCodeField, RegionCodeField
from gongzhi.core.ids import parse_id
from gongzhi.core.outbox import OutboxMessage
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
from .models import (
    AdministrativePenalty,
    CaseDeadline,
    EnforcementCase,
    Enterprise,
    EnterpriseAppeal,
    PenaltyExemptionDecision,
)


class EnterpriseSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "legal_representative", "address"]


class DeadlineSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display")

    class Meta:
        model = CaseDeadline
        fields = ["kind", "kind_label", "starts_on", "due_on", "met_on"]


@extend_schema_serializer(component_name="CreditDelivery")
class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "event_type",
            "subject",
            "target_label",
            "status",
            "attempts",
            "created_at",
            "delivered_at",
            "acknowledged_at",
            "confirm_by",
            "last_error",
        ]


class CaseSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSerializer()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = EnforcementCase
        fields = [
            "id",
            "case_number",
            "court",
            "enterprise",
            "creditor",
            "basis_document",
            "obligation",
            "amount",
            "performed_amount",
            "filed_on",
            "state",
            "state_label",
            "notice_on",
            "grace_months",
            "grace_end",
            "ground",
            "decided_on",
            "served_on",
            "term_years",
            "extension_years",
            "published_on",
            "term_end",
            "deletion_ground",
            "ended_on",
        ]


class CaseDetailSerializer(CaseSerializer):
    deadlines = DeadlineSerializer(many=True)

    class Meta(CaseSerializer.Meta):
        fields = [*CaseSerializer.Meta.fields, "deadlines"]


class PublicRecordSerializer(serializers.ModelSerializer):
    """A-6: what is published (no internal fields)."""

    enterprise = serializers.CharField(source="enterprise.name")
    uscc = serializers.CharField(source="enterprise.uscc")
    legal_representative = serializers.CharField(source="enterprise.legal_representative")
    ground_label = serializers.CharField(source="get_ground_display")

    class Meta:
        model = EnforcementCase
        fields = [
            "enterprise",
            "uscc",
            "legal_representative",
            "court",
            "case_number",
            "filed_on",
            "basis_document",
            "obligation",
            "amount",
            "performed_amount",
            "ground",
            "ground_label",
            "published_on",
        ]


# ---------------------------------------------------------------- enterprise appeals


class EnterpriseAppealSerializer(serializers.ModelSerializer):
    """An enterprise's appeal and its state in the appeals workflow."""

    appeal_id = serializers.IntegerField(source="appeal.pk")
    number = serializers.CharField(source="appeal.number")
    kind = serializers.CharField(source="appeal.kind")
    channel = serializers.CharField(source="appeal.channel")
    channel_label = serializers.CharField(source="appeal.get_channel_display")
    title = serializers.CharField(source="appeal.title")
    state = serializers.CharField(source="appeal.state")
    state_label = serializers.CharField(source="appeal.status_label")
    lead_unit = serializers.CharField(source="appeal.lead_unit.name", default=None, allow_null=True)
    received_at = serializers.DateTimeField(source="appeal.received_at")
    reply_due = serializers.DateTimeField(source="appeal.reply_due", allow_null=True)
    replied_at = serializers.DateTimeField(source="appeal.replied_at", allow_null=True)
    reply_text = serializers.CharField(source="appeal.reply_text")
    closed_at = serializers.DateTimeField(source="appeal.closed_at", allow_null=True)

    class Meta:
        model = EnterpriseAppeal
        fields = [
            "id",
            "enterprise",
            "appeal_id",
            "number",
            "kind",
            "channel",
            "channel_label",
            "title",
            "state",
            "state_label",
            "lead_unit",
            "received_at",
            "reply_due",
            "replied_at",
            "reply_text",
            "closed_at",
            "on_behalf",
            "created_at",
        ]


class EnterpriseAppealInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=AppealKind.choices, label=_("诉求类型"))
    title = serializers.CharField(max_length=200, label=_("标题"))
    content = serializers.CharField(max_length=10000, label=_("诉求内容"))
    region = RegionCodeField(label=_("区域编码"))
    category = CategoryCodeField(label=_("分类编码"))
    address = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    contact_name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("话务员代为登记时：来电联系人（默认主要联系人）"),
    )
    contact_phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        validators=[validate_contact_phone],
        help_text=_("话务员代为登记时：联系电话，手机或固定电话（默认主要联系人的）"),
    )
    client_key = serializers.CharField(
        max_length=64, required=False, allow_blank=True, allow_null=True, default=None, help_text=_("幂等键")
    )


# ---------------------------------------------------------------- administrative penalties


class PenaltySerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name")
    severity_label = serializers.CharField(source="get_severity_display")

    class Meta:
        model = AdministrativePenalty
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "authority",
            "decision_number",
            "decided_on",
            "facts",
            "penalty_types",
            "fine_amount",
            "severity",
            "severity_label",
            "regime",
            "publicity_min_months",
            "publicity_max_months",
            "first_violation",
            "minor_violation",
            "corrected_promptly",
            "harm",
            "no_fault_proven",
            "exemption",
            "exemption_declined_reason",
            "performed",
            "created_at",
        ]


class ExemptionDecisionSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name")

    class Meta:
        model = PenaltyExemptionDecision
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "authority",
            "decision_number",
            "decided_on",
            "facts",
            "first_violation",
            "minor_violation",
            "corrected_promptly",
            "harm",
            "no_fault_proven",
            "exemption",
            "reason",
            "education",
            "created_at",
        ]


# ---------------------------------------------------------------- inputs: fields


class Text(serializers.CharField):
    """Text, and only text: a number, a boolean, a list or an object is refused (DRF's CharField would turn 12345
    and true into strings). Blank is allowed: the service says what a required text must hold."""

    default_error_messages = {"invalid": _("应为文字。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)  # the services strip
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        if data is None and self.allow_null:  # an optional text sent as null is the same as one not sent
            return ""
        return super().run_validation(data)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def optional_text(**kwargs):
    return Text(required=False, allow_null=True, default="", **kwargs)


class BlankIsNull:
    """An optional value sent as "" is the same as one not sent (the pages' forms and older clients send "")."""

    def run_validation(self, data=empty):
        if data == "" and self.allow_null:
            data = None
        return super().run_validation(data)


class Day(BlankIsNull, serializers.DateField):
    default_error_messages = {"invalid": _("日期格式应为 YYYY-MM-DD。")}


def optional_day(**kwargs):
    return Day(required=False, allow_null=True, default=None, **kwargs)


class Money(BlankIsNull, serializers.DecimalField):
    """An amount in yuan: at least 0, at most two decimals, as many digits as its column holds (16 for a case's
    amounts, 14 for a fine): past them PostgreSQL refuses the row with an error, not a message."""

    def __init__(self, max_digits=16, **kwargs):
        kwargs.setdefault("min_value", 0)
        super().__init__(max_digits=max_digits, decimal_places=2, **kwargs)


class Count(BlankIsNull, serializers.IntegerField):
    pass


class EnterpriseField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "required": _("请选择企业。"),
        "null": _("请选择企业。"),
        "does_not_exist": _("企业 id {pk_value} 不存在。"),
        "incorrect_type": _("企业须以 id（整数）表示。"),
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Enterprise.objects.all(), **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        pk = parse_id(data)  # "abc", "³" or past a 64-bit key: no row, never an overflow in the driver
        if pk is None:
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(pk)


# Sent by a browser's form for the transport, not for the action (a session's CSRF token).
TRANSPORT_FIELDS = {"csrfmiddlewaretoken"}


class Input(serializers.Serializer):
    """An input that refuses the fields it does not declare (a typo must not be silently ignored)."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(
                str(key) for key in data if key not in self.fields and key not in TRANSPORT_FIELDS
            )
            if unknown:
                known = "、".join(self.fields)
                raise serializers.ValidationError(
                    {key: [_("不支持的字段（可用：%(known)s）。") % {"known": known}] for key in unknown}
                )
        return super().to_internal_value(data)


# ---------------------------------------------------------------- inputs: enterprises and cases


class ContactInput(serializers.Serializer):
    """An enterprise's contact: an account is linked by its phone, never by an id sent in the body."""

    name = Text(max_length=50)
    phone = Text(required=False, max_length=20)
    email = Text(required=False, max_length=254)
    is_primary = serializers.BooleanField(required=False, default=False)


CONTACT_FIELDS = {"name", "phone", "email", "is_primary"}


@extend_schema_field(ContactInput(many=True))
class ContactsField(serializers.Field):
    """Contacts as a list of objects with a name and a phone or e-mail; the service checks the values. Its errors
    name the field `contacts` as a whole (the page and the clients show them there)."""

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(c, dict) for c in data):
            raise serializers.ValidationError(
                _('联系人应为对象列表，如 [{"name": "张三", "phone": "13800000000"}]。')
            )
        unknown = sorted({key for c in data for key in c} - CONTACT_FIELDS)
        if unknown:
            raise serializers.ValidationError(
                _("联系人不支持字段：%(fields)s（可用：name、phone、email、is_primary）。")
                % {"fields": "、".join(unknown)}
            )
        if any(not isinstance(c.get("is_primary", False), bool) for c in data):
            raise serializers.ValidationError(_("联系人的 is_primary 应为 true 或 false。"))
        return data

    def to_representation(self, value):
        return value


class EnterpriseInput(Input):
    name = Text(max_length=200, label=_("企业名称"))
    uscc = Text(max_length=18, label=_("统一社会信用代码"))
    legal_representative = optional_text(max_length=50)
    address = optional_text(max_length=200)
    region = RegionCodeField(
        required=False, allow_null=True, default=None, label=_("所属区域编码（如 439001001）")
    )
    contacts = ContactsField(required=False, default=list)


class OpenCaseInput(Input):
    enterprise = EnterpriseField(
        label=_("被执行企业 id"),
        error_messages={"required": _("请选择被执行企业。"), "null": _("请选择被执行企业。")},
    )
    court = Text(max_length=100, label=_("执行法院"))
    case_number = Text(max_length=100, label=_("执行案号"))
    basis_document = Text(max_length=200, label=_("执行依据"))
    creditor = Text(max_length=200, label=_("申请执行人"))
    obligation = Text(max_length=2000, label=_("履行义务"))
    amount = Money(label=_("标的金额（元）"))
    filed_on = Day(label=_("立案日期"))
    warned_on = optional_day(label=_("执行通知日期（缺省为今天）"))
    creditor_applied_on = optional_day(label=_("申请执行人申请纳入的日期"))
    performed_amount = Money(required=False, allow_null=True, default=0, label=_("已履行金额（元）"))


# ---------------------------------------------------------------- inputs: one per case action


class IssueNoticeInput(Input):
    grace_months = serializers.IntegerField(min_value=1, max_value=3, label=_("宽限期（1–3个月）"))
    reason = Text(max_length=2000, label=_("给予宽限期的理由"))
    intended_ground = serializers.ChoiceField(choices=Ground.choices, label=_("拟纳入情形"))
    notice_number = optional_text(max_length=100, label=_("通知书文号（缺省自动编号）"))
    notice_on = optional_day(label=_("通知日期（缺省为今天）"))


class SettleInput(Input):
    settlement = serializers.ChoiceField(choices=Settlement.choices, label=_("履行方式"))
    settled_on = optional_day(label=_("履行日期（缺省为今天）"))
    performed_amount = Money(required=False, allow_null=True, default=None, label=_("已履行金额（元）"))
    note = optional_text(max_length=2000)


class DecideListingInput(Input):
    ground = serializers.ChoiceField(choices=Ground.choices, label=_("纳入情形"))
    decision_number = Text(max_length=100, label=_("决定书文号"))
    reason = Text(max_length=2000, label=_("纳入理由"))
    signed_by = Text(max_length=50, label=_("签发人"))
    served_on = Day(label=_("送达日期"))
    decided_on = optional_day(label=_("决定日期（缺省为今天）"))
    term_years = Count(
        required=False, allow_null=True, default=None, label=_("纳入期限（年）：G2–G6 为2，G1 不设")
    )
    extension_years = Count(required=False, allow_null=True, default=0, label=_("延长年数（0–3）"))
    extension_reason = optional_text(max_length=2000)
    debtor_is_minor = serializers.BooleanField(required=False, default=False)
    full_security = serializers.BooleanField(required=False, default=False)
    seized_assets_sufficient = serializers.BooleanField(required=False, default=False)
    later_in_order = serializers.BooleanField(required=False, default=False)
    is_unit_officer = serializers.BooleanField(required=False, default=False)


class PublishInput(Input):
    published_on = optional_day(label=_("公布日期（缺省为今天）"))


class CorrectInput(Input):
    changes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=2000),
        label=_("更正事项"),
        help_text=_(
            "字段 → 更正后的值：obligation、amount、performed_amount、basis_document、creditor、court、decision_reason"
        ),
    )
    reason = Text(max_length=2000, label=_("更正理由"))


class CaseReasonInput(Input):
    reason = Text(max_length=2000, label=_("理由"))


class DeleteListingInput(Input):
    ground = serializers.ChoiceField(
        choices=DeletionGround.choices,
        required=False,
        allow_null=True,
        default=None,
        label=_("删除事由（缺省为已报告的事由）"),
    )
    event_on = optional_day(label=_("事由发生日期"))
    note = optional_text(max_length=2000)


class ExtendTermInput(Input):
    years = serializers.IntegerField(label=_("延长年数（合计1–3年）"))
    reason = Text(max_length=2000, label=_("延长理由"))


class DeletionGroundInput(Input):
    ground = serializers.ChoiceField(choices=DeletionGround.choices, label=_("删除事由"))
    event_on = optional_day(label=_("事由发生日期（缺省为今天）"))
    note = optional_text(max_length=2000)


class ReportErrorInput(Input):
    kind = Text(max_length=50, label=_("错误种类（如 revoke、correct）"))
    note = Text(max_length=2000, label=_("说明"))
    found_on = optional_day(label=_("发现日期（缺省为今天）"))


# ---------------------------------------------------------------- inputs: repairs, objections, penalties


class RepairInput(Input):
    ground = serializers.ChoiceField(choices=RepairGround.choices, label=_("修复理由"))
    statement = Text(max_length=5000, label=_("申请内容"))
    commitment = Text(max_length=2000, label=_("信用承诺"))
    evidence = serializers.ListField(
        child=serializers.FileField(max_length=200),
        required=False,
        default=list,
        help_text=_("证明材料，multipart 上传，可重复"),
    )


class RepairDecisionInput(Input):
    approve = serializers.BooleanField(
        required=False, default=False, label=_("是否准予修复（缺省为不予修复）")
    )
    reason = optional_text(max_length=2000, label=_("理由"))


class ObjectionInput(Input):
    ground = serializers.ChoiceField(choices=ObjectionGround.choices, label=_("申请理由"))
    statement = Text(max_length=5000, label=_("申请内容"))


class PerformedInput(Input):
    note = optional_text(max_length=2000)


class ExemptionFactorsInput(Input):
    first_violation = serializers.BooleanField(label=_("初次违法"))
    corrected_promptly = serializers.BooleanField(label=_("及时改正"))
    harm = serializers.ChoiceField(choices=Harm.choices, label=_("危害后果"))
    no_fault_proven = serializers.BooleanField(label=_("有证据足以证明没有主观过错"))


class PenaltyCheckInput(ExemptionFactorsInput):
    minor = serializers.BooleanField(label=_("违法行为轻微"))


class PenaltyDecisionInput(ExemptionFactorsInput):
    enterprise = EnterpriseField(label=_("企业 id"))
    authority = Text(max_length=100, label=_("作出决定的机关"))
    decision_number = Text(max_length=100, label=_("决定书文号"))
    decided_on = Day(label=_("决定日期"))
    facts = Text(max_length=5000, label=_("违法事实"))
    minor_violation = serializers.BooleanField(label=_("违法行为轻微"))


class PenaltyInput(PenaltyDecisionInput):
    penalty_types = serializers.ListField(
        child=serializers.ChoiceField(choices=PenaltyType.choices), label=_("处罚种类")
    )
    severity = serializers.ChoiceField(choices=Severity.choices, label=_("失信程度"))
    fine_amount = Money(14, required=False, allow_null=True, default=0, label=_("罚款金额（元）"))
    exemption_declined_reason = optional_text(max_length=2000)
    performed = serializers.BooleanField(required=False, default=False)
    band_id = Count(required=False, allow_null=True, default=None, label=_("裁量基准档次 id"))
    outside_reason = optional_text(max_length=2000)


class ExemptionDecisionInput(PenaltyDecisionInput):
    education = Text(max_length=2000, label=_("教育措施"))
    reason = optional_text(max_length=2000)


# ---------------------------------------------------------------- outputs of the writes and lists


class CaseWithDeliveriesSerializer(CaseDetailSerializer):
    deliveries = DeliverySerializer(many=True, read_only=True, help_text=_("各信用平台的同步状态"))

    class Meta(CaseDetailSerializer.Meta):
        fields = [*CaseDetailSerializer.Meta.fields, "deliveries"]


class CaseActionResultSerializer(serializers.Serializer):
    case = CaseDetailSerializer()
    result_id = serializers.IntegerField(
        allow_null=True, help_text=_("操作产生的记录（如时限）的 id；操作只改变案件时为 null")
    )


class IdStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class PenaltyCheckSerializer(serializers.Serializer):
    result = serializers.ChoiceField(
        choices=[
            ("mandatory", _("应当不予处罚")),
            ("discretionary", _("可以不予处罚")),
            ("none", _("不适用")),
        ]
    )
    explanation = serializers.CharField()


class PublicitySerializer(serializers.Serializer):
    published = serializers.BooleanField()
    summary = serializers.CharField()
    min_end = serializers.DateField()
    max_end = serializers.DateField()
    active = serializers.BooleanField()


class RepairEligibilitySerializer(serializers.Serializer):
    eligible = serializers.BooleanField()
    earliest = serializers.DateField(allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField())


class PenaltyDiscretionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    benchmark = serializers.CharField(help_text=_("裁量基准编码"))
    violation = serializers.CharField()
    grade = serializers.CharField()
    band = serializers.CharField(help_text=_("档次的文字说明"))
    departures = serializers.ListField(child=serializers.CharField(), help_text=_("超出档次之处"))
    outside_reason = serializers.CharField()
    awaiting_approval = serializers.BooleanField()
    approved_at = serializers.DateTimeField(allow_null=True)


class PenaltyDetailSerializer(PenaltySerializer):
    """A penalty with its publicity period, its repair eligibility and its discretion band (null without one);
    rendered from `api.penalty_data`."""

    publicity = PublicitySerializer()
    repair = RepairEligibilitySerializer()
    discretion = PenaltyDiscretionSerializer(allow_null=True)

    class Meta(PenaltySerializer.Meta):
        fields = [*PenaltySerializer.Meta.fields, "publicity", "repair", "discretion"]


def results_of(serializer_class, name: str):
    """`{"results": [...]}`, the shape of this app's lists (500 rows at most)."""
    return type(name, (serializers.Serializer,), {"results": serializer_class(many=True)})


PublicRecordListSerializer = results_of(PublicRecordSerializer, "PublicRecordListSerializer")
EnterpriseListSerializer = results_of(EnterpriseSerializer, "EnterpriseListSerializer")
CaseListSerializer = results_of(CaseSerializer, "CaseListSerializer")
DeliveryListSerializer = results_of(DeliverySerializer, "DeliveryListSerializer")
PenaltyListSerializer = results_of(PenaltyDetailSerializer, "PenaltyListSerializer")
ExemptionDecisionListSerializer = results_of(ExemptionDecisionSerializer, "ExemptionDecisionListSerializer")
EnterpriseAppealListSerializer = results_of(EnterpriseAppealSerializer, "EnterpriseAppealListSerializer")


class AcknowledgeInput(serializers.Serializer):
    idempotency_key = serializers.CharField(help_text=_("所确认消息的幂等键"))


class AcknowledgedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[("confirmed", _("已确认"))])

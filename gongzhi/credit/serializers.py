from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from gongzhi.appeals.choices import AppealKind
from gongzhi.appeals.serializers import CategoryCodeField, RegionCodeField
from gongzhi.core.outbox import OutboxMessage
from gongzhi.core.phones import validate_contact_phone

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
    lead_unit = serializers.CharField(source="appeal.lead_unit.name", default=None)
    received_at = serializers.DateTimeField(source="appeal.received_at")
    reply_due = serializers.DateTimeField(source="appeal.reply_due")
    replied_at = serializers.DateTimeField(source="appeal.replied_at")
    reply_text = serializers.CharField(source="appeal.reply_text")
    closed_at = serializers.DateTimeField(source="appeal.closed_at")

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

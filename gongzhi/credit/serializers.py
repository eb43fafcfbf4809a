from rest_framework import serializers

from gongzhi.core.outbox import OutboxMessage

from .models import CaseDeadline, EnforcementCase, Enterprise


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
        fields = ["id", "event_type", "subject", "target_label", "status", "attempts", "created_at", "delivered_at",
                  "acknowledged_at", "confirm_by", "last_error"]


class CaseSerializer(serializers.ModelSerializer):
    enterprise = EnterpriseSerializer()
    state_label = serializers.CharField(source="get_state_display")

    class Meta:
        model = EnforcementCase
        fields = ["id", "case_number", "court", "enterprise", "creditor", "basis_document", "obligation", "amount",
                  "performed_amount", "filed_on", "state", "state_label", "notice_on", "grace_months", "grace_end",
                  "ground", "decided_on", "served_on", "term_years", "extension_years", "published_on", "term_end",
                  "deletion_ground", "ended_on"]


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
        fields = ["enterprise", "uscc", "legal_representative", "court", "case_number", "filed_on", "basis_document",
                  "obligation", "amount", "performed_amount", "ground", "ground_label", "published_on"]

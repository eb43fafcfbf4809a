from rest_framework import serializers

from gongzhi.core.models import Region
from gongzhi.core.serializers import IdField

from .choices import NeedKind, OrgDomain
from .models import Activity, LedgerEntry, RedResource, SelfOrganization, ServiceRecord, Signup, Visit


class OrganizationSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    domain_label = serializers.CharField(source="get_domain_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    mentor_unit_name = serializers.CharField(source="mentor_unit.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = SelfOrganization
        fields = ["id", "name", "domain", "domain_label", "region", "region_name", "stage", "stage_label",
                  "mentor_unit", "mentor_unit_name", "filing_number", "skills", "description", "created_at"]


class OrganizationInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    domain = serializers.ChoiceField(choices=OrgDomain.choices)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    skills = serializers.ListField(child=serializers.ChoiceField(choices=NeedKind.choices), required=False,
                                   default=list)


class ReviewInput(serializers.Serializer):
    action = serializers.CharField(max_length=20)
    opinion = serializers.CharField(max_length=2000)
    filing_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")


class ActivitySerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    organizer = serializers.CharField(source="organizer_name", read_only=True)
    registered = serializers.IntegerField(read_only=True, default=None)
    waiting = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Activity
        fields = ["id", "title", "description", "region", "region_name", "organizer", "location", "starts_at",
                  "ends_at", "capacity", "registered", "waiting", "hours", "party_masses", "needs", "red_resource",
                  "state", "state_label"]


class SignupSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Signup
        fields = ["id", "activity", "user", "state", "state_label", "created_at", "signed_in_at", "sign_in_method"]


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class UserInput(serializers.Serializer):
    user_id = IdField()


class HoursInput(serializers.Serializer):
    user_id = IdField()
    hours = serializers.DecimalField(max_digits=4, decimal_places=1, required=False, allow_null=True, default=None)


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRecord
        fields = ["id", "signup", "hours", "recorded_at", "confirmed_by", "confirmed_at"]


class EntrySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "kind_label", "debit", "credit", "hours", "points", "record", "reverses",
                  "confirmed_by", "note", "created_at"]


class VisitInput(serializers.Serializer):
    visited_on = serializers.DateField()
    household_ids = serializers.ListField(child=IdField(), min_length=1)
    heard = serializers.CharField(max_length=2000)
    needs = serializers.ListField(child=serializers.ChoiceField(choices=NeedKind.choices), required=False,
                                  default=list)
    raise_appeal = serializers.BooleanField(required=False, default=False)
    consent = serializers.BooleanField(required=False, default=False)
    consent_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    appeal_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VisitSerializer(serializers.ModelSerializer):
    appeal_number = serializers.CharField(source="appeal.number", read_only=True, default=None)

    class Meta:
        model = Visit
        fields = ["id", "center", "visited_on", "households", "heard", "needs", "appeal", "appeal_number", "consent",
                  "consent_note", "created_at"]


class RedResourceSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = RedResource
        fields = ["id", "name", "kind", "kind_label", "region", "address", "description", "opening_hours",
                  "photo_url", "longitude", "latitude"]


class CoverageSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    centers = serializers.IntegerField()
    households = serializers.IntegerField()
    unvisited = serializers.IntegerField()
    rate = serializers.IntegerField()

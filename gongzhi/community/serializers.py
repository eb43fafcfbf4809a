from rest_framework import serializers

from gongzhi.core.choices import RegionLevel, UnitKind
from gongzhi.core.models import Region, Unit, User
from gongzhi.core.serializers import IdField

from .choices import NeedKind, OrgDomain
from .models import (
    Activity,
    HelpRequest,
    LedgerEntry,
    LinkedHousehold,
    PartyBuildingProject,
    PartyMemberHousehold,
    ProjectUpdate,
    Redemption,
    RedResource,
    RewardItem,
    SelfOrganization,
    ServiceRecord,
    Signup,
    Visit,
    VolunteerProfile,
)


class OrganizationSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    domain_label = serializers.CharField(source="get_domain_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    mentor_unit_name = serializers.CharField(
        source="mentor_unit.name", read_only=True, default=None, allow_null=True
    )

    class Meta:
        model = SelfOrganization
        fields = [
            "id",
            "name",
            "domain",
            "domain_label",
            "region",
            "region_name",
            "stage",
            "stage_label",
            "mentor_unit",
            "mentor_unit_name",
            "filing_number",
            "skills",
            "description",
            "created_at",
        ]


class OrganizationInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    domain = serializers.ChoiceField(choices=OrgDomain.choices)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    description = serializers.CharField(required=False, allow_blank=True, default="")
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=NeedKind.choices), required=False, default=list
    )


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
        fields = [
            "id",
            "title",
            "description",
            "region",
            "region_name",
            "organizer",
            "location",
            "starts_at",
            "ends_at",
            "capacity",
            "registered",
            "waiting",
            "hours",
            "party_masses",
            "needs",
            "red_resource",
            "state",
            "state_label",
        ]


class SignupSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Signup
        fields = [
            "id",
            "activity",
            "user",
            "state",
            "state_label",
            "created_at",
            "signed_in_at",
            "sign_in_method",
        ]


class TokenInput(serializers.Serializer):
    token = serializers.CharField(max_length=500)


class UserInput(serializers.Serializer):
    user_id = IdField()


class HoursInput(serializers.Serializer):
    user_id = IdField()
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, default=None
    )


class RecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceRecord
        fields = ["id", "signup", "hours", "recorded_at", "confirmed_by", "confirmed_at"]


class EntrySerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "kind",
            "kind_label",
            "debit",
            "credit",
            "hours",
            "points",
            "record",
            "reverses",
            "confirmed_by",
            "note",
            "created_at",
        ]


class VisitInput(serializers.Serializer):
    visited_on = serializers.DateField()
    household_ids = serializers.ListField(child=IdField(), min_length=1)
    heard = serializers.CharField(max_length=2000)
    needs = serializers.ListField(
        child=serializers.ChoiceField(choices=NeedKind.choices), required=False, default=list
    )
    raise_appeal = serializers.BooleanField(required=False, default=False)
    consent = serializers.BooleanField(required=False, default=False)
    consent_note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    appeal_title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class VisitSerializer(serializers.ModelSerializer):
    appeal_number = serializers.CharField(source="appeal.number", read_only=True, default=None)

    class Meta:
        model = Visit
        fields = [
            "id",
            "center",
            "visited_on",
            "households",
            "heard",
            "needs",
            "appeal",
            "appeal_number",
            "consent",
            "consent_note",
            "created_at",
        ]


class RedResourceSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = RedResource
        fields = [
            "id",
            "name",
            "kind",
            "kind_label",
            "region",
            "address",
            "description",
            "opening_hours",
            "photo_url",
            "longitude",
            "latitude",
        ]


class CoverageSerializer(serializers.Serializer):
    region = serializers.CharField(source="region.code")
    region_name = serializers.CharField(source="region.name")
    centers = serializers.IntegerField()
    households = serializers.IntegerField()
    unvisited = serializers.IntegerField()
    rate = serializers.IntegerField()


class CentralHouseholdInput(serializers.Serializer):
    party_member = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    grid = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.GRID)
    )
    address = serializers.CharField(max_length=200)


class CentralHouseholdSerializer(serializers.ModelSerializer):
    party_member_name = serializers.CharField(source="party_member.__str__", read_only=True)
    grid = serializers.CharField(source="grid.code", read_only=True)
    grid_name = serializers.CharField(source="grid.full_name", read_only=True)
    household_count = serializers.IntegerField(source="households.count", read_only=True)

    class Meta:
        model = PartyMemberHousehold
        fields = [
            "id",
            "party_member",
            "party_member_name",
            "grid",
            "grid_name",
            "address",
            "household_count",
            "created_at",
        ]


class HouseholdInput(serializers.Serializer):
    address = serializers.CharField(max_length=200)
    head_name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=11, required=False, allow_blank=True, default="")
    notes = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class LinkedHouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = LinkedHousehold
        fields = ["id", "center", "address", "head_name", "notes", "last_visited_on"]


class ProjectInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    party_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.filter(kind=UnitKind.PARTY_ORG)
    )
    social_orgs = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Unit.objects.filter(kind=UnitKind.SOCIAL_ORG)
    )
    goals = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    description = serializers.CharField(max_length=4000)
    budget = serializers.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    starts_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)


class ProjectUpdateSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.__str__", read_only=True)

    class Meta:
        model = ProjectUpdate
        fields = ["id", "note", "recorded_by", "created_at"]


class ProjectSerializer(serializers.ModelSerializer):
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    party_unit = serializers.CharField(source="party_unit.code", read_only=True)
    party_unit_name = serializers.CharField(source="party_unit.name", read_only=True)
    social_orgs: serializers.SlugRelatedField[Unit] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    updates = ProjectUpdateSerializer(many=True, read_only=True)
    activities: serializers.PrimaryKeyRelatedField[Activity] = serializers.PrimaryKeyRelatedField(
        many=True, read_only=True
    )

    class Meta:
        model = PartyBuildingProject
        fields = [
            "id",
            "title",
            "region",
            "region_name",
            "party_unit",
            "party_unit_name",
            "social_orgs",
            "goals",
            "description",
            "budget",
            "state",
            "state_label",
            "starts_on",
            "ends_on",
            "result",
            "completed_at",
            "updates",
            "activities",
            "created_at",
        ]


class ProjectProgressInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class ActivityRefInput(serializers.Serializer):
    activity = serializers.PrimaryKeyRelatedField(queryset=Activity.objects.all())


class ResultInput(serializers.Serializer):
    result = serializers.CharField(max_length=4000)


class VolunteerProfileSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COMMUNITY)
    )
    skills = serializers.ListField(
        child=serializers.ChoiceField(choices=NeedKind.choices), source="skill_list", allow_empty=False
    )
    skill_labels = serializers.CharField(read_only=True)

    class Meta:
        model = VolunteerProfile
        fields = ["region", "skills", "skill_labels", "availability", "updated_at"]
        read_only_fields = ["updated_at"]


class RewardItemSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COMMUNITY)
    )
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = RewardItem
        fields = ["id", "region", "region_name", "name", "description", "points", "is_active"]
        extra_kwargs = {"is_active": {"default": True}}


class RedemptionSerializer(serializers.ModelSerializer):
    item_name = serializers.CharField(source="item.name", read_only=True)
    user_name = serializers.CharField(source="user.__str__", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Redemption
        fields = [
            "id",
            "item",
            "item_name",
            "user",
            "user_name",
            "points",
            "state",
            "state_label",
            "requested_at",
            "decided_at",
            "decision_note",
            "entry",
        ]


class DecisionInput(serializers.Serializer):
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class CorrectionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class HelpRequestInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=NeedKind.choices)
    region = serializers.SlugRelatedField(
        slug_field="code", queryset=Region.objects.filter(level=RegionLevel.COMMUNITY)
    )
    summary = serializers.CharField(max_length=200)
    # A field named like Field.source (a str attribute in the stubs); DRF keeps declared fields apart.
    source = serializers.CharField(  # type: ignore[assignment]
        max_length=60, required=False, allow_blank=True, default=""
    )
    volunteer = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), required=False, allow_null=True, default=None
    )
    organization = serializers.PrimaryKeyRelatedField(
        queryset=SelfOrganization.objects.all(), required=False, allow_null=True, default=None
    )
    visit = serializers.PrimaryKeyRelatedField(
        queryset=Visit.objects.all(), required=False, allow_null=True, default=None
    )
    due_on = serializers.DateField(required=False, allow_null=True, default=None)


class HelpRequestSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    helper = serializers.CharField(source="helper_name", read_only=True)

    class Meta:
        model = HelpRequest
        fields = [
            "id",
            "kind",
            "kind_label",
            "region",
            "summary",
            "source",
            "helper",
            "volunteer",
            "organization",
            "state",
            "state_label",
            "due_on",
            "asked_at",
            "answered_at",
            "answer_note",
            "done_at",
            "done_note",
            "hours",
            "confirmed_at",
        ]


class HelpDoneInput(serializers.Serializer):
    note = serializers.CharField(max_length=2000)
    hours = serializers.DecimalField(
        max_digits=4, decimal_places=1, required=False, allow_null=True, default=None
    )

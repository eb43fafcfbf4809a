from rest_framework import serializers

from gongzhi.core.masking import mask_phone
from gongzhi.core.models import Region, Unit
from gongzhi.core.serializers import IdField

from .choices import (
    BallotChoice,
    ElectorateBasis,
    MeetingKind,
    ParticipantRole,
    Stance,
    TopicSource,
    VoteRule,
)
from .models import Ballot, Elector, Meeting, Opinion, Participant, Resolution, ResolutionTask, Topic, Vote


class TopicListSerializer(serializers.ModelSerializer):
    phase_label = serializers.CharField(source="get_phase_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = Topic
        fields = [
            "id",
            "title",
            "phase",
            "phase_label",
            "source",
            "source_label",
            "region",
            "region_name",
            "created_at",
        ]


class ResolutionTaskSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = ResolutionTask
        fields = [
            "id",
            "title",
            "unit",
            "unit_name",
            "owner",
            "due_date",
            "weight",
            "progress",
            "state",
            "note",
            "completed_at",
        ]


class ResolutionSerializer(serializers.ModelSerializer):
    progress = serializers.DecimalField(max_digits=5, decimal_places=1, read_only=True)
    tasks = ResolutionTaskSerializer(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = ["id", "text", "vote", "decided_at", "completed_at", "progress", "tasks"]


class TopicDetailSerializer(TopicListSerializer):
    allowed = serializers.SerializerMethodField()
    convening = serializers.SerializerMethodField()
    appeal_count = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()

    class Meta(TopicListSerializer.Meta):
        fields = [
            *TopicListSerializer.Meta.fields,
            "description",
            "closed_reason",
            "adult_residents",
            "households",
            "resident_groups",
            "allowed",
            "convening",
            "appeal_count",
            "resolution",
        ]

    def get_allowed(self, topic) -> dict:
        from .selectors import allowed

        return allowed(topic)

    def get_convening(self, topic) -> dict | None:
        from .selectors import convening_check

        if topic.source != TopicSource.RESIDENT_PROPOSAL:
            return None
        check = convening_check(topic)
        return {
            "must_convene": check.must_convene,
            "reasons": check.reasons,
            "signers": topic.cosigners.count(),
        }

    def get_appeal_count(self, topic) -> int:
        return topic.appeals.count()

    def get_resolution(self, topic) -> dict | None:
        resolution = Resolution.objects.filter(topic=topic).first()
        return ResolutionSerializer(resolution).data if resolution else None


class TopicCreateInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField()
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    source = serializers.ChoiceField(choices=TopicSource.choices)
    appeal_ids = serializers.ListField(child=IdField(), required=False, default=list)
    proposer_unit = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(), required=False, allow_null=True
    )
    household = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    resident_group = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    adult_residents = serializers.IntegerField(min_value=0, required=False, default=0)
    households = serializers.IntegerField(min_value=0, required=False, default=0)
    resident_groups = serializers.IntegerField(min_value=0, required=False, default=0)


class TopicActionInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CosignInput(serializers.Serializer):
    household = serializers.CharField(max_length=50)
    resident_group = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class OpinionSerializer(serializers.ModelSerializer):
    """Speakers' names are masked (surname and asterisks) unless the reader manages the topic."""

    stance_label = serializers.CharField(source="get_stance_display", read_only=True)

    def to_representation(self, opinion):
        from .selectors import public_name

        data = super().to_representation(opinion)
        if not self.context.get("manage"):
            data["author_name"] = public_name(opinion.author_name)
        return data

    class Meta:
        model = Opinion
        fields = [
            "id",
            "parent",
            "author_name",
            "stance",
            "stance_label",
            "body",
            "channel",
            "offline_source",
            "hidden",
            "hidden_reason",
            "created_at",
        ]


class OpinionInput(serializers.Serializer):
    body = serializers.CharField(max_length=2000)
    stance = serializers.ChoiceField(choices=Stance.choices, default=Stance.OTHER)
    parent_id = serializers.IntegerField(required=False, allow_null=True)


class OfflineOpinionInput(serializers.Serializer):
    author_name = serializers.CharField(max_length=50)
    body = serializers.CharField(max_length=2000)
    source = serializers.CharField(max_length=200)
    stance = serializers.ChoiceField(choices=Stance.choices, default=Stance.OTHER)


class HideInput(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ParticipantSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Participant
        fields = [
            "id",
            "name",
            "role",
            "role_label",
            "unit",
            "registered_at",
            "signed_in_at",
            "sign_in_method",
        ]


class MeetingSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    report = serializers.SerializerMethodField()

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "kind_label",
            "title",
            "topics",
            "agenda",
            "location",
            "starts_at",
            "state",
            "noticed_at",
            "committee_informed_at",
            "minutes",
            "closed_at",
            "report",
        ]

    def get_report(self, meeting) -> dict:
        from .selectors import meeting_report

        return meeting_report(meeting)


class MeetingInput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField(max_length=200)
    topic_ids = serializers.ListField(child=IdField(), min_length=1)
    agenda = serializers.CharField()
    location = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    register_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="业主大会会议：业主名册（通知发给名册中的全体业主）"
    )


class NoticeInput(serializers.Serializer):
    committee_informed = serializers.BooleanField(default=False)


class RegisterInput(serializers.Serializer):
    role = serializers.ChoiceField(choices=ParticipantRole.choices, default=ParticipantRole.RESIDENT_REP)


class ParticipantInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    role = serializers.ChoiceField(choices=ParticipantRole.choices)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all(), required=False, allow_null=True)


class MinutesInput(serializers.Serializer):
    minutes = serializers.CharField(max_length=20000)


class RegisterRowInput(serializers.Serializer):
    unit = serializers.CharField(max_length=50)
    owner = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    area = serializers.DecimalField(max_digits=10, decimal_places=2)
    user_id = serializers.IntegerField(required=False, allow_null=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    id_number = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="同一身份证号的各行算一位业主；不填则每行算一位业主",
    )
    developer = serializers.BooleanField(default=False)
    area_source = serializers.ChoiceField(choices=["register", "survey", "contract"], default="register")


class OwnerRegisterInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    region = serializers.PrimaryKeyRelatedField(queryset=Region.objects.all())
    rows = RegisterRowInput(many=True)


class OwnerRegisterCreated(serializers.Serializer):
    id = serializers.IntegerField()
    owners = serializers.IntegerField()
    units = serializers.IntegerField()


class VoteSerializer(serializers.ModelSerializer):
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    ballots = serializers.SerializerMethodField()

    class Meta:
        model = Vote
        fields = [
            "id",
            "topic",
            "meeting",
            "question",
            "rule",
            "rule_label",
            "major",
            "secret",
            "register",
            "basis",
            "base",
            "state",
            "opened_at",
            "closed_at",
            "quorum_met",
            "passed",
            "reasons",
            "tally",
            "ballots",
        ]

    def get_ballots(self, vote) -> int:
        return vote.ballots.count()


class VoteInput(serializers.Serializer):
    topic = IdField()
    question = serializers.CharField(max_length=300)
    rule = serializers.ChoiceField(choices=VoteRule.choices)
    major = serializers.BooleanField(default=False)
    secret = serializers.BooleanField(default=False)
    register_id = serializers.IntegerField(required=False, allow_null=True)
    basis = serializers.ChoiceField(
        choices=[c for c in ElectorateBasis.values if c != ElectorateBasis.MEMBERS],
        required=False,
        allow_blank=True,
        default="",
        help_text="居民会议的投票人范围；议事规则表决为本机构成员，业主表决以名册为准",
    )
    meeting_id = serializers.IntegerField(required=False, allow_null=True)


class BallotInput(serializers.Serializer):
    choice = serializers.ChoiceField(choices=BallotChoice.choices)


class ElectorRowInput(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    household = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    resident_group = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="手机号：关联此人的账号（现在或其首次登录时），以便在线投票",
    )


class ElectorsInput(serializers.Serializer):
    rows = ElectorRowInput(many=True, allow_empty=False)


class ElectorSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField()
    online = serializers.SerializerMethodField()

    class Meta:
        model = Elector
        fields = ["id", "name", "household", "resident_group", "phone", "online"]

    def get_phone(self, elector) -> str:
        return mask_phone(elector.phone)

    def get_online(self, elector) -> bool:
        """Linked to an account, so the person can vote online (everyone listed can vote on paper)."""
        return elector.user_id is not None


class PaperBallotInput(serializers.Serializer):
    choice = serializers.ChoiceField(choices=BallotChoice.choices)
    owner_id = serializers.IntegerField(required=False, allow_null=True, help_text="业主表决：名册中的业主")
    elector_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="其他表决：投票人名单中的人"
    )
    proxy_name = serializers.CharField(
        max_length=50,
        required=False,
        allow_blank=True,
        default="",
        help_text="业主表决的受托人（物业管理条例第12条）",
    )
    proxy_scope = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    proxy_document = serializers.FileField(
        required=False, allow_null=True, help_text="书面委托书（multipart/form-data 上传）"
    )
    paper_number = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class BallotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ballot
        fields = [
            "id",
            "vote",
            "voter_name",
            "choice",
            "channel",
            "paper_number",
            "proxy_name",
            "proxy_scope",
            "cast_at",
        ]

    def to_representation(self, ballot):
        data = super().to_representation(ballot)
        if ballot.vote.secret:
            data.pop("choice")
        return data


class ResultSerializer(serializers.ModelSerializer):
    topic_title = serializers.CharField(source="topic.title", read_only=True)
    rule_label = serializers.CharField(source="get_rule_display", read_only=True)
    text = serializers.SerializerMethodField()

    class Meta:
        model = Vote
        fields = [
            "id",
            "topic",
            "topic_title",
            "question",
            "rule",
            "rule_label",
            "major",
            "quorum_met",
            "passed",
            "reasons",
            "tally",
            "closed_at",
            "text",
        ]

    def get_text(self, vote) -> str:
        return "；".join(vote.reasons)


class ResolutionInput(serializers.Serializer):
    text = serializers.CharField()
    vote_id = serializers.IntegerField(required=False, allow_null=True)


class TaskInput(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    due_date = serializers.DateField()
    owner_id = serializers.IntegerField(required=False, allow_null=True)
    weight = serializers.IntegerField(min_value=1, max_value=100, default=1)


class ProgressInput(serializers.Serializer):
    progress = serializers.IntegerField(min_value=0, max_value=100)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")

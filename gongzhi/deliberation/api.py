"""议事协商 API (DRF) under /api/v1/deliberation/: topics, opinions, meetings, owners' registers, votes, ballots,
results, resolutions and tasks. Reads are public (deliberation happens in the open) and go through selectors;
each write parses input, calls ONE service and renders. Refusals are `ServiceError`s rendered by
`gongzhi.core.api.exception_handler` as `{"code", "detail"[, "fields"]}`.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.core.api_views import ERROR_401, ERROR_403, ERROR_404, ERROR_409, ERRORS_400, StandardPagination
from gongzhi.core.errors import NotFoundError, PermissionDeniedError
from gongzhi.core.ids import parse_id
from gongzhi.core.models import User

from . import actions, selectors, services
from .choices import Phase
from .models import Elector, Meeting, Topic, Vote
from .serializers import (
    BallotInput,
    BallotSerializer,
    CosignInput,
    ElectorSerializer,
    ElectorsInput,
    HideInput,
    MeetingInput,
    MeetingSerializer,
    MinutesInput,
    NoticeInput,
    OfflineOpinionInput,
    OpinionInput,
    OpinionSerializer,
    OwnerRegisterCreated,
    OwnerRegisterInput,
    PaperBallotInput,
    ParticipantInput,
    ParticipantSerializer,
    ProgressInput,
    RegisterInput,
    ResolutionSerializer,
    ResolutionTaskSerializer,
    ResultSerializer,
    TaskInput,
    TopicCreateInput,
    TopicDetailSerializer,
    TopicListSerializer,
    VoteInput,
    VoteSerializer,
)

WRITE_ERRORS = {**ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404, **ERROR_409}


def _user(pk):
    return get_object_or_404(User, pk=pk) if pk else None


def service_action(input_class, output_class, call, *, status: int = 200, summary: str = ""):
    """A POST endpoint: validate `input_class`, run `call(request, data, **url_kwargs)`, render `output_class`."""

    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(request=input_class, responses={status: output_class, **WRITE_ERRORS}, summary=summary)
        def post(self, request, **kwargs):
            data = {}
            if input_class is not None:
                serializer = input_class(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = serializer.validated_data
            result = call(request, data, **kwargs)
            return Response(output_class(result).data, status=status)

    ActionView.__name__ = f"{(summary or 'Action').title()}View"
    return ActionView


# ---------------------------------------------------------------- topics


class TopicListCreateView(generics.ListAPIView):
    serializer_class = TopicListSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        phase = self.request.query_params.get("phase")
        return selectors.visible_topics(
            self.request.user,
            phase=phase if phase in Phase.values else None,
            q=self.request.query_params.get("q", "")[:50],
        )

    @extend_schema(request=TopicCreateInput, responses={201: TopicDetailSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = TopicCreateInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        topic = services.create_topic(request.user, **serializer.validated_data)
        return Response(TopicDetailSerializer(topic).data, status=201)


class TopicDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = TopicDetailSerializer

    def get_queryset(self):
        return selectors.visible_topics(self.request.user)


def _topic(pk) -> Topic:
    return get_object_or_404(Topic, pk=pk)


# POST /topics/{id}/actions/{name}/ for every phase action but 形成决议 (POST /topics/{id}/resolution/), each with
# its spec's input and service (deliberation/actions.py).
TOPIC_ACTIONS = {
    spec.name: service_action(
        spec.input,
        TopicDetailSerializer,
        lambda request, data, pk, _spec=spec: _spec.service(request.user, pk, **data),
        summary=f"topic_{spec.name}",
    )
    for spec in actions.ACTIONS
    if spec.name != "resolve"
}

CosignView = service_action(
    CosignInput,
    TopicDetailSerializer,
    lambda request, data, pk: (services.cosign_topic(request.user, pk, **data), _topic(pk))[1],
    status=201,
    summary="cosign",
)


class OpinionListCreateView(generics.ListAPIView):
    serializer_class = OpinionSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        topic = _topic(self.kwargs["pk"])
        user = self.request.user if self.request.user.is_authenticated else None
        return selectors.opinions_for(topic, user)

    def get_serializer_context(self):
        user = self.request.user if self.request.user.is_authenticated else None
        topic = _topic(self.kwargs["pk"])
        return {
            **super().get_serializer_context(),
            "manage": user is not None and services.can_manage(user, topic.region),
        }

    @extend_schema(request=OpinionInput, responses={201: OpinionSerializer, **WRITE_ERRORS})
    def post(self, request, pk):
        serializer = OpinionInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        opinion = services.post_opinion(request.user, pk, **serializer.validated_data)
        return Response(OpinionSerializer(opinion).data, status=201)


OfflineOpinionView = service_action(
    OfflineOpinionInput,
    OpinionSerializer,
    lambda request, data, pk: services.enter_offline_opinion(request.user, pk, **data),
    status=201,
    summary="offline_opinion",
)
HideOpinionView = service_action(
    HideInput,
    OpinionSerializer,
    lambda request, data, pk: services.hide_opinion(request.user, pk, **data),
    summary="hide_opinion",
)

# ---------------------------------------------------------------- meetings


class MeetingListCreateView(generics.ListAPIView):
    serializer_class = MeetingSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        return selectors.visible_meetings(self.request.user).order_by("-starts_at", "-id")

    @extend_schema(request=MeetingInput, responses={201: MeetingSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = MeetingInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        meeting = services.schedule_meeting(request.user, **serializer.validated_data)
        return Response(MeetingSerializer(meeting).data, status=201)


class MeetingDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = MeetingSerializer
    queryset = Meeting.objects.all()


MeetingNoticeView = service_action(
    NoticeInput,
    MeetingSerializer,
    lambda request, data, pk: services.send_meeting_notice(request.user, pk, **data),
    summary="meeting_notice",
)
MeetingRegisterView = service_action(
    RegisterInput,
    ParticipantSerializer,
    lambda request, data, pk: services.register_for_meeting(request.user, pk, **data),
    status=201,
    summary="meeting_register",
)
MeetingSignInView = service_action(
    None,
    ParticipantSerializer,
    lambda request, data, pk: services.sign_in(request.user, pk),
    summary="meeting_sign_in",
)
MeetingParticipantView = service_action(
    ParticipantInput,
    ParticipantSerializer,
    lambda request, data, pk: services.add_participant(request.user, pk, **data),
    status=201,
    summary="meeting_participant",
)
ParticipantSignInView = service_action(
    None,
    ParticipantSerializer,
    lambda request, data, pk: services.sign_in_participant(request.user, pk),
    summary="participant_sign_in",
)
MeetingCloseView = service_action(
    MinutesInput,
    MeetingSerializer,
    lambda request, data, pk: services.close_meeting(request.user, pk, **data),
    summary="meeting_close",
)


# ---------------------------------------------------------------- owners' registers, votes, ballots, results


def _create_register(request, data):
    rows = [{**row, "user": _user(row.pop("user_id", None))} for row in data["rows"]]
    register = services.create_owner_register(
        request.user, name=data["name"], region=data["region"], rows=rows
    )
    return {"id": register.pk, "owners": register.owners.count(), "units": register.units.count()}


OwnerRegisterView = service_action(
    OwnerRegisterInput, OwnerRegisterCreated, _create_register, status=201, summary="owner_register"
)


class VoteListCreateView(generics.ListAPIView):
    serializer_class = VoteSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        votes = Vote.objects.order_by("-created_at", "-id")
        topic = parse_id(self.request.query_params.get("topic"))
        return votes.filter(topic_id=topic) if topic is not None else votes

    @extend_schema(request=VoteInput, responses={201: VoteSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = VoteInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        vote = services.create_vote(request.user, data.pop("topic"), **data)
        return Response(VoteSerializer(vote).data, status=201)


class VoteDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = VoteSerializer
    queryset = Vote.objects.all()


class ElectorListView(APIView):
    """GET: a vote's list of electors (its managers only). POST: add rows before voting opens."""

    permission_classes = [IsAuthenticated]

    def _vote(self, request, pk):
        vote = get_object_or_404(Vote.objects.select_related("topic__region"), pk=pk)
        if not services.can_manage(request.user, vote.topic.region):
            raise PermissionDeniedError(_("只有本社区的工作人员可以查看投票人名单。"))
        return vote

    @extend_schema(responses={200: ElectorSerializer(many=True), **ERROR_401, **ERROR_404})
    def get(self, request, pk):
        return Response(ElectorSerializer(self._vote(request, pk).electors.all(), many=True).data)

    @extend_schema(request=ElectorsInput, responses={201: ElectorSerializer(many=True), **WRITE_ERRORS})
    def post(self, request, pk):
        serializer = ElectorsInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        added = services.add_electors(request.user, pk, serializer.validated_data["rows"])
        return Response(ElectorSerializer(added, many=True).data, status=201)


class ElectorDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None, **WRITE_ERRORS})
    def delete(self, request, pk, elector_id):
        if not Elector.objects.filter(pk=elector_id, vote_id=pk).exists():
            raise NotFoundError(_("投票人不存在。"))
        services.remove_elector(request.user, elector_id)
        return Response(status=204)


VoteOpenView = service_action(
    None, VoteSerializer, lambda request, data, pk: services.open_vote(request.user, pk), summary="vote_open"
)
VoteCloseView = service_action(
    None,
    ResultSerializer,
    lambda request, data, pk: services.close_vote(request.user, pk),
    summary="vote_close",
)


class BallotView(APIView):
    """GET: the ballots a manager may see (no choices for a secret vote). POST: your own online ballot."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: BallotSerializer(many=True), **ERROR_401, **ERROR_404})
    def get(self, request, pk):
        vote = get_object_or_404(Vote.objects.select_related("topic__region"), pk=pk)
        return Response(BallotSerializer(selectors.ballots_visible(vote, request.user), many=True).data)

    @extend_schema(request=BallotInput, responses={201: BallotSerializer, **WRITE_ERRORS})
    def post(self, request, pk):
        serializer = BallotInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        ballot = services.cast_ballot(request.user, pk, choice=serializer.validated_data["choice"])
        return Response(BallotSerializer(ballot).data, status=201)


PaperBallotView = service_action(
    PaperBallotInput,
    BallotSerializer,
    lambda request, data, pk: services.enter_paper_ballot(
        request.user,
        pk,
        choice=data["choice"],
        owner_id=data.get("owner_id"),
        elector_id=data.get("elector_id"),
        paper_number=data.get("paper_number", ""),
        proxy={
            "name": data.get("proxy_name"),
            "scope": data.get("proxy_scope"),
            "document": data.get("proxy_document"),
        },
    ),
    status=201,
    summary="paper_ballot",
)


class ResultListView(generics.ListAPIView):
    """Counted votes with their arithmetic in words (public)."""

    permission_classes = [AllowAny]
    serializer_class = ResultSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return selectors.published_results()


class ResultDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ResultSerializer

    def get_queryset(self):
        return selectors.published_results()


# ---------------------------------------------------------------- resolutions and tasks


ResolutionView = service_action(
    actions.BY_NAME["resolve"].input,
    ResolutionSerializer,
    lambda request, data, pk: actions.BY_NAME["resolve"].run(request.user, pk, **data),
    status=201,
    summary="resolution",
)
TaskCreateView = service_action(
    TaskInput,
    ResolutionTaskSerializer,
    lambda request, data, pk: services.add_task(
        request.user,
        pk,
        title=data["title"],
        unit=data["unit"],
        due_date=data["due_date"],
        weight=data["weight"],
        owner=_user(data.get("owner_id")),
    ),
    status=201,
    summary="task_create",
)
TaskProgressView = service_action(
    ProgressInput,
    ResolutionTaskSerializer,
    lambda request, data, pk: services.update_task_progress(request.user, pk, **data),
    summary="task_progress",
)

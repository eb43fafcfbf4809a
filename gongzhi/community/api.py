"""共建 API (DRF) under /api/v1/community/. Reads go through selectors; each write parses input, calls ONE
service and renders. Refusals are `ServiceError`s rendered by `gongzhi.core.api.exception_handler`."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.core.api_views import ERROR_401, ERROR_403, ERROR_404, ERROR_409, ERRORS_400, StandardPagination
from gongzhi.core.choices import Role
from gongzhi.core.models import Region, User

from . import actions, selectors, services
from .models import PartyBuildingProject, Redemption, RewardItem, SelfOrganization, VolunteerProfile
from .serializers import (
    ActivityRefInput,
    ActivitySerializer,
    CentralHouseholdInput,
    CentralHouseholdSerializer,
    CorrectionInput,
    CoverageSerializer,
    DecisionInput,
    EntrySerializer,
    HelpDoneInput,
    HelpRequestInput,
    HelpRequestSerializer,
    HoursInput,
    HouseholdInput,
    LinkedHouseholdSerializer,
    OrganizationInput,
    OrganizationSerializer,
    ProjectInput,
    ProjectProgressInput,
    ProjectSerializer,
    ProjectUpdateSerializer,
    RecordSerializer,
    RedemptionSerializer,
    RedResourceSerializer,
    ResultInput,
    RewardItemSerializer,
    SignupSerializer,
    TokenInput,
    UserInput,
    VisitInput,
    VisitSerializer,
    VolunteerProfileSerializer,
)

WRITE_ERRORS = {**ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404, **ERROR_409}


def _region(request):
    code = request.query_params.get("region", "")[:32]
    return Region.objects.filter(code=code).first() if code else None


def service_action(input_class, output_class, call, *, status: int = 200, summary: str = ""):
    class ActionView(APIView):
        permission_classes = [IsAuthenticated]

        @extend_schema(request=input_class, responses={status: output_class, **WRITE_ERRORS}, summary=summary)
        def post(self, request, **kwargs):
            data = {}
            if input_class is not None:
                serializer = input_class(data=request.data)
                serializer.is_valid(raise_exception=True)
                data = serializer.validated_data
            return Response(output_class(call(request, data, **kwargs)).data, status=status)

    ActionView.__name__ = f"{summary.title().replace('_', '')}View"
    return ActionView


class OrganizationListView(generics.ListAPIView):
    serializer_class = OrganizationSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        return selectors.organizations(_region(self.request), self.request.query_params.get("stage") or None)

    @extend_schema(request=OrganizationInput, responses={201: OrganizationSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = OrganizationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        org = services.register_organization(request.user, **serializer.validated_data)
        return Response(OrganizationSerializer(org).data, status=201)


class OrganizationDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = OrganizationSerializer
    queryset = SelfOrganization.objects.select_related("region", "mentor_unit")


# One endpoint for every stage review (the action is in the body); its input is the stage specs' (actions.py).
OrganizationReviewView = service_action(
    actions.STAGE_ACTIONS[0].input,
    OrganizationSerializer,
    lambda request, data, pk: actions.stage_service(data["action"])(request.user, pk, **data).organization,
    summary="organization_review",
)


class ActivityListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ActivitySerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return selectors.visible_activities(
            self.request.user,
            _region(self.request),
            party_masses=self.request.query_params.get("party") == "1",
        )


class ActivityDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ActivitySerializer

    def get_queryset(self):
        return selectors.visible_activities(self.request.user)


def _user(pk):
    return get_object_or_404(User, pk=pk)


SignUpView = service_action(
    None,
    SignupSerializer,
    lambda request, data, pk: services.sign_up(request.user, pk),
    status=201,
    summary="sign_up",
)
CancelSignupView = service_action(
    None,
    SignupSerializer,
    lambda request, data, pk: services.cancel_signup(request.user, pk),
    summary="cancel_signup",
)
CheckInView = service_action(
    TokenInput,
    SignupSerializer,
    lambda request, data, pk: services.sign_in_by_qr(request.user, pk, data["token"]),
    summary="check_in",
)
StaffSignInView = service_action(
    UserInput,
    SignupSerializer,
    lambda request, data, pk: services.sign_in_by_staff(request.user, pk, user=_user(data["user_id"])),
    summary="staff_sign_in",
)
RecordHoursView = service_action(
    HoursInput,
    RecordSerializer,
    lambda request, data, pk: services.record_hours(
        request.user, pk, user=_user(data["user_id"]), hours=data["hours"]
    ),
    summary="record_hours",
)
ConfirmHoursView = service_action(
    None,
    EntrySerializer,
    lambda request, data, pk: services.confirm_hours(request.user, pk),
    status=201,
    summary="confirm_hours",
)


class MyLedgerView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "MyLedger",
                {
                    "balance_hours": serializers.DecimalField(max_digits=10, decimal_places=1),
                    "balance_points": serializers.IntegerField(),
                    "entries": EntrySerializer(many=True),
                },
            )
        }
    )
    def get(self, request):
        account = selectors.balance(request.user)
        return Response(
            {
                "balance_hours": str(account.balance_hours) if account else "0.0",
                "balance_points": account.balance_points if account else 0,
                "entries": EntrySerializer(selectors.entries_for(request.user), many=True).data,
            }
        )


RecordVisitView = service_action(
    VisitInput,
    VisitSerializer,
    lambda request, data, pk: services.record_visit(request.user, pk, **data),
    status=201,
    summary="record_visit",
)


class CoverageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            200: inline_serializer(
                "CoverageReport", {"days": serializers.IntegerField(), "rows": CoverageSerializer(many=True)}
            ),
            **ERROR_401,
            **ERROR_403,
        }
    )
    def get(self, request):
        user = request.user
        if not (services.is_manager(user) or user.has_role(Role.LEADER, Role.PARTY_MEMBER)):
            raise PermissionDenied
        try:
            days = max(1, min(int(request.query_params.get("days", selectors.coverage_days())), 365))
        except ValueError:
            days = selectors.coverage_days()
        level = "community" if request.query_params.get("level") == "community" else "grid"
        region = selectors.scope_region(user, request.query_params.get("region", ""))
        if not selectors.sees_personal_data_of(
            user, region
        ):  # as the households page: the user's own area only
            raise PermissionDenied
        rows = selectors.coverage(region, days, level)
        return Response({"days": days, "rows": CoverageSerializer(rows, many=True).data})


class RedResourceListView(generics.ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = RedResourceSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        return selectors.red_resources(_region(self.request))


# ---------------------------------------------------------------- central households


CentralHouseholdCreateView = service_action(
    CentralHouseholdInput,
    CentralHouseholdSerializer,
    lambda request, data: services.create_central_household(request.user, **data),
    status=201,
    summary="create_central_household",
)
LinkHouseholdView = service_action(
    HouseholdInput,
    LinkedHouseholdSerializer,
    lambda request, data, pk: services.link_household(request.user, pk, **data),
    status=201,
    summary="link_household",
)


# ---------------------------------------------------------------- party-building projects


def _projects():
    return PartyBuildingProject.objects.select_related("region", "party_unit").prefetch_related(
        "social_orgs", "updates__recorded_by", "activities"
    )


class ProjectListView(generics.ListAPIView):
    """Projects are public (their results are published on the community page); creating one is staff work."""

    serializer_class = ProjectSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "GET" else [IsAuthenticated()]

    def get_queryset(self):
        return selectors.in_region(_projects(), _region(self.request))

    @extend_schema(request=ProjectInput, responses={201: ProjectSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = ProjectInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        project = services.create_project(request.user, **serializer.validated_data)
        return Response(ProjectSerializer(_projects().get(pk=project.pk)).data, status=201)


class ProjectDetailView(generics.RetrieveAPIView):
    permission_classes = [AllowAny]
    serializer_class = ProjectSerializer

    def get_queryset(self):
        return _projects()


ProjectProgressView = service_action(
    ProjectProgressInput,
    ProjectUpdateSerializer,
    lambda request, data, pk: services.record_project_progress(request.user, pk, **data),
    status=201,
    summary="record_project_progress",
)
ProjectActivityView = service_action(
    ActivityRefInput,
    ActivitySerializer,
    lambda request, data, pk: services.link_project_activity(request.user, pk, **data),
    summary="link_project_activity",
)
ProjectCompleteView = service_action(
    ResultInput,
    ProjectSerializer,
    lambda request, data, pk: _projects().get(pk=services.complete_project(request.user, pk, **data).pk),
    summary="complete_project",
)


# ---------------------------------------------------------------- volunteer profile


class VolunteerProfileView(APIView):
    """The signed-in resident's volunteer profile: what they can help with, when, and in which community."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: VolunteerProfileSerializer, **ERROR_401, **ERROR_404})
    def get(self, request):
        profile = get_object_or_404(VolunteerProfile.objects.select_related("region"), user=request.user)
        return Response(VolunteerProfileSerializer(profile).data)

    @extend_schema(
        request=VolunteerProfileSerializer, responses={200: VolunteerProfileSerializer, **WRITE_ERRORS}
    )
    def put(self, request):
        serializer = VolunteerProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        profile = services.save_volunteer_profile(
            request.user,
            region=data["region"],
            skills=data["skill_list"],
            availability=data.get("availability", ""),
        )
        return Response(VolunteerProfileSerializer(profile).data)


# ---------------------------------------------------------------- time bank: catalogue, redemptions, corrections


class RewardListView(generics.ListAPIView):
    """The catalogue: ?region=<code> for one community, else the communities the volunteer belongs to."""

    serializer_class = RewardItemSerializer
    pagination_class = StandardPagination

    def get_permissions(self):
        return [IsAuthenticated()]

    def get_queryset(self):
        region = _region(self.request)
        items = RewardItem.objects.select_related("region").filter(is_active=True)
        if region is not None:
            return selectors.in_region(items, region)
        return items.filter(region__in=services.volunteer_communities(self.request.user))

    @extend_schema(request=RewardItemSerializer, responses={201: RewardItemSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = RewardItemSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.save_reward_item(request.user, **serializer.validated_data)
        return Response(RewardItemSerializer(item).data, status=201)


RedeemView = service_action(
    None,
    RedemptionSerializer,
    lambda request, data, pk: services.request_redemption(request.user, pk),
    status=201,
    summary="request_redemption",
)


class RedemptionListView(generics.ListAPIView):
    """Mine; for community workers (?pending=1) the requests awaiting them in their area."""

    permission_classes = [IsAuthenticated]
    serializer_class = RedemptionSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        user = self.request.user
        qs = Redemption.objects.select_related("item", "user")
        if self.request.query_params.get("pending") == "1":
            if not services.is_manager(user):
                raise PermissionDenied
            region = selectors.scope_region(user, self.request.query_params.get("region", ""))
            if not selectors.sees_personal_data_of(user, region):
                raise PermissionDenied
            return selectors.in_region(qs.filter(state="requested"), region, "item__region")
        return qs.filter(user=user)


ConfirmRedemptionView = service_action(
    DecisionInput,
    RedemptionSerializer,
    lambda request, data, pk: services.decide_redemption(request.user, pk, approve=True, **data),
    summary="confirm_redemption",
)
RejectRedemptionView = service_action(
    DecisionInput,
    RedemptionSerializer,
    lambda request, data, pk: services.decide_redemption(request.user, pk, approve=False, **data),
    summary="reject_redemption",
)
CorrectEntryView = service_action(
    CorrectionInput,
    EntrySerializer,
    lambda request, data, pk: services.correct_entry(request.user, pk, **data),
    status=201,
    summary="correct_entry",
)


# ---------------------------------------------------------------- matching that acts


class HelpRequestListView(generics.ListAPIView):
    """Requests to me (as a volunteer or an organisation's leader); a community worker's area's as well."""

    permission_classes = [IsAuthenticated]
    serializer_class = HelpRequestSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        region = selectors.scope_region(self.request.user, self.request.query_params.get("region", ""))
        return selectors.help_requests_for(self.request.user, region)

    @extend_schema(request=HelpRequestInput, responses={201: HelpRequestSerializer, **WRITE_ERRORS})
    def post(self, request):
        serializer = HelpRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        help_request = services.ask_for_help(request.user, **serializer.validated_data)
        return Response(HelpRequestSerializer(help_request).data, status=201)


AcceptHelpView = service_action(
    DecisionInput,
    HelpRequestSerializer,
    lambda request, data, pk: services.answer_help_request(request.user, pk, accept=True, **data),
    summary="accept_help",
)
DeclineHelpView = service_action(
    DecisionInput,
    HelpRequestSerializer,
    lambda request, data, pk: services.answer_help_request(request.user, pk, accept=False, **data),
    summary="decline_help",
)
CompleteHelpView = service_action(
    HelpDoneInput,
    HelpRequestSerializer,
    lambda request, data, pk: services.complete_help_request(request.user, pk, **data),
    summary="complete_help",
)
ConfirmHelpHoursView = service_action(
    None,
    EntrySerializer,
    lambda request, data, pk: services.confirm_help_hours(request.user, pk),
    status=201,
    summary="confirm_help_hours",
)

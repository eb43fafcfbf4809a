"""Appeals API (DRF): categories, the knowledge base, intake, the scoped list and detail, every workflow
action by name, supervision, revealing a contact, and the three rates.

Handlers parse input, call ONE service, and render; reads go through `selectors`. An appeal outside the
user's scope is a 404, never a 403, so that ids cannot be probed. Refusals are `ServiceError`s rendered
by `gongzhi.core.api.exception_handler` as `{"code", "detail"[, "fields"]}`.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.core.api_views import (
    ERROR_401,
    ERROR_403,
    ERROR_404,
    ERROR_409,
    ERRORS_400,
    StandardPagination,
    parse_query,
)
from gongzhi.core.choices import Role
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.schema import AutoSchema
from gongzhi.core.serializers import ErrorSerializer

from . import actions, public, rates, services
from .models import Appeal, Category, KnowledgeArticle
from .selectors import light_q, map_points, visible_appeals
from .serializers import (
    AppealDetailSerializer,
    AppealFilterSerializer,
    AppealListSerializer,
    AppealMapSerializer,
    AppealReplyQualitySerializer,
    CategoryFilterSerializer,
    CategorySerializer,
    ContactSerializer,
    KnowledgeArticleSerializer,
    KnowledgeQuerySerializer,
    RatesQuerySerializer,
    RatesSerializer,
    SubmitAppealSerializer,
    SubmittedAppealSerializer,
    SuperviseInput,
    submitted_appeal_data,
)
from .throttles import AnonymousSubmitThrottle, PublicReadThrottle
from .workflow import ACTION_LABELS, WORKFLOW

# ---------------------------------------------------------------- helpers


def role_permission(*roles: str) -> type[BasePermission]:
    class HasRole(BasePermission):
        message = gettext_lazy("您的角色不能访问此接口。")

        def has_permission(self, request, view):
            return bool(request.user and request.user.is_authenticated and request.user.has_role(*roles))

    return HasRole


def scoped_appeal(request, pk: int) -> Appeal:
    """The appeal if the user may see it; otherwise the same 404 as for an id that does not exist."""
    appeal = visible_appeals(request.user).filter(pk=pk).first()
    if appeal is None:
        raise exceptions.NotFound(_("诉求不存在或不在您的可见范围内。"))
    return appeal


def render_appeal(request, pk: int, status: int = 200, tracking_code: str = "") -> Response:
    appeal = (
        Appeal.objects.select_related("region", "category", "lead_unit", "master")
        .prefetch_related("attachments")
        .get(pk=pk)
    )
    data = AppealDetailSerializer(appeal, context={"request": request}).data
    if tracking_code:
        data["tracking_code"] = tracking_code
    return Response(data, status=status)


APPEAL_RESPONSES = {**ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404, **ERROR_409}


# ---------------------------------------------------------------- reference data


class CategoryListView(generics.ListAPIView):
    serializer_class = CategorySerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        filters = parse_query(CategoryFilterSerializer, self.request)
        if "parent" in filters:
            filters["parent_id"] = filters.pop("parent")
        return Category.objects.filter(is_active=True, **filters).order_by("code")

    @extend_schema(
        tags=["reference"],
        summary="诉求分类（三级）",
        parameters=[CategoryFilterSerializer],
        responses={200: CategorySerializer(many=True), **ERRORS_400, **ERROR_401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


KNOWLEDGE_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN)


class KnowledgeListView(generics.ListAPIView):
    """知识库检索: every term must appear in the title, the body or the keywords."""

    serializer_class = KnowledgeArticleSerializer
    pagination_class = StandardPagination
    permission_classes = [role_permission(*KNOWLEDGE_ROLES)]

    def get_queryset(self):
        query = parse_query(KnowledgeQuerySerializer, self.request)
        qs = KnowledgeArticle.objects.filter(is_active=True).select_related("category")
        for term in query.get("q", "").split()[:10]:
            qs = qs.filter(Q(title__icontains=term) | Q(body__icontains=term) | Q(keywords__icontains=term))
        return qs.order_by("title", "id")

    @extend_schema(
        tags=["reference"],
        summary="知识库检索",
        parameters=[KnowledgeQuerySerializer],
        responses={200: KnowledgeArticleSerializer(many=True), **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# ---------------------------------------------------------------- intake, list, detail


class DuplicateSubmission(ServiceError):
    """A client key already used for an appeal the caller may not see (or a caller without an account)."""

    status = 409
    default_code = "duplicate_submission"


def api_filtered_appeals(request):
    """The appeals the user may see, filtered by the list's query (AppealFilterSerializer)."""
    filters = parse_query(AppealFilterSerializer, request)
    qs = visible_appeals(request.user)
    if "state" in filters:
        qs = qs.filter(state=filters["state"])
    if "lead_unit" in filters:
        qs = qs.filter(lead_unit_id=filters["lead_unit"])
    if "q" in filters:
        qs = qs.filter(title__icontains=filters["q"])
    if "light" in filters:
        qs = qs.filter(light_q(filters["light"], timezone.now()))
    return qs


class AppealMapView(APIView):
    """The list's appeals that have a place, as map pins (WGS-84), in the caller's scope and with the list's
    filters; the most recent MAP_LIMIT of them."""

    @extend_schema(
        tags=["appeals"],
        summary="诉求地图点位（按权限范围，筛选同列表）",
        parameters=[AppealFilterSerializer],
        responses={200: AppealMapSerializer, **ERRORS_400, **ERROR_401},
    )
    def get(self, request):
        return Response(map_points(api_filtered_appeals(request), timezone.now()))


class AppealListCreateView(generics.GenericAPIView):
    pagination_class = StandardPagination
    serializer_class = AppealListSerializer
    throttle_classes = [AnonymousSubmitThrottle]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    @extend_schema(
        tags=["appeals"],
        summary="诉求列表（按权限范围）",
        parameters=[AppealFilterSerializer],
        responses={200: AppealListSerializer(many=True), **ERRORS_400, **ERROR_401},
    )
    def get(self, request):
        qs = api_filtered_appeals(request)
        page = self.paginate_queryset(qs.order_by("-received_at", "-id"))
        rows = AppealListSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(rows)

    @extend_schema(
        tags=["appeals"],
        summary="提交诉求",
        request={"application/json": SubmitAppealSerializer, "multipart/form-data": SubmitAppealSerializer},
        responses={
            201: SubmittedAppealSerializer,
            200: OpenApiResponse(AppealDetailSerializer, description="重复的幂等键：返回已受理的诉求"),
            **ERRORS_400,
            **ERROR_403,
            409: OpenApiResponse(ErrorSerializer, description="幂等键已被使用（不是您的诉求）"),
        },
    )
    def post(self, request):
        data = SubmitAppealSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        kwargs = dict(data.validated_data)
        if not kwargs["client_key"]:
            kwargs["client_key"] = self._idempotency_key(request)
        actor = request.user if request.user.is_authenticated else None
        started = timezone.now()
        try:
            appeal, tracking_code = services.submit_appeal(actor, **kwargs)
        except ServiceError as exc:
            if exc.field == "phone":  # normalize_phone names the field "phone"; here it is the appellant's
                exc.field = "appellant_phone"
            raise
        if appeal.received_at < started:  # accepted before, under the same client key
            if actor is None or not visible_appeals(actor).filter(pk=appeal.pk).exists():
                raise DuplicateSubmission(_("该幂等键对应的诉求已受理，请勿重复提交。"), field="client_key")
            return render_appeal(request, appeal.pk)
        return Response(
            submitted_appeal_data(appeal, request.user, **appeal.submitted_rows, tracking_code=tracking_code),
            status=201,
        )

    @staticmethod
    def _idempotency_key(request) -> str | None:
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key:
            return None
        if len(key) > 64 or not key.isprintable():
            raise exceptions.ValidationError({"client_key": [_("Idempotency-Key 不能超过64个字符。")]})
        return key


class AppealDetailView(APIView):
    @extend_schema(
        tags=["appeals"],
        summary="诉求详情（含时间线）",
        responses={200: AppealDetailSerializer, **ERROR_401, **ERROR_404},
    )
    def get(self, request, pk: int):
        scoped_appeal(request, pk)
        return render_appeal(request, pk)


# ---------------------------------------------------------------- workflow actions: a dispatch table


# The actions of POST /appeals/{id}/actions/{action}/: every AppealAction with an API input (appeals.actions); the
# service is called as service(user, appeal_id, **validated_data).
ACTIONS = {a.name: a for a in actions.ACTIONS if a.input is not None}


class ActionSchema(AutoSchema):
    """One OpenAPI operation per action, each with its own request body."""

    def _action(self) -> str:
        return self.view.action_name

    def get_request_serializer(self):
        return ACTIONS[self._action()].input

    def get_response_serializers(self):
        return {200: AppealDetailSerializer, **APPEAL_RESPONSES}

    def get_operation_id(self):
        return f"appeals_action_{self._action()}"

    def get_summary(self):
        return f"{ACTION_LABELS[self._action()]}（{self._action()}）"

    def get_description(self):
        return _(
            "409：当前状态不允许此操作（code=illegal_transition）；403：角色或单位无权操作；"
            "404：诉求不存在或不在可见范围内；400：输入有误。"
        )

    def get_tags(self):
        return ["appeal actions"]


class AppealActionView(APIView):
    """POST /appeals/{id}/actions/{action}/ — parse with the action's serializer, call its service, render."""

    action_name = ""
    schema = ActionSchema()

    def post(self, request, pk: int):
        spec = ACTIONS[self.action_name]
        scoped_appeal(request, pk)
        data = spec.input(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        spec.service(request.user, pk, **data.validated_data)
        return render_appeal(request, pk)


@extend_schema(exclude=True)
class UnknownActionView(APIView):
    def post(self, request, pk: int, action: str):
        raise exceptions.NotFound(_("没有名为「%(action)s」的操作。") % {"action": action[:40]})

    get = post


class SuperviseView(APIView):
    @extend_schema(
        tags=["appeal actions"],
        summary="催办（级别0）/督办（级别1–3）",
        request=SuperviseInput,
        responses={200: AppealDetailSerializer, **APPEAL_RESPONSES},
    )
    def post(self, request, pk: int):
        scoped_appeal(request, pk)
        data = SuperviseInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.supervise(request.user, pk, **data.validated_data)
        return render_appeal(request, pk)


class ClaimView(APIView):
    @extend_schema(
        tags=["appeal actions"],
        summary="首接（认领为首接负责人）",
        request=None,
        responses={200: AppealDetailSerializer, **APPEAL_RESPONSES},
    )
    def post(self, request, pk: int):
        scoped_appeal(request, pk)
        services.claim_first_receipt(request.user, pk)
        return render_appeal(request, pk)


class ReplyQualityInput(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text=_("拟发送的答复内容"))


class ReplyQualityPreviewView(APIView):
    """The nudge before sending (issue L part 3): how a draft reply would score now. Never blocks the reply."""

    @extend_schema(
        tags=["appeal actions"],
        summary="答复质量预览（发送前提示，不阻止答复）",
        request=ReplyQualityInput,
        responses={200: AppealReplyQualitySerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def post(self, request, pk: int):
        from gongzhi.insight.quality import assess_reply

        appeal = scoped_appeal(request, pk)
        roles = request.user.roles
        if not {"reply", "answer_directly"} & set(WORKFLOW.available(appeal.state, roles)):
            raise PermissionDeniedError(_("当前不能答复该诉求。"))
        data = ReplyQualityInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(AppealReplyQualitySerializer(assess_reply(appeal, data.validated_data["text"])).data)


class RevealContactView(APIView):
    @extend_schema(
        tags=["appeals"],
        summary="查看诉求人完整联系方式（留痕）",
        request=None,
        responses={200: ContactSerializer, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def post(self, request, pk: int):
        appeal = scoped_appeal(request, pk)
        contact = services.reveal_contact(request.user, appeal)
        return Response(contact, headers={"Cache-Control": "no-store"})


# ---------------------------------------------------------------- three rates


class RatesView(APIView):
    @extend_schema(
        tags=["rates"],
        summary="三率及其他考核指标（按月）",
        parameters=[RatesQuerySerializer],
        responses={200: RatesSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        query = parse_query(RatesQuerySerializer, request)
        by, unit = query["by"], query.get("unit")
        own_unit = rates.own_unit_only(request.user)
        if own_unit is not None:
            if by != "unit" or (unit is not None and unit != own_unit):
                raise PermissionDeniedError(_("承办人只能查看本单位的指标。"))
            unit = own_unit
        if unit is not None and by != "unit":
            raise ServiceError(_("按街道统计时不能指定单位。"), field="unit")
        period = query.get("period") or timezone.localdate().strftime("%Y-%m")
        try:
            start, end = rates.month_bounds(period)
        except ValueError:
            raise ServiceError(_("月份无效，格式应为 YYYY-MM。"), field="period") from None
        # Rank over all groups first, so that one unit's row keeps its true place.
        result = rates.ranking(start, end, by=by)
        rows = [{**m.as_dict(), "rank": place} for place, m in enumerate(result["ranked"], start=1)]
        rows += [{**m.as_dict(), "rank": None} for m in result["small_sample"]]
        if unit is not None:
            rows = [row for row in rows if row["id"] == unit]
        return Response(
            {
                "period": period,
                "by": by,
                "min_callbacks": result["min_callbacks"],
                "dispatch": result["dispatch"].as_dict() if own_unit is None else None,
                "results": rows,
            }
        )


class DensityCellSerializer(serializers.Serializer):
    h3 = serializers.CharField(help_text="H3 单元编号")
    count = serializers.IntegerField(help_text="近90天诉求数（不少于5，少于5的单元不公开）")


class DensityQuerySerializer(serializers.Serializer):
    resolution = serializers.IntegerField(required=False, default=8, help_text="H3 分辨率，5–9，缺省 8")


class PublicDensityView(APIView):
    """GET /api/v1/public/density/: counts by H3 cell for a public map; no text, no cell under the k-floor."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicReadThrottle]

    @extend_schema(
        tags=["public"],
        summary="公开诉求密度（H3 单元，近90天，每单元不少于5件）",
        parameters=[DensityQuerySerializer],
        responses={200: DensityCellSerializer(many=True), **ERRORS_400},
    )
    def get(self, request):
        resolution = public.parse_resolution(request.query_params.get("resolution"))
        return Response(public.density(resolution))

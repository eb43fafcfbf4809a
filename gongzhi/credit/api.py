"""/api/v1/credit/: the same services as the pages.

Handlers parse input with a typed serializer (credit.serializers), call ONE service, and render. A case outside the
user's scope is a 404, never a 403. Refusals are `ServiceError`s rendered by `gongzhi.core.api.exception_handler` as
`{"code", "detail"[, "fields"]}`; their codes are credit's catalogue (credit.errors.ErrorCode).
"""

import json
from typing import cast

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.core import outbox
from gongzhi.core.api_views import ERROR_401, ERROR_403, ERROR_404, ERROR_409, ERRORS_400
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.ids import parse_id
from gongzhi.core.schema import AutoSchema, error_serializer
from gongzhi.core.serializers import ErrorSerializer

from . import actions, discretion, selectors, services
from .errors import ErrorCode
from .models import CreditPlatform, Enterprise
from .serializers import (
    AcknowledgedSerializer,
    AcknowledgeInput,
    CaseActionResultSerializer,
    CaseDetailSerializer,
    CaseListSerializer,
    CaseSerializer,
    CaseWithDeliveriesSerializer,
    DeliveryListSerializer,
    DeliverySerializer,
    EnterpriseAppealInputSerializer,
    EnterpriseAppealListSerializer,
    EnterpriseAppealSerializer,
    EnterpriseInput,
    EnterpriseListSerializer,
    EnterpriseSerializer,
    ExemptionDecisionInput,
    ExemptionDecisionListSerializer,
    ExemptionDecisionSerializer,
    IdStatusSerializer,
    ObjectionInput,
    OpenCaseInput,
    PenaltyCheckInput,
    PenaltyCheckSerializer,
    PenaltyDetailSerializer,
    PenaltyInput,
    PenaltyListSerializer,
    PenaltySerializer,
    PerformedInput,
    PublicRecordListSerializer,
    PublicRecordSerializer,
    RepairDecisionInput,
    RepairInput,
)

WRITE_ERRORS = {**ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404}
CASE_ERRORS = {**WRITE_ERRORS, **ERROR_409}
READ_ERRORS = {**ERROR_401, **ERROR_403, **ERROR_404}


class IsCreditOfficer(BasePermission):
    def has_permission(self, request, view):
        return services.is_officer(request.user)


def require_officer(request) -> None:
    if not services.is_officer(request.user):
        raise PermissionDeniedError(_("只有信用专员可以执行此操作。"))


def parsed(input_class, request, **context):
    """The request's validated data; bad input is a 400 `invalid` with per-field messages in Chinese."""
    data = input_class(data=request.data, context={"request": request, **context})
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def scoped_case(request, pk: int):
    """The case if the user may see it; otherwise the same 404 as for an id that does not exist."""
    case = selectors.visible_cases(request.user).filter(pk=pk).first()
    if case is None:
        raise exceptions.NotFound(_("执行案件不存在或不在您的可见范围内。"))
    return case


def enterprise_filter(request):
    """?enterprise=<id>: that enterprise (404 when there is none); absent: None."""
    value = request.query_params.get("enterprise", "")
    if not value:
        return None
    if (pk := parse_id(value)) is None:
        raise ServiceError(_("enterprise 应为企业 id。"), code=ErrorCode.INVALID, field="enterprise")
    return get_object_or_404(Enterprise, pk=pk)


ENTERPRISE_QUERY = OpenApiParameter("enterprise", int, description="只看该企业（企业 id）")


def penalty_data(penalty) -> dict:
    """A penalty as PenaltyDetailSerializer documents it: the record, its publicity, repair and discretion band."""
    band = None
    if penalty.band_id:
        band = {
            "id": penalty.band_id,
            "benchmark": penalty.band.benchmark.code,
            "violation": penalty.band.benchmark.violation,
            "grade": penalty.band.grade,
            "band": discretion.band_text(penalty.band),
            "departures": discretion.departures(penalty.band, penalty.penalty_types, penalty.fine_amount),
            "outside_reason": penalty.outside_reason,
            "awaiting_approval": penalty.awaiting_approval,
            "approved_at": penalty.band_approved_at,
        }
    return {
        **PenaltySerializer(penalty).data,
        "publicity": services.penalty_publicity(penalty),
        "repair": services.penalty_repair_eligibility(penalty),
        "discretion": band,
    }


# ---------------------------------------------------------------- the public query, enterprises


class PublicQueryView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["credit"],
        summary="公开查询：按企业名称或统一社会信用代码，仅返回公布中的失信信息",
        parameters=[OpenApiParameter("q", str, description="企业名称或统一社会信用代码")],
        responses={200: PublicRecordListSerializer},
    )
    def get(self, request):
        rows = selectors.public_query(request.query_params.get("q", ""))[:100]
        return Response({"results": PublicRecordSerializer(rows, many=True).data})


class EnterpriseListCreateView(APIView):
    permission_classes = [IsCreditOfficer]

    @extend_schema(
        tags=["credit"],
        summary="企业列表",
        operation_id="v1_credit_enterprises_list",
        responses={200: EnterpriseListSerializer, **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        return Response({"results": EnterpriseSerializer(Enterprise.objects.all()[:500], many=True).data})

    @extend_schema(
        tags=["credit"],
        summary="登记企业",
        operation_id="v1_credit_enterprises_create",
        request=EnterpriseInput,
        responses={201: EnterpriseSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        enterprise = services.create_enterprise(request.user, **parsed(EnterpriseInput, request))
        return Response(EnterpriseSerializer(enterprise).data, status=201)


# ---------------------------------------------------------------- enforcement cases


class CaseListCreateView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="执行案件列表（按权限范围）",
        operation_id="v1_credit_cases_list",
        responses={200: CaseListSerializer, **ERROR_401},
    )
    def get(self, request):
        rows = selectors.visible_cases(request.user)[:500]
        return Response({"results": CaseSerializer(rows, many=True).data})

    @extend_schema(
        tags=["credit"],
        summary="新建执行案件",
        operation_id="v1_credit_cases_create",
        request=OpenCaseInput,
        responses={201: CaseDetailSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        case = services.open_case(request.user, **parsed(OpenCaseInput, request))
        return Response(CaseDetailSerializer(case).data, status=201)


class CaseDetailView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="执行案件详情（时限、各平台同步状态）",
        responses={200: CaseWithDeliveriesSerializer, **ERROR_401, **ERROR_404},
    )
    def get(self, request, pk: int):
        case = scoped_case(request, pk)
        data = CaseDetailSerializer(case).data
        data["deliveries"] = DeliverySerializer(selectors.sync_status(case), many=True).data
        return Response(data)


# The actions of POST /cases/{id}/actions/{name}/: the case's action specs that have an API input (credit/actions.py).
ACTIONS: dict[str, actions.CreditAction] = {
    spec.name: spec for spec in actions.ACTIONS if spec.input is not None
}


class CaseActionSchema(AutoSchema):
    """One OpenAPI operation per action, each with its own request body (as appeals' ActionSchema)."""

    def _action(self) -> str:
        return cast("CaseActionView", self.view).action_name

    def get_request_serializer(self):
        return ACTIONS[self._action()].input

    def get_response_serializers(self):
        return {
            200: CaseActionResultSerializer,
            **CASE_ERRORS,
            400: OpenApiResponse(
                ErrorSerializer, description="输入有误（fields 给出逐项说明），或依法不能作出该决定"
            ),
        }

    def get_operation_id(self):
        return f"v1_credit_cases_action_{self._action()}"

    def get_summary(self):
        return f"{ACTIONS[self._action()].summary}（{self._action()}）"

    def get_description(self):
        return _(
            "409：案件当前状态不允许此操作（code=illegal_transition）；403：无权操作；"
            "404：案件不存在或不在可见范围内；400：输入有误或依法不能作出该决定（code 见 CreditError）。"
        )

    def get_tags(self):
        return ["credit case actions"]


class CaseActionView(APIView):
    """POST /cases/{id}/actions/{action}/ — parse with the action's serializer, call its service, render."""

    action_name = ""
    schema = CaseActionSchema()

    def post(self, request, pk: int):
        action = ACTIONS[self.action_name]
        case = scoped_case(request, pk)
        result = action.run(request.user, case.pk, **parsed(action.input, request))
        case.refresh_from_db()
        return Response({"case": CaseDetailSerializer(case).data, "result_id": getattr(result, "pk", None)})


@extend_schema(exclude=True)
class UnknownCaseActionView(APIView):
    def post(self, request, pk: int, action: str):
        raise exceptions.NotFound(_("没有名为「%(action)s」的操作。") % {"action": action[:40]})


class RepairView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["credit"],
        summary="提交信用修复申请（multipart，evidence 可多个）",
        request={"multipart/form-data": RepairInput},
        responses={201: IdStatusSerializer, **CASE_ERRORS},
    )
    def post(self, request, pk: int):
        case = scoped_case(request, pk)
        data = parsed(RepairInput, request)
        application = services.submit_repair(request.user, case.pk, files=data.pop("evidence"), **data)
        return Response({"id": application.pk, "status": application.status}, status=201)


class RepairDecisionView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="信用修复审查决定",
        request=RepairDecisionInput,
        responses={200: IdStatusSerializer, **CASE_ERRORS},
    )
    def post(self, request, pk: int):
        application = services.decide_repair(request.user, pk, **parsed(RepairDecisionInput, request))
        return Response({"id": application.pk, "status": application.status})


class ObjectionView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="提出纠正申请",
        request=ObjectionInput,
        responses={201: IdStatusSerializer, **CASE_ERRORS},
    )
    def post(self, request, pk: int):
        case = scoped_case(request, pk)
        result = services.file_objection(request.user, case.pk, **parsed(ObjectionInput, request))
        return Response({"id": result.pk, "status": result.status}, status=201)


class OverdueDeliveriesView(APIView):
    permission_classes = [IsCreditOfficer]

    @extend_schema(
        tags=["credit"],
        summary="逾期未确认的信用平台消息",
        responses={200: DeliveryListSerializer, **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        rows = selectors.overdue_deliveries()[:500]
        return Response({"results": DeliverySerializer(rows, many=True).data})


# ---------------------------------------------------------------- administrative penalties


class PenaltyCheckView(APIView):
    permission_classes = [IsCreditOfficer]
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["credit"],
        summary="行政处罚法第33条审查（首违不罚 / 轻微免罚 / 无错不罚）",
        request=PenaltyCheckInput,
        responses={200: PenaltyCheckSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        return Response(services.check_penalty_exemption(**parsed(PenaltyCheckInput, request)))


class PenaltyListCreateView(APIView):
    """GET: penalty records the user may see, each with its publicity period and repair eligibility.
    POST (credit officers): record a penalty; the Art. 33 check runs first and refuses a penalty that must not be
    imposed (record the exemption decision at penalties/exemptions/ instead)."""

    parser_classes = [JSONParser]

    @extend_schema(
        tags=["credit"],
        summary="行政处罚列表（?enterprise=id）",
        operation_id="v1_credit_penalties_list",
        parameters=[ENTERPRISE_QUERY],
        responses={200: PenaltyListSerializer, **ERRORS_400, **ERROR_401, **ERROR_404},
    )
    def get(self, request):
        rows = selectors.penalties(request.user, enterprise_filter(request))[:500]
        return Response({"results": [penalty_data(p) for p in rows]})

    @extend_schema(
        tags=["credit"],
        summary="记录行政处罚（先做第33条审查；应当不予处罚的被拒绝）",
        operation_id="v1_credit_penalties_create",
        request=PenaltyInput,
        responses={201: PenaltyDetailSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        require_officer(request)
        penalty = services.record_penalty(request.user, **parsed(PenaltyInput, request))
        return Response(penalty_data(penalty), status=201)


class PenaltyDetailView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="行政处罚详情：失信程度、公示期（按决定日适用的规定）和信用修复条件",
        responses={200: PenaltyDetailSerializer, **ERROR_401, **ERROR_404},
    )
    def get(self, request, pk: int):
        penalty = selectors.penalties(request.user).filter(pk=pk).first()
        if penalty is None:
            raise exceptions.NotFound(_("行政处罚记录不存在或不在您的可见范围内。"))
        return Response(penalty_data(penalty))


class PenaltyApproveBandView(APIView):
    permission_classes = [IsCreditOfficer]

    @extend_schema(
        tags=["credit"],
        summary="审批超出裁量基准的处罚决定（须另一名信用专员）",
        request=None,
        responses={200: PenaltyDetailSerializer, **CASE_ERRORS},
    )
    def post(self, request, pk: int):
        return Response(penalty_data(discretion.approve_outside_band(request.user, pk)))


class PenaltyPerformedView(APIView):
    permission_classes = [IsCreditOfficer]

    @extend_schema(
        tags=["credit"],
        summary="记录处罚已履行完毕",
        request=PerformedInput,
        responses={200: PenaltyDetailSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        note = parsed(PerformedInput, request)["note"]
        return Response(penalty_data(services.mark_penalty_performed(request.user, pk, note=note)))


class ExemptionDecisionListCreateView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["credit"],
        summary="不予行政处罚决定列表（?enterprise=id）",
        operation_id="v1_credit_penalties_exemptions_list",
        parameters=[ENTERPRISE_QUERY],
        responses={200: ExemptionDecisionListSerializer, **ERRORS_400, **ERROR_401, **ERROR_404},
    )
    def get(self, request):
        rows = selectors.exemption_decisions(request.user, enterprise_filter(request))[:500]
        return Response({"results": ExemptionDecisionSerializer(rows, many=True).data})

    @extend_schema(
        tags=["credit"],
        summary="记录不予行政处罚决定（第33条应当或可以不予处罚时）",
        operation_id="v1_credit_penalties_exemptions_create",
        request=ExemptionDecisionInput,
        responses={201: ExemptionDecisionSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        require_officer(request)
        decision = services.record_exemption_decision(request.user, **parsed(ExemptionDecisionInput, request))
        return Response(ExemptionDecisionSerializer(decision).data, status=201)


# ---------------------------------------------------------------- enterprises' appeals


class EnterpriseAppealsView(APIView):
    @extend_schema(
        tags=["credit"],
        summary="企业诉求（急企业之所急）列表",
        operation_id="v1_credit_enterprises_appeals_list",
        responses={200: EnterpriseAppealListSerializer, **READ_ERRORS},
    )
    def get(self, request, pk: int):
        enterprise = get_object_or_404(Enterprise, pk=pk)
        if not (
            selectors.can_see_enterprises(request.user) or services.is_contact(request.user, enterprise.pk)
        ):
            raise exceptions.NotFound(_("企业不存在或不在您的可见范围内。"))
        rows = selectors.enterprise_appeals(request.user, enterprise)[:500]
        return Response({"results": EnterpriseAppealSerializer(rows, many=True).data})

    @extend_schema(
        tags=["credit"],
        summary="提交企业诉求（企业联系人本人，或话务员代为登记）",
        operation_id="v1_credit_enterprises_appeals_create",
        request={
            "application/json": EnterpriseAppealInputSerializer,
            "multipart/form-data": EnterpriseAppealInputSerializer,
        },
        responses={201: EnterpriseAppealSerializer, **WRITE_ERRORS},
    )
    def post(self, request, pk: int):
        enterprise = get_object_or_404(Enterprise, pk=pk)
        if not services.can_submit_enterprise_appeal(request.user, enterprise.pk):
            raise PermissionDeniedError(_("只有企业联系人或话务员可以提交企业诉求。"))
        data = parsed(EnterpriseAppealInputSerializer, request)
        data["attachments"] = request.FILES.getlist("attachments")
        link = services.submit_enterprise_appeal(request.user, enterprise.pk, **data)
        return Response(EnterpriseAppealSerializer(link).data, status=201)


# ---------------------------------------------------------------- platforms' acknowledgements


class AcknowledgeView(APIView):
    """A platform confirms a message: body {"idempotency_key": …}, signed with the platform's secret like our
    webhooks (X-Gongzhi-Timestamp, X-Gongzhi-Signature)."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["credit"],
        summary="信用平台确认收到（HMAC 签名）",
        request=AcknowledgeInput,
        responses={
            200: AcknowledgedSerializer,
            **ERRORS_400,
            401: OpenApiResponse(error_serializer("credit"), description="签名无效或已过期（bad_signature）"),
            **ERROR_404,
        },
    )
    def post(self, request, platform_id: int):
        platform = get_object_or_404(CreditPlatform, pk=platform_id, is_active=True)
        raw = request.body
        if not platform.secret or not outbox.verify_signature(
            platform.secret,
            request.headers.get(outbox.TIMESTAMP_HEADER, ""),
            raw,
            request.headers.get(outbox.SIGNATURE_HEADER, ""),
        ):
            return Response({"code": ErrorCode.BAD_SIGNATURE, "detail": _("签名无效或已过期。")}, status=401)
        try:
            key = json.loads(raw or b"{}").get("idempotency_key", "")
        except (ValueError, AttributeError):
            raise exceptions.ParseError() from None
        message = outbox.OutboxMessage.objects.filter(idempotency_key=key, target=platform.target).first()
        if message is None:
            raise exceptions.NotFound(_("没有该消息。"))
        outbox.acknowledge(key)
        return Response({"status": "confirmed"})

"""/api/v1/credit/: the same services as the pages. Errors follow gongzhi.core.api ({"code", "detail"})."""

import json

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, parser_classes, permission_classes
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response

from gongzhi.core import outbox
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.ids import parse_id
from gongzhi.core.models import Region

from . import discretion, selectors, services
from .models import CreditPlatform, Enterprise
from .serializers import (
    CaseDetailSerializer,
    CaseSerializer,
    DeliverySerializer,
    EnterpriseAppealInputSerializer,
    EnterpriseAppealSerializer,
    EnterpriseSerializer,
    ExemptionDecisionSerializer,
    PenaltySerializer,
    PublicRecordSerializer,
)

ERRORS = {code: OpenApiTypes.OBJECT for code in (400, 403, 404, 409)}


def doc(summary: str, request=OpenApiTypes.OBJECT, response=OpenApiTypes.OBJECT, status: int = 200):
    return extend_schema(
        tags=["credit"], summary=summary, request=request, responses={status: response, **ERRORS}
    )


def list_and_create(name: str):
    """Operation ids of a GET-list/POST-create function view (drf-spectacular names both GETs "retrieve")."""

    def decorate(view):
        view = extend_schema(methods=["GET"], operation_id=f"{name}_list")(view)
        return extend_schema(methods=["POST"], operation_id=f"{name}_create")(view)

    return decorate


class IsCreditOfficer(BasePermission):
    def has_permission(self, request, view):
        return services.is_officer(request.user)


ACTIONS = {
    "issue_notice": services.issue_notice,
    "settle": services.settle,
    "decide_listing": services.decide_listing,
    "publish": services.publish,
    "correct": services.correct,
    "revoke": services.revoke,
    "delete": services.delete_listing,
    "extend_term": services.extend_term,
    "report_deletion_ground": services.report_deletion_ground,
    "report_error": services.report_error,
}


def _body(request) -> dict:
    data = request.data
    if not isinstance(data, dict):
        if hasattr(data, "dict"):
            return data.dict()
        raise ParseError()
    return dict(data)


def _case(request, pk):
    case = selectors.visible_cases(request.user).filter(pk=pk).first()
    if case is None:
        raise NotFound()
    return case


def _region(value):
    """A region given by its code (as everywhere in the API); nothing else is a region."""
    if value in (None, ""):
        return None
    region = Region.objects.filter(code=value).first() if isinstance(value, str) else None
    if region is None:
        raise ServiceError("所属区域应为区域编码（如 439001001）。", field="region")
    return region


CONTACT_FIELDS = {"name", "phone", "email", "is_primary"}


def _contacts(value) -> list[dict]:
    """Contacts as a list of objects with a name and a phone or e-mail; an account is linked by its phone (never
    by an id sent in the body)."""
    if not isinstance(value, list) or not all(isinstance(c, dict) for c in value):
        raise ServiceError(
            '联系人应为对象列表，如 [{"name": "张三", "phone": "13800000000"}]。', field="contacts"
        )
    unknown = sorted({key for c in value for key in c} - CONTACT_FIELDS)
    if unknown:
        fields = "、".join(unknown)
        raise ServiceError(
            f"联系人不支持字段：{fields}（可用：name、phone、email、is_primary）。", field="contacts"
        )
    if any(not isinstance(c.get("is_primary", False), bool) for c in value):
        raise ServiceError("联系人的 is_primary 应为 true 或 false。", field="contacts")
    return value


def _call(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except TypeError as exc:  # an unknown or missing field in the request body
        raise ServiceError(f"请求字段有误：{exc}", code="invalid") from None


@doc("公开查询：按企业名称或统一社会信用代码，仅返回公布中的失信信息", request=None)
@api_view(["GET"])
@permission_classes([AllowAny])
def public_query(request):
    results = selectors.public_query(request.query_params.get("q", ""))[:100]
    return Response({"results": PublicRecordSerializer(results, many=True).data})


@doc("企业列表 / 登记企业")
@api_view(["GET", "POST"])
@permission_classes([IsCreditOfficer])
def enterprises(request):
    if request.method == "GET":
        return Response({"results": EnterpriseSerializer(Enterprise.objects.all()[:500], many=True).data})
    body = _body(request)
    body["region"] = _region(body.get("region"))
    body["contacts"] = _contacts(body.get("contacts", []))
    enterprise = _call(services.create_enterprise, request.user, **body)
    return Response(EnterpriseSerializer(enterprise).data, status=201)


@list_and_create("v1_credit_cases")
@doc("执行案件列表 / 新建执行案件")
@api_view(["GET", "POST"])
def cases(request):
    if request.method == "GET":
        return Response(
            {"results": CaseSerializer(selectors.visible_cases(request.user)[:500], many=True).data}
        )
    body = _body(request)
    pk = parse_id(body.pop("enterprise", None))  # an id typed as anything: not a 500 in the query
    enterprise = Enterprise.objects.filter(pk=pk).first() if pk is not None else None
    if enterprise is None:
        raise ServiceError("请选择被执行企业。", field="enterprise")
    case = _call(services.open_case, request.user, enterprise=enterprise, **body)
    return Response(CaseDetailSerializer(case).data, status=201)


@doc("执行案件详情（时限、各平台同步状态）", request=None)
@api_view(["GET"])
def case_detail(request, pk):
    case = _case(request, pk)
    data = CaseDetailSerializer(case).data
    data["deliveries"] = DeliverySerializer(selectors.sync_status(case), many=True).data
    return Response(data)


@doc("执行流程操作：issue_notice、settle、decide_listing、publish、correct、revoke、delete、extend_term 等")
@api_view(["POST"])
def case_action(request, pk, action):
    if action not in ACTIONS:
        raise NotFound()
    case = _case(request, pk)
    result = _call(ACTIONS[action], request.user, case.pk, **_body(request))
    case.refresh_from_db()
    return Response({"case": CaseDetailSerializer(case).data, "result_id": getattr(result, "pk", None)})


@doc("提交信用修复申请（multipart，evidence 可多个）", status=201)
@api_view(["POST"])
@parser_classes([MultiPartParser, FormParser])
def repair(request, pk):
    case = _case(request, pk)
    data = request.data
    application = services.submit_repair(
        request.user,
        case.pk,
        ground=data.get("ground", ""),
        statement=data.get("statement", ""),
        commitment=data.get("commitment", ""),
        files=request.FILES.getlist("evidence"),
    )
    return Response({"id": application.pk, "status": application.status}, status=201)


@doc("信用修复审查决定")
@api_view(["POST"])
def repair_decision(request, pk):
    body = _body(request)
    application = services.decide_repair(
        request.user, pk, approve=bool(body.get("approve")), reason=body.get("reason", "")
    )
    return Response({"id": application.pk, "status": application.status})


@doc("提出纠正申请", status=201)
@api_view(["POST"])
def objection(request, pk):
    case = _case(request, pk)
    body = _body(request)
    result = services.file_objection(
        request.user, case.pk, ground=body.get("ground", ""), statement=body.get("statement", "")
    )
    return Response({"id": result.pk, "status": result.status}, status=201)


@doc("逾期未确认的信用平台消息", request=None)
@api_view(["GET"])
@permission_classes([IsCreditOfficer])
def overdue_deliveries(request):
    return Response({"results": DeliverySerializer(selectors.overdue_deliveries()[:500], many=True).data})


@doc("行政处罚法第33条审查（首违不罚 / 轻微免罚 / 无错不罚）")
@api_view(["POST"])
@permission_classes([IsCreditOfficer])
@parser_classes([JSONParser])
def penalty_check(request):
    body = _body(request)
    return Response(_call(services.check_penalty_exemption, **body))


def _penalty_body(penalty) -> dict:
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


def _enterprise_filter(request):
    value = request.query_params.get("enterprise", "")
    if not value:
        return None
    if (pk := parse_id(value)) is None:
        raise ServiceError("enterprise 应为企业 id。", field="enterprise")
    return get_object_or_404(Enterprise, pk=pk)


def _enterprise_from_body(body) -> Enterprise:
    value = body.pop("enterprise", None)
    pk = parse_id(value)
    enterprise = Enterprise.objects.filter(pk=pk).first() if pk is not None else None
    if enterprise is None:
        raise ServiceError("请选择企业。", field="enterprise")
    return enterprise


@list_and_create("v1_credit_penalties")
@doc("行政处罚列表（?enterprise=id）/ 记录行政处罚（先做第33条审查；应当不予处罚的被拒绝）")
@api_view(["GET", "POST"])
@parser_classes([JSONParser])
def penalties(request):
    """GET: penalty records the user may see, each with its publicity period and repair eligibility.
    POST (credit officers): record a penalty; the Art. 33 check runs first and refuses a penalty that must not be
    imposed (record the exemption decision at penalties/exemptions/ instead)."""
    if request.method == "GET":
        rows = selectors.penalties(request.user, _enterprise_filter(request))[:500]
        return Response({"results": [_penalty_body(p) for p in rows]})
    if not services.is_officer(request.user):
        raise PermissionDeniedError("只有信用专员可以执行此操作。")
    body = _body(request)
    enterprise = _enterprise_from_body(body)
    penalty = _call(services.record_penalty, request.user, enterprise=enterprise, **body)
    return Response(_penalty_body(penalty), status=201)


@doc("行政处罚详情：失信程度、公示期（按决定日适用的规定）和信用修复条件", request=None)
@api_view(["GET"])
def penalty_detail(request, pk):
    penalty = selectors.penalties(request.user).filter(pk=pk).first()
    if penalty is None:
        raise NotFound()
    return Response(_penalty_body(penalty))


@doc("审批超出裁量基准的处罚决定（须另一名信用专员）")
@api_view(["POST"])
@permission_classes([IsCreditOfficer])
def penalty_approve_band(request, pk):
    return Response(_penalty_body(discretion.approve_outside_band(request.user, pk)))


@doc("记录处罚已履行完毕")
@api_view(["POST"])
@permission_classes([IsCreditOfficer])
def penalty_performed(request, pk):
    penalty = services.mark_penalty_performed(request.user, pk, note=_body(request).get("note", ""))
    return Response(_penalty_body(penalty))


@doc("不予行政处罚决定列表 / 记录不予行政处罚决定（第33条应当或可以不予处罚时）")
@api_view(["GET", "POST"])
@parser_classes([JSONParser])
def exemption_decisions(request):
    if request.method == "GET":
        rows = selectors.exemption_decisions(request.user, _enterprise_filter(request))[:500]
        return Response({"results": ExemptionDecisionSerializer(rows, many=True).data})
    if not services.is_officer(request.user):
        raise PermissionDeniedError("只有信用专员可以执行此操作。")
    body = _body(request)
    enterprise = _enterprise_from_body(body)
    decision = _call(services.record_exemption_decision, request.user, enterprise=enterprise, **body)
    return Response(ExemptionDecisionSerializer(decision).data, status=201)


@doc("企业诉求（急企业之所急）：列表 / 提交（企业联系人本人，或话务员代为登记）")
@api_view(["GET", "POST"])
def enterprise_appeals(request, pk):
    enterprise = get_object_or_404(Enterprise, pk=pk)
    if request.method == "GET":
        if not (
            selectors.can_see_enterprises(request.user) or services.is_contact(request.user, enterprise.pk)
        ):
            raise NotFound()
        rows = selectors.enterprise_appeals(request.user, enterprise)[:500]
        return Response({"results": EnterpriseAppealSerializer(rows, many=True).data})
    if not services.can_submit_enterprise_appeal(request.user, enterprise.pk):
        raise PermissionDeniedError("只有企业联系人或话务员可以提交企业诉求。")
    serializer = EnterpriseAppealInputSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    data = dict(serializer.validated_data)
    data["attachments"] = request.FILES.getlist("attachments")
    link = services.submit_enterprise_appeal(request.user, enterprise.pk, **data)
    return Response(EnterpriseAppealSerializer(link).data, status=201)


@doc("信用平台确认收到（HMAC 签名）")
@api_view(["POST"])
@permission_classes([AllowAny])
def acknowledge(request, platform_id):
    """A platform confirms a message: body {"idempotency_key": …}, signed with the platform's secret like our
    webhooks (X-Gongzhi-Timestamp, X-Gongzhi-Signature)."""
    platform = get_object_or_404(CreditPlatform, pk=platform_id, is_active=True)
    raw = request.body
    if not platform.secret or not outbox.verify_signature(
        platform.secret,
        request.headers.get(outbox.TIMESTAMP_HEADER, ""),
        raw,
        request.headers.get(outbox.SIGNATURE_HEADER, ""),
    ):
        return Response({"code": "bad_signature", "detail": "签名无效或已过期。"}, status=401)
    try:
        key = json.loads(raw or b"{}").get("idempotency_key", "")
    except (ValueError, AttributeError):
        raise ParseError() from None
    message = outbox.OutboxMessage.objects.filter(idempotency_key=key, target=platform.target).first()
    if message is None:
        raise NotFound()
    outbox.acknowledge(key)
    return Response({"status": "confirmed"})

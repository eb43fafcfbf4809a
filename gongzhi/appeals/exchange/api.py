"""API downloads: the appeal list (same filter parameters as the list page) and the three-rates report."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.views import APIView

from gongzhi.core.api_views import ERROR_401, ERROR_403, ERRORS_400
from gongzhi.core.errors import ServiceError

from ..api import role_permission
from ..views import RATES_ROLES, STAFF_ROLES
from .views import appeals_file, download, rates_file

FILE = OpenApiResponse(OpenApiTypes.BINARY, description="文件")


class AppealExportView(APIView):
    permission_classes = [role_permission(*STAFF_ROLES)]

    @extend_schema(
        tags=["appeals"],
        summary="导出诉求（与列表页相同的筛选，按角色脱敏）",
        parameters=[
            OpenApiParameter("q", str),
            OpenApiParameter("state", str),
            OpenApiParameter("channel", str),
            OpenApiParameter("light", str),
        ],
        responses={200: FILE, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request, fmt: str):
        content, error = appeals_file(request.user, request.query_params, fmt)
        if content is None:
            raise ServiceError(error)
        return download(content, fmt, "appeals")


class RatesExportView(APIView):
    permission_classes = [role_permission(*RATES_ROLES)]

    @extend_schema(
        tags=["rates"],
        summary="三率月报（按单位和按街道），Excel 或 PDF",
        parameters=[OpenApiParameter("period", str, description="YYYY-MM")],
        responses={200: FILE, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request, fmt: str):
        content, period, error = rates_file(request.user, request.query_params, fmt)
        if content is None:
            raise ServiceError(error)
        return download(content, fmt, f"three-rates-{period}")

"""Core API: tokens (password or residents' one-time codes), the current user, regions, units, notifications.

Handlers parse input, call one service, render. Errors take the shared shape of `core.api.exception_handler`.
"""

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from . import geo, services, tokens, twofactor
from .clientaddr import client_ip
from .errors import NotFoundError, PermissionDeniedError, RateLimited, ServiceError
from .lockout import lockout_message
from .models import Region, Unit
from .selectors import user_notifications
from .serializers import (
    BoundaryFilterSerializer,
    ErrorSerializer,
    LocatedRegionSerializer,
    LocateQuerySerializer,
    MeSerializer,
    NotificationFilterSerializer,
    NotificationSerializer,
    PhoneCodeRequestSerializer,
    PhoneCodeSentSerializer,
    PhoneTokenRequestSerializer,
    RegionFilterSerializer,
    RegionSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UnitFilterSerializer,
    UnitSerializer,
)

ERRORS_400 = {400: OpenApiResponse(ErrorSerializer, description="输入有误（fields 给出逐项说明）")}
ERROR_401 = {401: OpenApiResponse(ErrorSerializer, description="未登录")}
ERROR_403 = {403: OpenApiResponse(ErrorSerializer, description="无权限")}
ERROR_404 = {404: OpenApiResponse(ErrorSerializer, description="不存在或不在您的可见范围内")}
ERROR_409 = {409: OpenApiResponse(ErrorSerializer, description="当前状态不允许此操作")}
ERROR_429 = {429: OpenApiResponse(ErrorSerializer, description="请求过于频繁")}


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def parse_query(serializer_class, request) -> dict:
    """Validate query parameters with a serializer; bad values are a 400 with per-field messages."""
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return {key: value for key, value in serializer.validated_data.items() if value not in (None, "")}


def token_for(user) -> str:
    return tokens.issue(user)


class ObtainTokenView(APIView):
    """Staff (and residents with a password) exchange username and password for an API token (POST); the caller
    revokes their own token (DELETE)."""

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "DELETE" else [AllowAny()]

    def perform_authentication(self, request):
        if (
            request.method == "DELETE"
        ):  # obtaining a token ignores whatever stale token the client still sends
            request.user  # noqa: B018 (authenticates)

    @extend_schema(tags=["auth"], summary="注销当前令牌", request=None, responses={204: None, **ERROR_401})
    def delete(self, request):
        tokens.revoke(request.user)
        return Response(status=204)

    @extend_schema(
        tags=["auth"],
        summary="用户名密码换取令牌",
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **ERRORS_400},
    )
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request, username=data.validated_data["username"], password=data.validated_data["password"]
        )
        if user is None and getattr(request, "axes_locked_out", False):
            raise RateLimited(lockout_message(request), code="locked_out")
        if user is None or not user.is_active:
            raise ServiceError(_("用户名或密码不正确。"), code="invalid_credentials")
        if twofactor.required_for(user):
            if not twofactor.is_enrolled(user):
                raise ServiceError(
                    _("您的岗位须先在网页上登录并绑定身份验证器，才能获取接口令牌。"),
                    code="second_factor_not_enrolled",
                    field="otp",
                )
            if not data.validated_data.get("otp"):
                raise ServiceError(
                    _("请同时提供身份验证器上的验证码（otp）。"), code="second_factor_required", field="otp"
                )
            twofactor.check_code(user, data.validated_data["otp"])
        return Response({"token": token_for(user)})


class PhoneCodeView(APIView):
    """Send a resident a one-time login code by SMS (rate-limited per number and per address)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="获取手机验证码",
        request=PhoneCodeRequestSerializer,
        responses={200: PhoneCodeSentSerializer, **ERRORS_400, **ERROR_429},
    )
    def post(self, request):
        data = PhoneCodeRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.send_login_code(data.validated_data["phone"], client_ip=client_ip(request))
        return Response({"detail": _("验证码已发送。"), "expires_in": settings.GONGZHI["OTP_TTL_SECONDS"]})


class PhoneTokenView(APIView):
    """Exchange a mobile number and its one-time code for a token (the account is made at first login)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["auth"],
        summary="手机验证码换取令牌",
        request=PhoneTokenRequestSerializer,
        responses={200: TokenSerializer, **ERRORS_400, **ERROR_429},
    )
    def post(self, request):
        data = PhoneTokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.verify_login_code(
            data.validated_data["phone"],
            data.validated_data["code"],
            privacy_consent=data.validated_data.get("agree_privacy", False),
        )
        if not user.is_active:
            raise ServiceError(_("该账号已停用。"), code="inactive")
        return Response({"token": token_for(user)})


class MeView(APIView):
    @extend_schema(tags=["auth"], summary="当前用户", responses={200: MeSerializer, **ERROR_401})
    def get(self, request):
        user = request.user
        return Response(
            {
                "username": user.username,
                "display_name": user.display_name,
                "roles": sorted(user.roles),
                "unit": user.unit_id,
            }
        )


class MyDataView(APIView):
    """A person's own data (个人信息保护法 第45条): GET ?format=json (default) or ?format=xlsx; the download is
    audited. DELETE closes the account (第47条): personal data removed, appeals kept anonymised."""

    @extend_schema(tags=["auth"], summary="下载我的数据", responses={200: OpenApiTypes.OBJECT, **ERROR_401})
    def get(self, request):
        from django.http import HttpResponse

        from . import personal_data
        from .spreadsheets import XLSX_TYPE

        if request.query_params.get("format") == "xlsx":
            response = HttpResponse(
                personal_data.export_xlsx(request.user, request.user), content_type=XLSX_TYPE
            )
            response["Content-Disposition"] = 'attachment; filename="my-data.xlsx"'
            return response
        return HttpResponse(
            personal_data.export_json(request.user, request.user), content_type="application/json"
        )

    @extend_schema(
        tags=["auth"], summary="注销账号", request=None, responses={204: None, **ERROR_401, **ERROR_403}
    )
    def delete(self, request):
        from . import personal_data
        from .account_views import can_close

        if not can_close(request.user):
            raise PermissionDeniedError(_("工作人员账号由系统管理员停用，不能在此注销。"))
        personal_data.close_account(request.user, reason="API")
        tokens.revoke(request.user)
        return Response(status=204)


class RegionListView(generics.ListAPIView):
    serializer_class = RegionSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        filters = parse_query(RegionFilterSerializer, self.request)
        if "parent" in filters:
            filters["parent_id"] = filters.pop("parent")
        return Region.objects.filter(**filters).order_by("path")

    @extend_schema(
        tags=["reference"],
        summary="区域（区县/街道/社区/网格）",
        parameters=[RegionFilterSerializer],
        responses={200: RegionSerializer(many=True), **ERRORS_400, **ERROR_401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RegionLocateView(APIView):
    """The deepest region whose boundary holds a point: the appeal form's map and any intake that knows where.
    Open to visitors (the form works without an account); it tells nothing but public region names."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["reference"],
        summary="按经纬度（WGS-84）定位所在区域",
        parameters=[LocateQuerySerializer],
        responses={
            200: LocatedRegionSerializer,
            **ERRORS_400,
            404: OpenApiResponse(ErrorSerializer, description="不在任何区域边界内"),
        },
    )
    def get(self, request):
        query = parse_query(LocateQuerySerializer, request)
        region = geo.locate_region(query["lon"], query["lat"])
        if region is None:
            raise NotFoundError(_("该位置不在本县范围内，请重新选择。"), code="outside")
        chain = [{"id": r.pk, "code": r.code, "name": r.name, "level": r.level} for r in region.ancestors()]
        return Response({**chain[0], "ancestors": chain})


class RegionBoundariesView(APIView):
    """The regions' boundaries as GeoJSON for maps (simplified to ≈ 3 m), public like the region names."""

    permission_classes = [AllowAny]

    @extend_schema(
        tags=["reference"],
        summary="区域边界（GeoJSON FeatureCollection，WGS-84）",
        parameters=[BoundaryFilterSerializer],
        responses={200: dict, **ERRORS_400},
    )
    def get(self, request):
        filters = parse_query(BoundaryFilterSerializer, request)
        response = Response(geo.boundaries_geojson(filters.get("level")))
        response["Cache-Control"] = "private, max-age=300"
        return response


class UnitListView(generics.ListAPIView):
    serializer_class = UnitSerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        filters = parse_query(UnitFilterSerializer, self.request)
        if "region" in filters:
            filters["region_id"] = filters.pop("region")
        return Unit.objects.filter(is_active=True, **filters).order_by("code")

    @extend_schema(
        tags=["reference"],
        summary="单位（一核多元）",
        parameters=[UnitFilterSerializer],
        responses={200: UnitSerializer(many=True), **ERRORS_400, **ERROR_401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class NotificationListView(generics.ListAPIView):
    serializer_class = NotificationSerializer
    pagination_class = StandardPagination

    def get_queryset(self):

        filters = parse_query(NotificationFilterSerializer, self.request)
        qs = user_notifications(self.request.user)
        if "unread" in filters:
            qs = qs.filter(read_at__isnull=filters["unread"])
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        tags=["notifications"],
        summary="我的站内通知",
        parameters=[NotificationFilterSerializer],
        responses={200: NotificationSerializer(many=True), **ERRORS_400, **ERROR_401},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

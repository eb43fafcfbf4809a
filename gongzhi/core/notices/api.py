"""API of notices and webhooks: a user's notification preferences; admins' webhook subscriptions and delivery log.

Handlers parse input, call one service, render; errors take the shared shape of `core.api.exception_handler`.
"""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.core import notices, webhooks
from gongzhi.core.api_views import ERROR_401, ERROR_403, ERROR_404, ERRORS_400, StandardPagination
from gongzhi.core.ids import parse_id
from gongzhi.core.outbox import OutboxAttempt, OutboxMessage
from gongzhi.core.webhooks.models import WebhookSubscription

# ---------------------------------------------------------------- preferences


class NoticeKindSerializer(serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()
    description = serializers.CharField()
    mandatory = serializers.BooleanField()
    reason = serializers.CharField(help_text=_("必须接收的原因"))
    enabled = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    sms = serializers.BooleanField(label=_("短信通知"))
    email = serializers.BooleanField(label=_("邮件通知"))
    email_address = serializers.CharField(
        label=_("电子邮箱"), allow_blank=True, required=False, max_length=254
    )
    disabled = serializers.ListField(
        child=serializers.CharField(max_length=40), required=False, help_text=_("关闭的可选通知类型")
    )
    phone = serializers.CharField(read_only=True, help_text=_("已脱敏的手机号"))
    kinds = NoticeKindSerializer(many=True, read_only=True)


class NotificationPreferencesView(APIView):
    """Which channels I am told on, and which optional notices I turned off. Mandatory ones cannot be."""

    @extend_schema(
        tags=["notifications"], summary="我的通知偏好", responses={200: PreferencesSerializer, **ERROR_401}
    )
    def get(self, request):
        return Response(notices.preference_summary(request.user))

    @extend_schema(
        tags=["notifications"],
        summary="修改通知偏好",
        request=PreferencesSerializer,
        responses={200: PreferencesSerializer, **ERRORS_400, **ERROR_401},
    )
    def put(self, request):
        data = PreferencesSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        notices.update_notification_preferences(
            request.user,
            request.user,
            sms=v["sms"],
            email=v["email"],
            email_address=v.get("email_address", ""),
            disabled=v.get("disabled", []),
        )
        request.user.refresh_from_db()
        return Response(notices.preference_summary(request.user))


# ---------------------------------------------------------------- webhooks (admins)


class IsAdmin(BasePermission):
    def has_permission(self, request, view):
        return bool(request.user and request.user.is_authenticated and request.user.has_role("admin"))


class SubscriptionSerializer(serializers.ModelSerializer):
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        min_length=0,
        max_length=200,
        help_text=_("至少16个字符；不填则自动生成，仅在创建时返回一次"),
    )
    event_types = serializers.ListField(child=serializers.CharField(max_length=80), allow_empty=False)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "name", "url", "secret", "event_types", "is_active", "created_at"]
        read_only_fields = ["id", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(read_only=True)


class AttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = OutboxAttempt
        fields = ["number", "started_at", "duration_ms", "ok", "status_code", "error"]


class DeliverySerializer(serializers.ModelSerializer):
    status = serializers.CharField(read_only=True)
    attempts_log = AttemptSerializer(source="delivery_attempts", many=True, read_only=True)

    class Meta:
        model = OutboxMessage
        fields = [
            "id",
            "event_id",
            "event_type",
            "target",
            "target_label",
            "address",
            "idempotency_key",
            "payload",
            "created_at",
            "status",
            "attempts",
            "next_attempt_at",
            "delivered_at",
            "acknowledged_at",
            "last_error",
            "attempts_log",
        ]


class SubscriptionListView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["webhooks"],
        summary="Webhook 订阅列表",
        responses={200: SubscriptionSerializer(many=True), **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        return Response(SubscriptionSerializer(WebhookSubscription.objects.all(), many=True).data)

    @extend_schema(
        tags=["webhooks"],
        summary="新建 Webhook 订阅",
        request=SubscriptionSerializer,
        responses={201: SubscriptionCreatedSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        data = SubscriptionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sub = webhooks.create_subscription(request.user, **data.validated_data)
        return Response(SubscriptionCreatedSerializer(sub).data, status=201)


class SubscriptionDetailView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["webhooks"],
        summary="Webhook 订阅",
        responses={200: SubscriptionSerializer, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def get(self, request, pk):
        return Response(SubscriptionSerializer(get_object_or_404(WebhookSubscription, pk=pk)).data)

    @extend_schema(
        tags=["webhooks"],
        summary="修改 Webhook 订阅（可部分修改）",
        request=SubscriptionSerializer,
        responses={200: SubscriptionSerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def patch(self, request, pk):
        sub = get_object_or_404(WebhookSubscription, pk=pk)
        data = SubscriptionSerializer(sub, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        sub = webhooks.update_subscription(request.user, sub.pk, **data.validated_data)
        return Response(SubscriptionSerializer(sub).data)


class DeliveryListView(ListAPIView):
    """The delivery log: newest first, each with its attempts; `?subscription=<id>` narrows it."""

    permission_classes = [IsAdmin]
    serializer_class = DeliverySerializer
    pagination_class = StandardPagination

    def get_queryset(self):
        sub = None
        ident = self.request.query_params.get("subscription", "")
        if ident:
            if (pk := parse_id(ident)) is None:
                from gongzhi.core.errors import ServiceError

                raise ServiceError(_("subscription 须为订阅 id。"), field="subscription")
            sub = get_object_or_404(WebhookSubscription, pk=pk)
        return webhooks.deliveries(sub).prefetch_related("delivery_attempts")

    @extend_schema(
        tags=["webhooks"],
        summary="Webhook 投递记录",
        responses={200: DeliverySerializer(many=True), **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class DeliveryRetryView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(
        tags=["webhooks"],
        summary="立即重试投递",
        request=None,
        responses={200: DeliverySerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def post(self, request, pk):
        message = get_object_or_404(webhooks.deliveries(), pk=pk)
        return Response(DeliverySerializer(webhooks.retry_delivery(request.user, message.pk)).data)

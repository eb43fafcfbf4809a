"""Insight API: classify a draft appeal; near-duplicates of an appeal; 附议; the 7-day forecast; proactive tasks
from surge alerts; hot spot → deliberation topic."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.appeals.models import Category
from gongzhi.appeals.selectors import visible_appeals
from gongzhi.appeals.throttles import PublicReadThrottle
from gongzhi.core.api_views import ERROR_401, ERROR_403, ERROR_404, ERROR_409, ERRORS_400, parse_query
from gongzhi.core.choices import RegionLevel
from gongzhi.core.errors import PermissionDeniedError, ServiceError
from gongzhi.core.models import Region, Unit
from gongzhi.core.permissions import LEADER_ROLES, STAFF_ROLES
from gongzhi.core.serializers import IdField

from . import actions as insight_actions
from . import alerts as alert_service
from . import cosign as cosign_service
from . import forecast, nearby, proactive, services
from . import spots as spot_service
from . import topics as topic_service
from .models import ProactiveTask


class ClassifyInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    content = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")
    region = serializers.IntegerField(required=False, allow_null=True)


class CategoryGuessSerializer(serializers.Serializer):
    name = serializers.CharField()
    category = serializers.IntegerField(allow_null=True)
    confidence = serializers.FloatField()


class SuggestedUnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    rule = serializers.IntegerField(
        allow_null=True, help_text="派单目录规则 id；推荐单位不是目录所定单位时为 null"
    )
    co_units = serializers.ListField(child=serializers.IntegerField())


class RoutedUnitSerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    name = serializers.CharField()
    score = serializers.FloatField(help_text="推荐分（0–1，三者按此排序）")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="推荐理由（中文短句）")


class ClassifyOutputSerializer(serializers.Serializer):
    categories = CategoryGuessSerializer(many=True)
    suggested_unit = SuggestedUnitSerializer(allow_null=True)
    units = RoutedUnitSerializer(many=True, help_text="推荐主办单位前三（派单历史 + 派单目录），附理由")


class AppealUnitsSerializer(serializers.Serializer):
    appeal = serializers.IntegerField()
    units = RoutedUnitSerializer(many=True)
    computed_at = serializers.DateTimeField()
    stored = serializers.BooleanField(help_text="true：诉求进入时保存的建议；false：此次即时计算（未保存）")


class SimilarQuerySerializer(serializers.Serializer):
    appeal = IdField()


class SimilarItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    jaccard = serializers.FloatField()


class ClassifyView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="诉求分类建议（前三个一级分类及置信度、建议主办单位）",
        request=ClassifyInputSerializer,
        responses={200: ClassifyOutputSerializer, **ERRORS_400, **ERROR_401},
    )
    def post(self, request):
        serializer = ClassifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if not (data["title"].strip() or data["content"].strip()):
            raise ServiceError(_("请填写标题或诉求内容。"), field="content")
        region = None
        if data.get("region") is not None:
            region = Region.objects.filter(pk=data["region"]).first()
            if region is None:
                raise ServiceError(_("区域不存在。"), field="region")
        return Response(services.classify(data["title"], data["content"], region))


class AppealUnitsView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="诉求的推荐主办单位前三及理由（工作人员）",
        responses={200: AppealUnitsSerializer, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def get(self, request, pk: int):
        return Response(AppealUnitsSerializer(services.appeal_units(request.user, pk)).data)


class SimilarView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="相似诉求（疑似重复，同街道、同一级分类、近30天）",
        parameters=[SimilarQuerySerializer],
        responses={200: SimilarItemSerializer(many=True), **ERRORS_400, **ERROR_401, **ERROR_404},
    )
    def get(self, request):
        query = parse_query(SimilarQuerySerializer, request)
        visible = visible_appeals(request.user)
        appeal = visible.get(pk=query["appeal"])  # outside the user's scope: 404
        found = services.similar_appeals(appeal, queryset=visible)
        return Response(
            [
                {
                    "id": f["appeal"].pk,
                    "number": f["appeal"].number,
                    "title": f["appeal"].title,
                    "state": f["appeal"].state,
                    "received_at": f["appeal"].received_at,
                    "jaccard": f["jaccard"],
                }
                for f in found
            ]
        )


class NearbyInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, allow_blank=True, required=False, default="")
    content = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")
    region = serializers.IntegerField(required=False, allow_null=True, help_text="所在社区（或网格）id，可选")
    longitude = serializers.DecimalField(
        max_digits=10,
        decimal_places=6,
        required=False,
        allow_null=True,
        help_text="WGS-84 经度，可选（须与纬度同时提供）",
    )
    latitude = serializers.DecimalField(
        max_digits=10, decimal_places=6, required=False, allow_null=True, help_text="WGS-84 纬度，可选"
    )


class NearbyItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField(help_text="居民看到的标题已去除个人信息")
    similarity = serializers.FloatField(help_text="文本相似度（Jaccard 估计，0–1）")
    distance_m = serializers.IntegerField(allow_null=True, help_text="距离（米）；任一方无坐标时为 null")


def nearby_query(data) -> dict:
    """Validated place and text of a draft appeal (shared by the list and 附议 from the form)."""
    serializer = NearbyInputSerializer(data=data)
    serializer.is_valid(raise_exception=True)
    d = serializer.validated_data
    region, lat, lon = nearby.parse_place(d.get("region"), d.get("latitude"), d.get("longitude"))
    return {"title": d["title"], "content": d["content"], "region": region, "latitude": lat, "longitude": lon}


class NearbySimilarView(APIView):
    """POST /api/v1/appeals/similar/: the nearby duplicates of a draft (the form calls it while a resident types)."""

    permission_classes = [AllowAny]
    throttle_classes = [PublicReadThrottle]

    @extend_schema(
        tags=["appeals"],
        summary="附近的相似诉求（填写时提示附议：近30天、同社区或250米内、仍在办理）",
        request=NearbyInputSerializer,
        responses={200: NearbyItemSerializer(many=True), **ERRORS_400},
    )
    def post(self, request):
        query = nearby_query(request.data)
        found = nearby.nearby_similar(request.user, **query)
        return Response(
            [
                {k: r[k] for k in ("id", "number", "title", "similarity", "distance_m")}
                for r in nearby.rows(request.user, found)
            ]
        )


# ---------------------------------------------------------------- 附议, forecast, proactive tasks, hot spot → topic


class AppealCosignInputSerializer(serializers.Serializer):
    own_appeal = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="本人刚提交、系统提示有相似诉求的诉求 id；从填写页附议时不填",
    )
    withdraw_own = serializers.BooleanField(default=False, help_text="附议的同时撤回本人诉求")
    title = serializers.CharField(
        max_length=200,
        allow_blank=True,
        required=False,
        default="",
        help_text="从填写页附议：正在填写的标题（与 content、region、经纬度一起核对附近相似诉求）",
    )
    content = serializers.CharField(max_length=20000, allow_blank=True, required=False, default="")
    region = serializers.IntegerField(required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    latitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)


class AppealCosignOutputSerializer(serializers.Serializer):
    appeal = serializers.IntegerField()
    number = serializers.CharField()
    cosigners = serializers.IntegerField()
    own_appeal_state = serializers.CharField(allow_null=True)


class CosignView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="附议相似诉求（每人一次；可同时撤回本人诉求）",
        request=AppealCosignInputSerializer,
        responses={201: AppealCosignOutputSerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_409},
    )
    def post(self, request, pk: int):
        serializer = AppealCosignInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if data.get("own_appeal") is not None:
            cosign = cosign_service.cosign_appeal(
                request.user, pk, own_appeal_id=data["own_appeal"], withdraw_own=data["withdraw_own"]
            )
            cosign.own_appeal.refresh_from_db()
        else:
            query = nearby_query(request.data)
            cosign = cosign_service.cosign_nearby(request.user, pk, **query)
        return Response(
            {
                "appeal": cosign.appeal_id,
                "number": cosign.appeal.number,
                "cosigners": cosign.appeal.cosigns.count(),
                "own_appeal_state": cosign.own_appeal.state if cosign.own_appeal_id else None,
            },
            status=201,
        )


class ForecastQuerySerializer(serializers.Serializer):
    street = IdField(required=False, help_text="街道 id（缺省为全部可见诉求）")


class ForecastCategorySerializer(serializers.Serializer):
    name = serializers.CharField()
    last_7_days = serializers.IntegerField()
    forecast = serializers.ListField(child=serializers.FloatField())
    total = serializers.FloatField()


class ForecastSerializer(serializers.Serializer):
    method = serializers.CharField()
    start = serializers.DateField()
    horizon = serializers.IntegerField()
    days = serializers.ListField(child=serializers.DateField())
    categories = ForecastCategorySerializer(many=True)


class ForecastView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="各一级分类未来7天诉求量预测（星期效应 × 近28天水平）",
        parameters=[ForecastQuerySerializer],
        responses={200: ForecastSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        if not request.user.has_role(*LEADER_ROLES):
            raise PermissionDeniedError()
        query = parse_query(ForecastQuerySerializer, request)
        qs = visible_appeals(request.user)
        if "street" in query:
            street = Region.objects.filter(pk=query["street"], level=RegionLevel.STREET).first()
            if street is None:
                raise ServiceError(_("街道不存在。"), field="street")
            qs = qs.filter(region__path__startswith=street.path)
        return Response(forecast.appeal_forecast(qs))


class TaskSerializer(serializers.ModelSerializer):
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    street_name = serializers.CharField(source="region.name", read_only=True)
    category_name = serializers.CharField(
        source="category.name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = ProactiveTask
        fields = [
            "id",
            "title",
            "category",
            "category_name",
            "region",
            "street_name",
            "alert_day",
            "alert_count",
            "alert_baseline",
            "unit",
            "unit_name",
            "instructions",
            "state",
            "due_date",
            "created_at",
            "done_at",
            "done_note",
        ]
        read_only_fields = fields


class TaskCreateSerializer(serializers.Serializer):
    category = serializers.IntegerField(
        required=False, allow_null=True, help_text="一级分类 id；缺省为未分类"
    )
    street = serializers.IntegerField()
    day = serializers.DateField(help_text="预警日期")
    unit = serializers.IntegerField()
    working_days = serializers.IntegerField(default=proactive.DEFAULT_WORKING_DAYS)
    instructions = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


def _lookup(model, pk, message, field, **filters):
    if pk is None:
        return None
    found = model.objects.filter(pk=pk, **filters).first()
    if found is None:
        raise ServiceError(message, field=field)
    return found


class TaskListView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="主动治理任务（领导、督办员看全部；承办人看本单位）",
        responses={200: TaskSerializer(many=True), **ERROR_401},
    )
    def get(self, request):
        return Response(TaskSerializer(proactive.visible_tasks(request.user), many=True).data)

    @extend_schema(
        tags=["insight"],
        summary="把异常预警转为主动治理任务（未诉先办）",
        request=TaskCreateSerializer,
        responses={201: TaskSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        serializer = TaskCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        task = proactive.create_proactive_task(
            request.user,
            category=_lookup(Category, data.get("category"), _("诉求分类不存在。"), "category", level=1),
            street=_lookup(Region, data["street"], _("街道不存在。"), "street", level=RegionLevel.STREET),
            day=data["day"],
            unit=_lookup(Unit, data["unit"], _("承办单位不存在。"), "unit"),
            instructions=data["instructions"],
            working_days=data["working_days"],
        )
        return Response(TaskSerializer(task).data, status=201)


class TaskDetailView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="主动治理任务详情",
        responses={200: TaskSerializer, **ERROR_401, **ERROR_404},
    )
    def get(self, request, pk: int):
        return Response(TaskSerializer(proactive.visible_tasks(request.user).get(pk=pk)).data)


class TaskCompleteView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="承办单位办结主动治理任务",
        request=insight_actions.COMPLETE.input,
        responses={200: TaskSerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404, **ERROR_409},
    )
    def post(self, request, pk: int):
        proactive.visible_tasks(request.user).get(pk=pk)  # not visible: 404
        spec = insight_actions.COMPLETE
        serializer = spec.input(data=request.data)
        serializer.is_valid(raise_exception=True)
        task = spec.service(request.user, pk, **serializer.validated_data)
        return Response(TaskSerializer(task).data)


class HotspotTopicOutputSerializer(serializers.Serializer):
    topic = serializers.IntegerField()
    title = serializers.CharField()


class HotspotTopicView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="热点问题一键转为协商议题（议题来源：诉求汇集）",
        request=None,
        responses={201: HotspotTopicOutputSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request, pk: int):
        topic = topic_service.hotspot_to_topic(request.user, pk)
        return Response({"topic": topic.pk, "title": topic.title}, status=201)


# ---------------------------------------------------------------- 附近提醒


class AlertSubscriptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    scope = serializers.ChoiceField(
        choices=["community", "radius"], help_text="community：我的社区；radius：某地点周边"
    )
    region = serializers.IntegerField(required=False, allow_null=True, help_text="社区 id（scope=community）")
    latitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=10, decimal_places=6, required=False, allow_null=True)
    radius_m = serializers.IntegerField(required=False, allow_null=True, help_text="半径（米），100–5000")
    category = serializers.IntegerField(required=False, allow_null=True, help_text="一级分类 id；空表示全部")
    frequency = serializers.ChoiceField(
        choices=["instant", "daily"], default="instant", help_text="instant：立即提醒；daily：每日汇总"
    )
    description = serializers.CharField(read_only=True)


def _subscription(sub) -> dict:
    return {
        "id": sub.pk,
        "scope": sub.scope,
        "region": sub.region_id,
        "latitude": sub.latitude,
        "longitude": sub.longitude,
        "radius_m": sub.radius_m,
        "category": sub.category_id,
        "frequency": sub.frequency,
        "description": alert_service.describe(sub),
    }


class AlertSubscriptionListView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="我的附近提醒订阅",
        responses={200: AlertSubscriptionSerializer(many=True), **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        if not request.user.has_role(*alert_service.SUBSCRIBER_ROLES):
            raise PermissionDeniedError(_("只有居民和社区工作人员可以订阅附近提醒。"))
        subs = request.user.alert_subscriptions.select_related("region", "category")
        return Response([_subscription(s) for s in subs])

    @extend_schema(
        tags=["insight"],
        summary="订阅附近提醒（社区或地点半径、分类、立即或每日汇总）",
        request=AlertSubscriptionSerializer,
        responses={201: AlertSubscriptionSerializer, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def post(self, request):
        serializer = AlertSubscriptionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sub = alert_service.subscribe(request.user, **serializer.validated_data)
        return Response(_subscription(sub), status=201)


class AlertSubscriptionDetailView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="取消附近提醒",
        request=None,
        responses={204: None, **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def delete(self, request, pk: int):
        alert_service.unsubscribe(request.user, pk)
        return Response(status=204)


# ---------------------------------------------------------------- hot spots


class HotspotQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=200, default=50)


class HotspotSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    title = serializers.CharField(help_text="名称：工作人员命名的，否则为自动生成的“地点 问题”标签")
    label = serializers.CharField(help_text="自动生成的标签（地点 + 问题）")
    name = serializers.CharField(help_text="工作人员命名；空表示未命名")
    place = serializers.CharField()
    heat = serializers.FloatField(help_text="热度指数（算法见 docs/insight.md §3）")
    heat_words = serializers.CharField(help_text="热度的文字说明：多少人、自何时、是否升温")
    size = serializers.IntegerField()
    residents = serializers.IntegerField()
    growth = serializers.FloatField()
    start = serializers.DateTimeField(allow_null=True)
    end = serializers.DateTimeField(allow_null=True)
    topic = serializers.IntegerField(allow_null=True)
    appeals = serializers.ListField(child=serializers.IntegerField(), help_text="本人可见的相关诉求 id")


class HotspotRenameSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, allow_blank=True, help_text="热点名称；空字符串恢复自动生成的标签"
    )


def _hotspot_data(row: dict) -> dict:
    s = row["spot"]
    return {
        "rank": row["rank"],
        "id": s.pk,
        "title": s.title,
        "label": s.label,
        "name": s.name,
        "place": s.place,
        "heat": s.heat,
        "heat_words": row["heat_words"],
        "size": s.size,
        "residents": s.residents,
        "growth": s.growth,
        "start": s.start,
        "end": s.end,
        "topic": s.topic_id,
        "appeals": [a.pk for a in row["members"]],
    }


class HotspotListView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="热点问题（按热度排列；只含本人可见的诉求）",
        parameters=[HotspotQuerySerializer],
        responses={200: HotspotSerializer(many=True), **ERRORS_400, **ERROR_401, **ERROR_403},
    )
    def get(self, request):
        if not request.user.has_role(*STAFF_ROLES):
            raise PermissionDeniedError()
        query = parse_query(HotspotQuerySerializer, request)
        return Response(
            [_hotspot_data(r) for r in spot_service.hotspot_rows(request.user, limit=query["limit"])]
        )


class HotspotDetailView(APIView):
    @extend_schema(
        tags=["insight"],
        summary="为热点命名（名称固定显示，不再随诉求变化；空字符串恢复自动标签）",
        request=HotspotRenameSerializer,
        responses={200: HotspotSerializer, **ERRORS_400, **ERROR_401, **ERROR_403, **ERROR_404},
    )
    def patch(self, request, pk: int):
        rows = {r["spot"].pk: r for r in spot_service.hotspot_rows(request.user, only=pk)}
        if pk not in rows:
            raise Http404
        serializer = HotspotRenameSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spot = spot_service.rename_hotspot(request.user, pk, serializer.validated_data["name"])
        row = rows[pk] | {"spot": spot, "heat_words": spot_service.heat_words(spot)}
        return Response(_hotspot_data(row))

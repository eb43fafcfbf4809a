"""Insight API: classify a draft appeal; near-duplicates of an appeal."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from gongzhi.appeals.selectors import visible_appeals
from gongzhi.core.api_views import ERROR_401, ERROR_404, ERRORS_400, parse_query
from gongzhi.core.errors import ServiceError
from gongzhi.core.models import Region

from . import services


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
    rule = serializers.IntegerField()
    co_units = serializers.ListField(child=serializers.IntegerField())


class ClassifyOutputSerializer(serializers.Serializer):
    categories = CategoryGuessSerializer(many=True)
    suggested_unit = SuggestedUnitSerializer(allow_null=True)


class SimilarQuerySerializer(serializers.Serializer):
    appeal = serializers.IntegerField()


class SimilarItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    state = serializers.CharField()
    received_at = serializers.DateTimeField()
    jaccard = serializers.FloatField()


class ClassifyView(APIView):
    @extend_schema(tags=["insight"], summary="诉求分类建议（前三个一级分类及置信度、建议主办单位）",
                   request=ClassifyInputSerializer,
                   responses={200: ClassifyOutputSerializer, **ERRORS_400, **ERROR_401})
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


class SimilarView(APIView):
    @extend_schema(tags=["insight"], summary="相似诉求（疑似重复，同街道、同一级分类、近30天）",
                   parameters=[SimilarQuerySerializer],
                   responses={200: SimilarItemSerializer(many=True), **ERRORS_400, **ERROR_401, **ERROR_404})
    def get(self, request):
        query = parse_query(SimilarQuerySerializer, request)
        visible = visible_appeals(request.user)
        appeal = visible.get(pk=query["appeal"])  # outside the user's scope: 404
        found = services.similar_appeals(appeal, queryset=visible)
        return Response([{"id": f["appeal"].pk, "number": f["appeal"].number, "title": f["appeal"].title,
                          "state": f["appeal"].state, "received_at": f["appeal"].received_at,
                          "jaccard": f["jaccard"]} for f in found])

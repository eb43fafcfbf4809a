"""/api/v1/: each app contributes its routes."""

from django.http import JsonResponse
from django.urls import include, path, re_path

from gongzhi.insight.api import NearbySimilarView


def api_not_found(request, *args, **kwargs):
    # A JSON 404 for any other path under /api/v1/. Resolving here also keeps CommonMiddleware from
    # redirecting (or, under DEBUG, failing on) a POST that forgot the trailing slash.
    return JsonResponse(
        {"code": "not_found", "detail": "接口地址不存在。注意：所有接口地址都以 / 结尾。"},
        status=404,
        json_dumps_params={"ensure_ascii": False},
    )


urlpatterns = [
    # the nearby-duplicates contract is an appeals route; insight serves it (it owns the duplicate index)
    path("appeals/similar/", NearbySimilarView.as_view(), name="appeals-similar"),
    path("", include("gongzhi.core.api_urls")),
    path("", include("gongzhi.appeals.api_urls")),
    path("insight/", include("gongzhi.insight.api_urls")),
    path("deliberation/", include("gongzhi.deliberation.api_urls")),
    path("credit/", include("gongzhi.credit.api_urls")),
    path("community/", include("gongzhi.community.api_urls")),
    path("", include("gongzhi.calls.api_urls")),
    re_path(r"^.*$", api_not_found),
]

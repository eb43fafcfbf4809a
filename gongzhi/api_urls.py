"""/api/v1/: each app contributes its routes."""

from django.urls import include, path

urlpatterns = [
    path("", include("gongzhi.core.api_urls")),
    path("", include("gongzhi.appeals.api_urls")),
]

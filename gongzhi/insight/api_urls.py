from django.urls import path

from . import api

app_name = "insight_api"
urlpatterns = [
    path("classify/", api.ClassifyView.as_view(), name="classify"),
    path("similar/", api.SimilarView.as_view(), name="similar"),
]

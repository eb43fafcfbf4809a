from django.urls import path

from . import api

app_name = "insight_api"
urlpatterns = [
    path("classify/", api.ClassifyView.as_view(), name="classify"),
    path("similar/", api.SimilarView.as_view(), name="similar"),
    path("appeals/<int:pk>/units/", api.AppealUnitsView.as_view(), name="appeal-units"),
    path("appeals/<int:pk>/cosign/", api.CosignView.as_view(), name="cosign"),
    path("forecast/", api.ForecastView.as_view(), name="forecast"),
    path("alerts/subscriptions/", api.AlertSubscriptionListView.as_view(), name="alert-subscriptions"),
    path(
        "alerts/subscriptions/<int:pk>/", api.AlertSubscriptionDetailView.as_view(), name="alert-subscription"
    ),
    path("tasks/", api.TaskListView.as_view(), name="tasks"),
    path("tasks/<int:pk>/", api.TaskDetailView.as_view(), name="task"),
    path("tasks/<int:pk>/complete/", api.TaskCompleteView.as_view(), name="task-complete"),
    path("hotspots/", api.HotspotListView.as_view(), name="hotspots"),
    path("hotspots/<int:pk>/", api.HotspotDetailView.as_view(), name="hotspot"),
    path("hotspots/<int:pk>/topic/", api.HotspotTopicView.as_view(), name="hotspot-topic"),
]

from django.urls import path

from . import api_views
from .notices import api as notice_api

app_name = "core_api"
urlpatterns = [
    path("auth/token/", api_views.ObtainTokenView.as_view(), name="token"),
    path("auth/phone/code/", api_views.PhoneCodeView.as_view(), name="phone-code"),
    path("auth/phone/token/", api_views.PhoneTokenView.as_view(), name="phone-token"),
    path("me/", api_views.MeView.as_view(), name="me"),
    path("me/data/", api_views.MyDataView.as_view(), name="my-data"),
    path("regions/", api_views.RegionListView.as_view(), name="regions"),
    path("regions/boundaries/", api_views.RegionBoundariesView.as_view(), name="region-boundaries"),
    path("regions/locate/", api_views.RegionLocateView.as_view(), name="region-locate"),
    path("units/", api_views.UnitListView.as_view(), name="units"),
    path("notifications/", api_views.NotificationListView.as_view(), name="notifications"),
    path(
        "me/notification-preferences/",
        notice_api.NotificationPreferencesView.as_view(),
        name="notification-preferences",
    ),
    path("webhooks/subscriptions/", notice_api.SubscriptionListView.as_view(), name="webhook-subscriptions"),
    path(
        "webhooks/subscriptions/<int:pk>/",
        notice_api.SubscriptionDetailView.as_view(),
        name="webhook-subscription",
    ),
    path("webhooks/deliveries/", notice_api.DeliveryListView.as_view(), name="webhook-deliveries"),
    path("webhooks/deliveries/<int:pk>/retry/", notice_api.DeliveryRetryView.as_view(), name="webhook-retry"),
]

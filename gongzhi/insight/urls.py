from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("street/<int:pk>/", views.street_view, name="street"),
    path("screen/", views.screen, name="screen"),
    path("screen/data.json", views.screen_data, name="screen_data"),
    path("hotspots/", views.hotspot_list, name="hotspots"),
    path("hotspots/export.xlsx", views.hotspot_export, name="hotspot_export"),
    path("hotspots/<int:pk>/topic/", views.hotspot_topic, name="hotspot_topic"),
    path("hotspots/<int:pk>/rename/", views.hotspot_rename, name="hotspot_rename"),
    path("alerts/", views.alerts, name="alerts"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("appeals/<int:pk>/cosign/", views.cosign, name="cosign"),
    path("cosigned/", views.cosigned, name="cosigned"),
    path("nearby-alerts/", views.nearby_alerts, name="nearby_alerts"),
    path("nearby-alerts/<int:pk>/cancel/", views.nearby_alert_cancel, name="nearby_alert_cancel"),
]

from django.urls import path

from . import views

app_name = "insight"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("street/<int:pk>/", views.street_view, name="street"),
    path("hotspots/", views.hotspot_list, name="hotspots"),
    path("hotspots/export.xlsx", views.hotspot_export, name="hotspot_export"),
    path("alerts/", views.alerts, name="alerts"),
]

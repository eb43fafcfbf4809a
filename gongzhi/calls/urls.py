from django.urls import path

from . import views

app_name = "calls"
urlpatterns = [
    path("screen/", views.screen, name="screen"),
    path("<int:pk>/intake/", views.start_intake, name="intake"),
]

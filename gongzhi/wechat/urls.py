from django.urls import path

from . import views

app_name = "wechat"
urlpatterns = [
    path("", views.server, name="server"),
    path("oauth/", views.oauth, name="oauth"),
    path("oauth/callback/", views.oauth_callback, name="oauth_callback"),
    path("bind/", views.bind, name="bind"),
    path("binding/", views.binding, name="binding"),
    path("appeals/<int:pk>/supplement/", views.supplement, name="supplement"),
]

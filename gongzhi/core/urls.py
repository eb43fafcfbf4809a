from django.contrib.auth.views import LogoutView
from django.urls import path

from . import account_views, views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
    path("accounts/phone/", views.phone_login, name="phone_login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/register-resident/", views.register_resident, name="register_resident"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("accounts/me/", account_views.account, name="account"),
]

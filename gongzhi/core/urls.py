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
    path("accounts/me/data/", account_views.my_data, name="my_data"),
    path("privacy/", views.privacy, name="privacy"),
    path("accounts/2fa/", account_views.second_factor, name="2fa"),
    path("accounts/2fa/setup/", account_views.second_factor_setup, name="2fa_setup"),
    path("accounts/2fa/verify/", account_views.second_factor_verify, name="2fa_verify"),
]

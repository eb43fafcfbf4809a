from django.urls import path

from . import views

app_name = "sms"
urlpatterns = [
    path("aliyun/<str:token>/report/", views.aliyun_report, name="aliyun-report"),
    path("aliyun/<str:token>/up/", views.aliyun_up, name="aliyun-up"),
    path("tencent/<str:token>/report/", views.tencent_report, name="tencent-report"),
    path("tencent/<str:token>/up/", views.tencent_up, name="tencent-up"),
]

from django.urls import path

from . import views
from .exchange import views as exchange_views

app_name = "appeals"
urlpatterns = [
    path("", views.appeal_list, name="list"),
    path("map/", views.appeal_map, name="map"),
    path("new/", views.new, name="new"),
    path("new/done/", views.submitted, name="submitted"),
    path("staff/new/", views.staff_new, name="staff_new"),
    path("mine/", views.mine, name="mine"),
    path("track/", views.track, name="track"),
    path("rates/", views.rates_page, name="rates"),
    path("overdue/", views.overdue, name="overdue"),
    path("next/", views.next_in_queue, name="next"),
    path("knowledge/", views.knowledge, name="knowledge"),
    path("export.<str:fmt>", exchange_views.appeal_export, name="export"),
    path("rates/export.<str:fmt>", exchange_views.rates_export, name="rates_export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<int:pk>/reveal/", views.reveal, name="reveal"),
    path("<int:pk>/reply-quality/", views.reply_quality, name="reply_quality"),
    path("<int:pk>/claim/", views.claim, name="claim"),
    path("<int:pk>/act/<slug:action>/", views.act, name="act"),
]

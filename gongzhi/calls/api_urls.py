from django.urls import path

from . import views

urlpatterns = [path("cti/calls/", views.cti_calls, name="cti-calls")]

from django.urls import path

from . import views

app_name = "community"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("organizations/", views.organization_list, name="organizations"),
    path("organizations/new/", views.organization_new, name="organization_new"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization"),
    path("organizations/<int:pk>/review/", views.organization_review, name="organization_review"),
    path("organizations/<int:pk>/mentor/", views.organization_mentor, name="organization_mentor"),
    path("organizations/<int:pk>/join/", views.organization_join, name="organization_join"),
    path("activities/", views.activity_list, name="activities"),
    path("activities/new/", views.activity_new, name="activity_new"),
    path("activities/<int:pk>/", views.activity_detail, name="activity"),
    path("activities/<int:pk>/actions/<str:action>/", views.activity_advance, name="activity_advance"),
    path("activities/<int:pk>/sign-up/", views.activity_sign_up, name="sign_up"),
    path("activities/<int:pk>/cancel/", views.activity_cancel, name="cancel_signup"),
    path("activities/<int:pk>/qr.svg", views.activity_qr, name="qr"),
    path("activities/<int:pk>/check-in/", views.check_in, name="check_in"),
    path("activities/<int:pk>/staff-sign-in/", views.activity_staff_sign_in, name="staff_sign_in"),
    path("activities/<int:pk>/hours/", views.activity_hours, name="record_hours"),
    path("records/<int:record_id>/confirm/", views.record_confirm, name="confirm_hours"),
    path("my-hours/", views.my_hours, name="my_hours"),
    path("my-hours/certificate.pdf", views.certificate, name="certificate"),
    path("households/", views.household_list, name="households"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/link/", views.household_link, name="household_link"),
    path("households/<int:pk>/visits/", views.household_visit, name="household_visit"),
    path("matches/", views.matches, name="matches"),
    path("red-resources/", views.red_resource_list, name="red_resources"),
    path("red-resources/new/", views.red_resource_new, name="red_resource_new"),
    path("red-resources/<int:pk>/", views.red_resource_detail, name="red_resource"),
]

from django.urls import path

from . import api

app_name = "community_api"
urlpatterns = [
    path("organizations/", api.OrganizationListView.as_view(), name="organizations"),
    path("organizations/<int:pk>/", api.OrganizationDetailView.as_view(), name="organization"),
    path("organizations/<int:pk>/review/", api.OrganizationReviewView.as_view(), name="organization-review"),
    path("activities/", api.ActivityListView.as_view(), name="activities"),
    path("activities/<int:pk>/", api.ActivityDetailView.as_view(), name="activity"),
    path("activities/<int:pk>/sign-up/", api.SignUpView.as_view(), name="activity-sign-up"),
    path("activities/<int:pk>/cancel/", api.CancelSignupView.as_view(), name="activity-cancel"),
    path("activities/<int:pk>/check-in/", api.CheckInView.as_view(), name="activity-check-in"),
    path("activities/<int:pk>/staff-sign-in/", api.StaffSignInView.as_view(), name="activity-staff-sign-in"),
    path("activities/<int:pk>/hours/", api.RecordHoursView.as_view(), name="activity-hours"),
    path("records/<int:pk>/confirm/", api.ConfirmHoursView.as_view(), name="record-confirm"),
    path("my-ledger/", api.MyLedgerView.as_view(), name="my-ledger"),
    path("households/<int:pk>/visits/", api.RecordVisitView.as_view(), name="household-visits"),
    path("coverage/", api.CoverageView.as_view(), name="coverage"),
    path("red-resources/", api.RedResourceListView.as_view(), name="red-resources"),
]

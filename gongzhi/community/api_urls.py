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
    path("households/", api.CentralHouseholdCreateView.as_view(), name="households"),
    path("households/<int:pk>/households/", api.LinkHouseholdView.as_view(), name="household-link"),
    path("households/<int:pk>/visits/", api.RecordVisitView.as_view(), name="household-visits"),
    path("projects/", api.ProjectListView.as_view(), name="projects"),
    path("projects/<int:pk>/", api.ProjectDetailView.as_view(), name="project"),
    path("projects/<int:pk>/progress/", api.ProjectProgressView.as_view(), name="project-progress"),
    path("projects/<int:pk>/activities/", api.ProjectActivityView.as_view(), name="project-activities"),
    path("projects/<int:pk>/complete/", api.ProjectCompleteView.as_view(), name="project-complete"),
    path("volunteer-profile/", api.VolunteerProfileView.as_view(), name="volunteer-profile"),
    path("rewards/", api.RewardListView.as_view(), name="rewards"),
    path("rewards/<int:pk>/redeem/", api.RedeemView.as_view(), name="reward-redeem"),
    path("redemptions/", api.RedemptionListView.as_view(), name="redemptions"),
    path("redemptions/<int:pk>/confirm/", api.ConfirmRedemptionView.as_view(), name="redemption-confirm"),
    path("redemptions/<int:pk>/reject/", api.RejectRedemptionView.as_view(), name="redemption-reject"),
    path("ledger/<int:pk>/correct/", api.CorrectEntryView.as_view(), name="ledger-correct"),
    path("coverage/", api.CoverageView.as_view(), name="coverage"),
    path("red-resources/", api.RedResourceListView.as_view(), name="red-resources"),
]

from django.urls import path

from . import api

app_name = "credit_api"
urlpatterns = [
    path("query/", api.PublicQueryView.as_view(), name="query"),
    path("enterprises/", api.EnterpriseListCreateView.as_view(), name="enterprises"),
    path("cases/", api.CaseListCreateView.as_view(), name="cases"),
    path("cases/<int:pk>/", api.CaseDetailView.as_view(), name="case"),
    # One route per case action, all served by the same view and its dispatch table.
    *[
        path(
            f"cases/<int:pk>/actions/{name}/",
            api.CaseActionView.as_view(action_name=name),
            name=f"case-{name}",
        )
        for name in api.ACTIONS
    ],
    path("cases/<int:pk>/actions/<slug:action>/", api.UnknownCaseActionView.as_view(), name="case_action"),
    path("cases/<int:pk>/repairs/", api.RepairView.as_view(), name="repair"),
    path("cases/<int:pk>/objections/", api.ObjectionView.as_view(), name="objection"),
    path("repairs/<int:pk>/decision/", api.RepairDecisionView.as_view(), name="repair_decision"),
    path("deliveries/overdue/", api.OverdueDeliveriesView.as_view(), name="overdue"),
    path("penalties/", api.PenaltyListCreateView.as_view(), name="penalties"),
    path("penalties/check/", api.PenaltyCheckView.as_view(), name="penalty_check"),
    path("penalties/<int:pk>/", api.PenaltyDetailView.as_view(), name="penalty"),
    path("penalties/<int:pk>/performed/", api.PenaltyPerformedView.as_view(), name="penalty_performed"),
    path(
        "penalties/<int:pk>/approve-band/", api.PenaltyApproveBandView.as_view(), name="penalty_approve_band"
    ),
    path("penalties/exemptions/", api.ExemptionDecisionListCreateView.as_view(), name="exemptions"),
    path("enterprises/<int:pk>/appeals/", api.EnterpriseAppealsView.as_view(), name="enterprise_appeals"),
    path("platforms/<int:platform_id>/ack/", api.AcknowledgeView.as_view(), name="ack"),
]

from django.urls import path

from . import api

app_name = "credit_api"
urlpatterns = [
    path("query/", api.public_query, name="query"),
    path("enterprises/", api.enterprises, name="enterprises"),
    path("cases/", api.cases, name="cases"),
    path("cases/<int:pk>/", api.case_detail, name="case"),
    path("cases/<int:pk>/actions/<slug:action>/", api.case_action, name="case_action"),
    path("cases/<int:pk>/repairs/", api.repair, name="repair"),
    path("cases/<int:pk>/objections/", api.objection, name="objection"),
    path("repairs/<int:pk>/decision/", api.repair_decision, name="repair_decision"),
    path("deliveries/overdue/", api.overdue_deliveries, name="overdue"),
    path("penalties/", api.penalties, name="penalties"),
    path("penalties/check/", api.penalty_check, name="penalty_check"),
    path("penalties/<int:pk>/", api.penalty_detail, name="penalty"),
    path("penalties/<int:pk>/performed/", api.penalty_performed, name="penalty_performed"),
    path("penalties/<int:pk>/approve-band/", api.penalty_approve_band, name="penalty_approve_band"),
    path("penalties/exemptions/", api.exemption_decisions, name="exemptions"),
    path("enterprises/<int:pk>/appeals/", api.enterprise_appeals, name="enterprise_appeals"),
    path("platforms/<int:platform_id>/ack/", api.acknowledge, name="ack"),
]

from django.urls import path

from . import views

app_name = "credit"
urlpatterns = [
    path("", views.board, name="board"),
    path("query/", views.query, name="query"),
    path("mine/", views.mine, name="mine"),
    path("enterprises/", views.enterprise_list, name="enterprises"),
    path("enterprises/new/", views.enterprise_new, name="enterprise_new"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise"),
    path("enterprises/<int:pk>/contacts/add/", views.contact_add, name="contact_add"),
    path("enterprises/<int:pk>/appeals/new/", views.enterprise_appeal_new, name="enterprise_appeal_new"),
    path("enterprises/<int:pk>/penalties/new/", views.penalty_new, name="penalty_new"),
    path("penalties/", views.penalty_list, name="penalties"),
    path("penalties/<int:pk>/", views.penalty_detail, name="penalty"),
    path("cases/new/", views.case_new, name="case_new"),
    path("cases/<int:pk>/", views.case_detail, name="case"),
    path("cases/<int:pk>/act/<slug:action>/", views.act, name="act"),
    path("cases/<int:pk>/evidence/<int:evidence_id>/", views.evidence, name="evidence"),
    path("cases/<int:pk>/repair/", views.repair_apply, name="repair_apply"),
    path("cases/<int:pk>/objection/", views.objection_apply, name="objection_apply"),
    path("cases/<int:pk>/documents/<slug:kind>.pdf", views.document, name="document"),
    path("repairs/<int:pk>/decide/", views.decide_repair, name="decide_repair"),
    path("objections/<int:pk>/decide/", views.decide_objection, name="decide_objection"),
]

from django.urls import path

from . import api
from .exchange import api as exchange_api

app_name = "appeals_api"
urlpatterns = [
    path("categories/", api.CategoryListView.as_view(), name="categories"),
    path("knowledge/", api.KnowledgeListView.as_view(), name="knowledge"),
    path("appeals/", api.AppealListCreateView.as_view(), name="appeals"),
    path("appeals/map/", api.AppealMapView.as_view(), name="appeal-map"),
    path("appeals/export.<str:fmt>", exchange_api.AppealExportView.as_view(), name="appeal-export"),
    path("appeals/<int:pk>/", api.AppealDetailView.as_view(), name="appeal"),
    # One route per workflow action, all served by the same view and its dispatch table.
    *[
        path(
            f"appeals/<int:pk>/actions/{name}/",
            api.AppealActionView.as_view(action_name=name),
            name=f"appeal-{name}",
        )
        for name in api.ACTIONS
    ],
    path(
        "appeals/<int:pk>/actions/<str:action>/",
        api.UnknownActionView.as_view(),
        name="appeal-unknown-action",
    ),
    path("appeals/<int:pk>/supervise/", api.SuperviseView.as_view(), name="appeal-supervise"),
    path(
        "appeals/<int:pk>/reply-quality/", api.ReplyQualityPreviewView.as_view(), name="appeal-reply-quality"
    ),
    path("appeals/<int:pk>/claim/", api.ClaimView.as_view(), name="appeal-claim"),
    path("appeals/<int:pk>/reveal_contact/", api.RevealContactView.as_view(), name="appeal-reveal-contact"),
    path("rates/", api.RatesView.as_view(), name="rates"),
    path("public/density/", api.PublicDensityView.as_view(), name="public-density"),
    path("rates/export.<str:fmt>", exchange_api.RatesExportView.as_view(), name="rates-export"),
]

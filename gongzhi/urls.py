from django.conf import settings
from django.contrib import admin
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path
from django.utils.csp import CSP
from django.views.decorators.csp import csp_override
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from gongzhi.core.health import healthz

# The API's documentation pages (drf-spectacular's templates) start Swagger UI / ReDoc from an inline script
# without a nonce, and ReDoc runs a web worker from a blob: URL: only these two pages allow that.
DOCS_CSP: dict[str, list[str]] = {
    **settings.SECURE_CSP,
    "script-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "api/docs/",
        csp_override(DOCS_CSP)(SpectacularSwaggerView.as_view(url_name="schema")),
        name="api-docs",
    ),
    path(
        "api/redoc/",
        csp_override(DOCS_CSP)(SpectacularRedocView.as_view(url_name="schema")),
        name="api-redoc",
    ),
    path("api/v1/", include("gongzhi.api_urls")),
    path("appeals/", include("gongzhi.appeals.urls")),
    path("insight/", include("gongzhi.insight.urls")),
    path("deliberation/", include("gongzhi.deliberation.urls")),
    path("credit/", include("gongzhi.credit.urls")),
    path("community/", include("gongzhi.community.urls")),
    path("open311/v2/", include("gongzhi.appeals.open311.urls")),
    path("wechat/", include("gongzhi.wechat.urls")),
    path("calls/", include("gongzhi.calls.urls")),
    path("sms/", include("gongzhi.core.sms.urls")),  # the SMS providers' receipts and inbound messages
    path("", include("gongzhi.core.urls")),
    # Browsers and bookmark tools ask for /favicon.ico whatever the page says.
    path("favicon.ico", lambda request: redirect(static("favicon.svg"), permanent=True)),
]
# Uploads are not served under MEDIA_URL, even in DEBUG: their paths are guessable, so views that check who asks
# serve them (appeals:attachment, credit:evidence).

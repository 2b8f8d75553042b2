"""URL map: pages, the allauth flows, the versioned API and its schema."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.views import HomeView
from common.views import FaviconView, OfflinePageView, ServiceWorkerView

# A path no route matches: the API's error shape under /api/, the page elsewhere.
handler404 = "common.views.not_found"

urlpatterns = [
    path("", HomeView.as_view(), name="home"),
    path("", include("accounts.urls")),
    path("", include("courses.urls")),
    path("", include("coaching.urls")),
    path("", include("notifications.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("favicon.ico", FaviconView.as_view()),
    path("sw.js", ServiceWorkerView.as_view(), name="service_worker"),
    path("offline/", OfflinePageView.as_view(), name="offline"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("_allauth/", include("allauth.headless.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("calendars/", include("calendars.urls")),
    path("api/v1/", include(("backend.api_urls", "api"), namespace="api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

# A busy or unreachable database answers 503 with Retry-After, not 500.
handler500 = "common.views.server_error"
handler404 = "common.views.not_found"

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.http import require_POST
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import security, views

# The API docs (Swagger UI, served from our static files) load their script from a URL of
# their own, so the page runs under the same strict policy as every other.
api_docs = SpectacularSwaggerSplitView.as_view(url_name="schema")

urlpatterns = [
    path("", views.home, name="home"),
    # Each page answers only the methods it serves (anything else is 405).
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(http_method_names=["get", "post", "head"]),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/second-factor/", security.verify, name="verify-second-factor"),
    path("accounts/second-factor/enrol/", security.enrol, name="enrol-second-factor"),
    path("admin/", admin.site.urls),
    # The language switcher posts here (Django's set_language; it stores a cookie).
    path("i18n/setlang/", require_POST(set_language), name="set_language"),
    path("notices/", include("notices.urls")),
    path("staff/", include("cases.urls")),
    path("respond/", include("cases.uploader_urls")),
    path("api/v1/", include("notices.api_urls")),
    path("api/v1/", include("cases.api_urls")),
    path("api/v1/", include("staydown.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", api_docs, name="api-docs"),
]

# The built-in demo platform (its pages and its moderation API) is served only when enabled:
# the embedded default, not a production deployment moderating a real platform.
if settings.TAKEDOWN_DEMO_PLATFORM:
    urlpatterns.append(path("platform/", include("demo_platform.urls")))

handler404 = "takedown.api.not_found"
handler400 = "takedown.api.bad_request"
handler500 = "takedown.api.server_error"

from django.urls import path

from . import api, views

app_name = "demo_platform"
urlpatterns = [
    path("", views.index, name="index"),
    path("posts/<int:pk>/", views.post_page, name="post"),
    path("posts/<int:pk>/image.jpg", views.post_image, name="post_image"),
    path("@<str:handle>/", views.account_page, name="account"),
    path("inbox/<str:handle>/", views.inbox, name="inbox"),
    # The moderation API takedown's HttpPlatformAdapter talks to (docs/platform-api.md).
    path("api/v1/resolve", api.resolve, name="api_resolve"),
    path("api/v1/content/<str:content_id>", api.content, name="api_content"),
    path("api/v1/content/<str:content_id>/image", api.content_image, name="api_content_image"),
    path("api/v1/content/<str:content_id>/measures", api.measures, name="api_measures"),
    path(
        "api/v1/content/<str:content_id>/notifications",
        api.notifications,
        name="api_notifications",
    ),
]

from django.urls import path

from . import api, erasure, redress_api

urlpatterns = [
    path("notices/", api.NoticeCreateAPI.as_view(), name="api-notice-create"),
    path("notices/<str:reference>/", api.NoticeTrackAPI.as_view(), name="api-notice-track"),
    path(
        "notices/<str:reference>/withdraw/",
        api.NoticeWithdrawAPI.as_view(),
        name="api-notice-withdraw",
    ),
    path(
        "notices/<str:reference>/info/", api.NoticeProvideInfoAPI.as_view(), name="api-notice-info"
    ),
    path(
        "notices/<str:reference>/erase/", erasure.NoticeEraseAPI.as_view(), name="api-notice-erase"
    ),
    path(
        "notices/<str:reference>/appeal/",
        redress_api.NoticeAppealAPI.as_view(),
        name="api-notice-appeal",
    ),
    path(
        "notices/<str:reference>/legal-action/",
        redress_api.NoticeLegalActionAPI.as_view(),
        name="api-notice-legal-action",
    ),
]

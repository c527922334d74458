from django.urls import path

from . import api, uploader_api
from .export_api import CaseExportAPI
from .transparency_api import StatementListAPI

urlpatterns = [
    path("cases/", api.CaseListAPI.as_view(), name="api-case-list"),
    path("cases/<int:pk>/", api.CaseDetailAPI.as_view(), name="api-case-detail"),
    path("cases/<int:pk>/claim/", api.CaseClaimAPI.as_view(), name="api-case-claim"),
    path("cases/<int:pk>/release/", api.CaseReleaseAPI.as_view(), name="api-case-release"),
    path("cases/<int:pk>/decide/", api.CaseDecideAPI.as_view(), name="api-case-decide"),
    path("cases/<int:pk>/close/", api.CaseCloseAPI.as_view(), name="api-case-close"),
    path(
        "cases/<int:pk>/resolve-dispute/",
        api.CaseResolveDisputeAPI.as_view(),
        name="api-case-resolve-dispute",
    ),
    path("grounds/", api.GroundsAPI.as_view(), name="api-grounds"),
    path(
        "uploader/cases/<str:reference>/",
        uploader_api.UploaderCaseAPI.as_view(),
        name="api-uploader-case",
    ),
    path(
        "uploader/cases/<str:reference>/counter-notice/",
        uploader_api.UploaderCounterNoticeAPI.as_view(),
        name="api-uploader-counter-notice",
    ),
    path(
        "uploader/cases/<str:reference>/appeal/",
        uploader_api.UploaderAppealAPI.as_view(),
        name="api-uploader-appeal",
    ),
    path("cases/<int:pk>/log/", api.CaseLogAPI.as_view(), name="api-case-log"),
    path("cases/<int:pk>/export/", CaseExportAPI.as_view(), name="api-case-export"),
    path("measures/<int:pk>/retry/", api.MeasureRetryAPI.as_view(), name="api-measure-retry"),
    path("evidence/<int:pk>/", api.EvidenceFileAPI.as_view(), name="api-evidence"),
    path("dashboard/", api.DashboardAPI.as_view(), name="api-dashboard"),
    path("statements/", StatementListAPI.as_view(), name="api-statement-list"),
]

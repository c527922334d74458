from django.urls import path

from . import dashboard_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("cases/<int:pk>/", views.case_detail, name="detail"),
    path("cases/<int:pk>/claim/", views.case_claim, name="claim"),
    path("cases/<int:pk>/release/", views.case_release, name="release"),
    path("cases/<int:pk>/claim/renew/", views.case_claim_renew, name="claim_renew"),
    path("cases/<int:pk>/decide/", views.case_decide, name="decide"),
    path("cases/<int:pk>/close/", views.case_close, name="close"),
    path("cases/<int:pk>/resolve-dispute/", views.case_resolve_dispute, name="resolve_dispute"),
    path("evidence/<int:pk>/", views.evidence_file, name="evidence"),
    path("bulk/", views.bulk_decide, name="bulk"),
    path("dashboard/", dashboard_views.dashboard, name="dashboard"),
    path("dashboard/export.csv", dashboard_views.dashboard_export, name="dashboard_export"),
    path("transparency/", dashboard_views.transparency, name="transparency"),
    path(
        "transparency/export.csv",
        dashboard_views.transparency_export,
        name="transparency_export",
    ),
    path("measures/<int:pk>/retry/", views.measure_retry_view, name="measure_retry"),
]

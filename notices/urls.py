from django.urls import path

from . import erasure, redress_views, views

app_name = "notices"
urlpatterns = [
    path("new/", views.notice_new, name="new"),
    path("receipt/", views.notice_receipt, name="receipt"),
    path("track/", views.notice_track, name="track"),
    path("track/<str:reference>/", views.notice_tracking, name="tracking"),
    path("track/<str:reference>/appeal/", redress_views.appeal, name="appeal"),
    path("track/<str:reference>/erase/", erasure.erase, name="erase"),
    path("track/<str:reference>/legal-action/", redress_views.legal_action, name="legal_action"),
]

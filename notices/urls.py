from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("new/", views.notice_new, name="new"),
    path("receipt/", views.notice_receipt, name="receipt"),
    path("track/", views.notice_track, name="track"),
    path("track/<str:reference>/", views.notice_tracking, name="tracking"),
]

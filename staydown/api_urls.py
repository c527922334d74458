from django.urls import path

from . import api

urlpatterns = [
    path("screen/", api.ScreenAPI.as_view(), name="api-screen"),
]

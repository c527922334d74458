from django.urls import path

from . import uploader_views

app_name = "uploader"
urlpatterns = [path("<str:reference>/", uploader_views.respond, name="respond")]

from django.urls import path

from . import views

app_name = "demo_platform"
urlpatterns = [
    path("", views.index, name="index"),
    path("posts/<int:pk>/", views.post_page, name="post"),
    path("posts/<int:pk>/image.jpg", views.post_image, name="post_image"),
    path("@<str:handle>/", views.account_page, name="account"),
    path("inbox/<str:handle>/", views.inbox, name="inbox"),
]

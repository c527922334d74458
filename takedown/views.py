from django.shortcuts import render

from demo_platform.models import Post


def home(request):
    posts = Post.objects.visible().select_related("account")[:12]
    return render(request, "home.html", {"posts": posts})

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    posts = []
    if settings.TAKEDOWN_DEMO_PLATFORM:
        from demo_platform.models import Post

        posts = Post.objects.visible().select_related("account")[:12]
    return render(request, "home.html", {"posts": posts})


def site(request) -> dict:
    """Template context for every page: whether the built-in demo platform is served."""
    return {"demo_platform": settings.TAKEDOWN_DEMO_PLATFORM}

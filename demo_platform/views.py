"""Public pages of the demo platform.

A post that takedown acted on answers with the status code of the measure: 410 Gone when it was
deleted, 404 when its link was disconnected (the content is kept but the link leads nowhere and
it is not listed), 451 when it is blocked for legal reasons.
"""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from .models import Account, Post

# Status code and the words shown in place of a post that a measure made unavailable.
UNAVAILABLE = {
    Post.State.DELETED: (
        410,
        "This post was removed",
        "This post was removed from the platform following a legal notice.",
    ),
    Post.State.DISCONNECTED: (
        404,
        "This link was disconnected",
        "The link to this post was disconnected following a legal notice: "
        "it no longer leads to the content.",
    ),
    Post.State.BLOCKED: (
        451,
        "This post is blocked",
        "This post is blocked and unavailable for legal reasons, following a legal notice.",
    ),
}


def viewer_country(request) -> str:
    """Where the viewer is. A real platform geolocates them; the demo takes ?country=DE (or an
    X-Viewer-Country header), so a block limited to some countries can be seen working."""
    return (request.GET.get("country") or request.headers.get("X-Viewer-Country") or "").strip()


def _unavailable(request, post):
    status, title, explanation = UNAVAILABLE[post.state]
    context = {"post_id": post.pk, "title": title, "explanation": explanation}
    return render(request, "demo_platform/unavailable.html", context, status=status)


@require_safe
def index(request):
    posts = Post.objects.visible().select_related("account")
    return render(request, "demo_platform/index.html", {"posts": posts})


@require_safe
def post_page(request, pk):
    post = get_object_or_404(Post.objects.select_related("account"), pk=pk)
    if post.withheld_from(viewer_country(request)):
        return _unavailable(request, post)
    return render(request, "demo_platform/post.html", {"post": post})


@require_safe
def post_image(request, pk):
    post = get_object_or_404(Post.objects.defer("caption"), pk=pk)
    if post.withheld_from(viewer_country(request)):
        return _unavailable(request, post)
    response = HttpResponse(bytes(post.image), content_type="image/jpeg")
    # Never cached: once a measure is applied the image must stop being served at once.
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def account_page(request, handle):
    account = get_object_or_404(Account, handle=handle)
    posts = Post.objects.visible().filter(account=account)
    return render(request, "demo_platform/account.html", {"account": account, "posts": posts})


@require_safe
def inbox(request, handle):
    # A demo convenience: on a real platform only the signed-in account reads its inbox.
    account = get_object_or_404(Account, handle=handle)
    messages = account.messages.select_related("post")
    return render(request, "demo_platform/inbox.html", {"account": account, "inbox": messages})

"""The built-in demo platform and its adapter: what a newcomer sees a measure really do."""

import io
import socket

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.http import HttpResponse
from django.urls import include, path
from PIL import Image

from cases.platforms import get_adapter
from cases.platforms.base import InvalidContentReference, PlatformError
from cases.platforms.demo import DemoPlatformAdapter
from demo_platform.models import Account, Post, PostEvent, UploaderMessage
from takedown import views as takedown_views


def _stub(request):
    return HttpResponse("stub")


# The pages under test, plus stand-ins for the names base.html links to, so these tests depend
# only on the demo platform and not on the notices and cases apps' views.
_notices = [path("new/", _stub, name="new"), path("track/", _stub, name="track")]
urlpatterns = [
    path("", takedown_views.home, name="home"),
    path("accounts/login/", _stub, name="login"),
    path("accounts/logout/", _stub, name="logout"),
    path("notices/", include((_notices, "notices"))),
    path("staff/", include(([path("", _stub, name="queue")], "cases"))),
    path("platform/", include("demo_platform.urls")),
]

SITE = "http://127.0.0.1:8000"
HOSTS = ["127.0.0.1:8000", "localhost:8000"]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.urls(__name__),
]


@pytest.fixture(autouse=True)
def _platform_settings(settings):
    settings.TAKEDOWN_SITE_URL = SITE
    settings.TAKEDOWN_PLATFORM_HOSTS = HOSTS
    settings.TAKEDOWN_PLATFORM_ADAPTER = "cases.platforms.demo.DemoPlatformAdapter"


def _jpeg(color=(200, 120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), color).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def uploader():
    return Account.objects.create(
        handle="glow.clinic", display_name="Glow Clinic", email="glow@users.platform.example"
    )


@pytest.fixture
def post(uploader):
    return Post.objects.create(account=uploader, caption="Real customer results!", image=_jpeg())


@pytest.fixture
def adapter():
    return DemoPlatformAdapter()


# --- resolve -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    [
        "http://127.0.0.1:8000/platform/posts/{pk}/",
        "http://127.0.0.1:8000/platform/posts/{pk}",
        "https://localhost:8000/platform/posts/{pk}/?utm_source=share#top",
        "http://127.0.0.1:8000/platform/posts/{pk}/image.jpg",
        "  post-{pk}  ",
        "POST-{pk}",
    ],
)
def test_resolve_accepts_a_post_url_or_a_content_id(adapter, post, reference):
    ref = adapter.resolve(reference.format(pk=post.pk))

    assert ref.content_id == f"post-{post.pk}"
    assert ref.url == f"{SITE}/platform/posts/{post.pk}/"


def test_resolve_builds_the_canonical_url_from_the_site_url(adapter, post, settings):
    settings.TAKEDOWN_SITE_URL = "https://platform.example/"

    ref = adapter.resolve(f"http://localhost:8000/platform/posts/{post.pk}")

    assert ref.url == f"https://platform.example/platform/posts/{post.pk}/"


@pytest.mark.parametrize(
    "reference",
    [
        "https://evil.example/x",
        "http://127.0.0.1:9999/platform/posts/1/",
        "http://127.0.0.1:8000@evil.example/platform/posts/1/",
        "ftp://127.0.0.1:8000/platform/posts/1/",
        "file:///etc/passwd",
        "127.0.0.1:8000/platform/posts/1/",
        "javascript:alert(1)",
    ],
)
def test_resolve_rejects_anything_not_on_the_platform_hosts(adapter, post, reference):
    with pytest.raises(InvalidContentReference) as raised:
        adapter.resolve(reference)

    assert str(raised.value) == (
        f"{reference} is not on this platform: reported URLs must be post pages on "
        "127.0.0.1:8000 or localhost:8000 or content ids like post-12."
    )


def test_resolve_rejects_a_foreign_host_with_a_clear_message(adapter):
    with pytest.raises(InvalidContentReference, match=r"^https://evil\.example/x is not on"):
        adapter.resolve("https://evil.example/x")


@pytest.mark.parametrize(
    "path_",
    ["/platform/", "/platform/@glow.clinic/", "/platform/posts/abc/", "/admin/", "/"],
)
def test_resolve_rejects_a_page_of_the_platform_that_is_not_a_post(adapter, post, path_):
    with pytest.raises(InvalidContentReference) as raised:
        adapter.resolve(f"http://127.0.0.1:8000{path_}")

    assert str(raised.value) == (
        f"http://127.0.0.1:8000{path_} is not a post page: reported URLs must look like "
        f"{SITE}/platform/posts/12/ (or give a content id like post-12)."
    )


@pytest.mark.parametrize(
    "reference",
    ["post-999", "http://127.0.0.1:8000/platform/posts/999/", "post-99999999999999999999999"],
)
def test_resolve_rejects_a_post_that_does_not_exist(adapter, post, reference):
    with pytest.raises(InvalidContentReference, match=r"^post-\d+ does not exist on this platform"):
        adapter.resolve(reference)


@pytest.mark.parametrize("reference", ["", "   ", None])
def test_resolve_asks_for_a_url_or_content_id_when_given_nothing(adapter, reference):
    with pytest.raises(InvalidContentReference) as raised:
        adapter.resolve(reference)

    assert str(raised.value) == (
        f"Enter the address of a post page on this platform, for example "
        f"{SITE}/platform/posts/12/, or a content id like post-12."
    )


def test_resolve_never_makes_a_network_request(adapter, post, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the adapter opened a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)

    adapter.resolve(f"http://127.0.0.1:8000/platform/posts/{post.pk}/")
    with pytest.raises(InvalidContentReference):
        adapter.resolve("https://evil.example/x")


def test_the_configured_adapter_is_the_demo_platform():
    assert isinstance(get_adapter(), DemoPlatformAdapter)


# --- fetch_content -----------------------------------------------------------------------------


def test_fetch_content_returns_the_image_uploader_and_status(adapter, post):
    content = adapter.fetch_content(post.content_id)

    assert content.image_bytes == _jpeg()
    assert (content.uploader_id, content.uploader_name) == ("glow.clinic", "Glow Clinic")
    assert content.url == f"{SITE}/platform/posts/{post.pk}/"
    assert content.status == "live"


def test_fetch_content_reports_a_deleted_post_as_deleted(adapter, post):
    adapter.delete(post.content_id, idempotency_key="k1")

    assert adapter.fetch_content(post.content_id).status == "deleted"


@pytest.mark.parametrize("content_id", ["post-999", "tweet-1", ""])
def test_fetch_content_of_unknown_content_is_a_permanent_error(adapter, post, content_id):
    with pytest.raises(PlatformError) as raised:
        adapter.fetch_content(content_id)

    assert raised.value.transient is False


# --- measures and public pages -----------------------------------------------------------------


def test_a_live_post_page_shows_the_image_uploader_caption_and_content_id(client, post):
    response = client.get(f"/platform/posts/{post.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert f"/platform/posts/{post.pk}/image.jpg" in body
    assert "@glow.clinic" in body
    assert "Real customer results!" in body
    assert f"Content id</dt><dd><code>post-{post.pk}</code>" in body


def test_a_live_post_image_is_served_as_jpeg(client, post):
    response = client.get(f"/platform/posts/{post.pk}/image.jpg")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response.content == _jpeg()


@pytest.mark.parametrize(
    ("measure", "state", "status", "words"),
    [
        ("delete", "deleted", 410, "removed from the platform following a legal notice"),
        ("disconnect_link", "disconnected", 404, "link to this post was disconnected"),
        ("block", "blocked", 451, "unavailable for legal reasons"),
    ],
)
def test_each_measure_changes_what_the_public_page_answers(
    adapter, client, post, measure, state, status, words
):
    result = adapter.apply_measure(post.content_id, measure, idempotency_key="case-1:item-1")

    assert result.ok
    assert result.response["state"] == state
    post.refresh_from_db()
    assert post.state == state
    page = client.get(f"/platform/posts/{post.pk}/")
    assert page.status_code == status
    assert words in page.content.decode()
    assert client.get(f"/platform/posts/{post.pk}/image.jpg").status_code == status
    assert f"/platform/posts/{post.pk}/" not in client.get("/platform/").content.decode()
    assert post not in Post.objects.visible()


def test_a_deleted_post_answers_410_saying_it_was_removed(adapter, client, post):
    adapter.delete(post.content_id, idempotency_key="k1")

    response = client.get(f"/platform/posts/{post.pk}/")

    assert response.status_code == 410
    assert "This post was removed" in response.content.decode()


def test_a_post_that_never_existed_answers_404(client, post):
    assert client.get("/platform/posts/999/").status_code == 404


def test_a_measure_answers_with_what_the_platform_did(adapter, post):
    response = adapter.disconnect_link(post.content_id, idempotency_key="k1").response

    assert response["content_id"] == post.content_id
    assert response["measure"] == "disconnect_link"
    assert response["previous_state"] == "live"
    assert response["state"] == "disconnected"
    assert response["idempotency_key"] == "k1"
    assert response["replayed"] is False
    assert response["applied_at"]


def test_the_same_idempotency_key_applied_twice_acts_once(adapter, post):
    first = adapter.delete(post.content_id, idempotency_key="k1")
    adapter.restore(post.content_id, idempotency_key="k2")

    second = adapter.delete(post.content_id, idempotency_key="k1")

    post.refresh_from_db()
    assert post.state == "live"
    assert PostEvent.objects.filter(idempotency_key="k1").count() == 1
    assert second.response == {**first.response, "replayed": True}


def test_an_idempotency_key_cannot_be_reused_for_another_measure(adapter, post):
    adapter.delete(post.content_id, idempotency_key="k1")

    with pytest.raises(PlatformError) as raised:
        adapter.block(post.content_id, idempotency_key="k1")

    assert raised.value.transient is False
    assert str(raised.value) == (
        f"Idempotency key 'k1' was already used for delete on {post.content_id}; "
        f"use a new key for block on {post.content_id}."
    )
    post.refresh_from_db()
    assert post.state == "deleted"


def test_a_measure_on_unknown_content_is_a_permanent_error(adapter, post):
    with pytest.raises(PlatformError) as raised:
        adapter.delete("post-999", idempotency_key="k1")

    assert raised.value.transient is False
    assert not PostEvent.objects.exists()


def test_restore_brings_the_post_back(adapter, client, post):
    adapter.delete(post.content_id, idempotency_key="k1")

    result = adapter.restore(post.content_id, idempotency_key="k2")

    assert result.response["state"] == "live"
    assert client.get(f"/platform/posts/{post.pk}/").status_code == 200
    assert f"/platform/posts/{post.pk}/" in client.get("/platform/").content.decode()


# --- notify_uploader and the inbox -------------------------------------------------------------


def test_notify_uploader_stores_a_message_and_emails_the_account(
    adapter, client, post, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        result = adapter.notify_uploader(
            post.content_id, subject="Your post was removed", body="Following a legal notice."
        )

    assert result.ok
    message = UploaderMessage.objects.get()
    assert result.response["message_id"] == message.pk
    assert (message.account, message.post, message.subject) == (
        post.account,
        post,
        "Your post was removed",
    )
    assert [m.to for m in mail.outbox] == [["glow@users.platform.example"]]
    assert "Your post was removed" in client.get("/platform/inbox/glow.clinic/").content.decode()


# --- other pages -------------------------------------------------------------------------------


def test_the_home_page_lists_visible_posts_and_the_three_ways_in(adapter, client, uploader):
    shown = Post.objects.create(account=uploader, caption="shown", image=_jpeg())
    hidden = Post.objects.create(account=uploader, caption="hidden", image=_jpeg())
    adapter.delete(hidden.content_id, idempotency_key="k1")

    body = client.get("/").content.decode()

    assert f"/platform/posts/{shown.pk}/" in body
    assert f"/platform/posts/{hidden.pk}/" not in body
    for words in ("File a notice", "Track a notice", "Staff sign-in"):
        assert words in body


def test_an_account_page_lists_only_its_visible_posts(adapter, client, post, uploader):
    other = Post.objects.create(account=uploader, caption="gone", image=_jpeg())
    adapter.block(other.content_id, idempotency_key="k1")

    response = client.get("/platform/@glow.clinic/")

    assert response.status_code == 200
    assert f"/platform/posts/{post.pk}/" in response.content.decode()
    assert f"/platform/posts/{other.pk}/" not in response.content.decode()


# --- load_demo ---------------------------------------------------------------------------------


def test_load_demo_twice_creates_nothing_twice(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    counts = (Account.objects.count(), Post.objects.count(), get_user_model().objects.count())

    out = io.StringIO()
    call_command("load_demo", stdout=out)

    assert counts[1] >= 5
    assert (
        Account.objects.count(),
        Post.objects.count(),
        get_user_model().objects.count(),
    ) == counts
    assert "http://127.0.0.1:8000/" in out.getvalue()
    assert "moderator-demo-2026" in out.getvalue()
    assert str(tmp_path / "demo" / "reference_photo_mei_lin.jpg") in out.getvalue()


def test_load_demo_creates_the_staff_sign_ins_in_their_groups(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())

    users = {u.username: u for u in get_user_model().objects.filter(is_staff=True)}
    for username, password in [
        ("moderator", "moderator-demo-2026"),
        ("legal", "legal-demo-2026"),
        ("admin", "admin-demo-2026"),
    ]:
        assert users[username].check_password(password)
        assert list(users[username].groups.values_list("name", flat=True)) == [username]
    assert users["admin"].is_superuser
    assert not users["moderator"].is_superuser


def test_load_demo_leaves_an_existing_password_alone(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    get_user_model().objects.create_user(username="legal", password="chosen-by-the-team-7")

    call_command("load_demo", stdout=io.StringIO())

    legal = get_user_model().objects.get(username="legal")
    assert legal.check_password("chosen-by-the-team-7")
    assert legal.is_staff


def test_load_demo_writes_the_reference_photo_for_the_notice_form(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())

    photo = tmp_path / "demo" / "reference_photo_mei_lin.jpg"
    assert Image.open(photo).format == "JPEG"


def test_load_demo_does_not_bring_back_a_post_a_measure_removed(adapter, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("load_demo", stdout=io.StringIO())
    clinic = Post.objects.get(account__handle="glow.clinic")
    adapter.delete(clinic.content_id, idempotency_key="k1")

    call_command("load_demo", stdout=io.StringIO())

    clinic.refresh_from_db()
    assert clinic.state == "deleted"


@pytest.mark.django_db
def test_a_weaker_measure_never_lifts_a_stronger_restriction():
    from cases.platforms.demo import DemoPlatformAdapter
    from demo_platform.models import Account, Post

    account = Account.objects.create(handle="someone", display_name="Someone")
    post = Post.objects.create(account=account, caption="x", image=b"jpeg")
    adapter = DemoPlatformAdapter()
    adapter.delete(post.content_id, idempotency_key="k-delete")

    result = adapter.block(post.content_id, idempotency_key="k-block")

    assert result.response["state"] == "deleted"
    post.refresh_from_db()
    assert post.state == "deleted"

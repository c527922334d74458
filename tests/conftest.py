"""Personas and helpers shared by the tests."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase
from PIL import Image, ImageDraw
from rest_framework.test import APIClient

from notices.models import EvidenceFile
from takedown.storage import PrivateFileSystemStorage

from .browser import browser, browser_page, phone_page  # noqa: F401 - fixtures for every module


@pytest.fixture(autouse=True)
def test_platform_host(settings):
    """The test client's host serves the demo platform's pages in tests."""
    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]


@pytest.fixture(autouse=True)
def site_language():
    """Each test starts in the site's language: a request in another language (the Chinese
    pages) leaves that language active in the thread, and a later test would read it."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def private_storage(tmp_path, monkeypatch):
    """Evidence goes to a per-test folder; throttles start from zero."""
    storage = PrivateFileSystemStorage(location=str(tmp_path / "evidence"))
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", storage)
    cache.clear()
    return storage


def _staff(username: str, role: str | None) -> User:
    user = User.objects.create_user(username, f"{username}@platform.example", "pw-for-tests-only")
    if role:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def moderator_a(db):
    return _staff("moderator_a", "moderator")


@pytest.fixture
def moderator_b(db):
    return _staff("moderator_b", "moderator")


@pytest.fixture
def legal(db):
    return _staff("legal_reviewer", "legal")


@pytest.fixture
def admin_user(db):
    return _staff("admin_person", "admin")


@pytest.fixture
def stranger(db):
    """Signed in, but holds no trust-and-safety role."""
    return _staff("stranger", None)


class _RunsOnCommit:
    """Requests run their on-commit callbacks (tasks, e-mails) as a real commit would."""

    def request(self, *args, **kwargs):
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().request(*args, **kwargs)


class CommitAPIClient(_RunsOnCommit, APIClient):
    pass


class CommitClient(_RunsOnCommit, Client):
    pass


@pytest.fixture
def client():
    return CommitClient()


def web_as(user) -> Client:
    client = CommitClient()
    client.force_login(user)
    return client


def api_as(user=None) -> APIClient:
    client = CommitAPIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anonymous_api():
    return CommitAPIClient()


def jpeg_bytes(color=(200, 120, 90), size=(64, 64), exif: bytes | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is None:
        image.save(out, "JPEG")
    else:
        image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def pdf_bytes(text: str = "Signed mandate", pages: int = 1) -> bytes:
    """A small real PDF (a scanned-looking page per image), as a document upload would be."""
    images = []
    for number in range(1, pages + 1):
        image = Image.new("RGB", (420, 594), "white")
        ImageDraw.Draw(image).text((40, 60), f"{text} - page {number}", fill="black")
        images.append(image)
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=72)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def demo_posts(db):
    """The seeded demo platform: the story's accounts and posts."""
    from django.core.management import call_command

    from demo_platform.models import Post

    call_command("load_demo", stdout=io.StringIO())
    return {
        post.account.handle + ":" + str(i): post
        for i, post in enumerate(Post.objects.order_by("pk"))
    }


def post_url(post) -> str:
    return f"http://testserver/platform/posts/{post.pk}/"


def posts_by_role(role: str):
    """Posts of the demo story with this role (own, clinic, pack, unrelated), by handle."""
    from demo_platform.models import Post
    from demo_platform.story_images import seed_posts

    handles = {p.handle for p in seed_posts() if p.role == role}
    return list(Post.objects.filter(account__handle__in=handles).order_by("pk"))


@pytest.fixture
def clinic_post(demo_posts):
    """The beauty clinic's post that reuses her selfie, mirrored and cropped."""
    return posts_by_role("clinic")[0]


@pytest.fixture
def pack_post(demo_posts):
    """The photo-pack seller's grid with her selfie among others."""
    return posts_by_role("pack")[0]


@pytest.fixture
def unrelated_post(demo_posts):
    """Somebody else's photo: a report of it should not match."""
    return posts_by_role("unrelated")[0]


def notice_payload(reported: list[str], **overrides) -> dict:
    """A complete, valid notice as the public API receives it (multipart)."""
    from demo_platform.story_images import reference_photo_jpeg

    payload = {
        "notifier_name": "Mei Lin",
        "notifier_email": "mei.lin@example.com",
        "notifier_phone": "+86 10 5555 0100",
        "relationship": "self",
        "identity_document": upload("id-card.jpg", jpeg_bytes((10, 20, 30))),
        "reported_urls": reported,
        "reference_photos": [upload("me.jpg", reference_photo_jpeg())],
        "use_type": "commercial_endorsement",
        "description": "This clinic uses my selfie as a fake customer result.",
        "requested_measure": "delete",
        "good_faith": "true",
        "accuracy": "true",
        "signature": "Mei Lin",
    }
    payload.update(overrides)
    return payload


def pytest_collection_modifyitems(config, items):
    """A test in real transactions (a live server for the browser) empties the database when it
    ends; with serialized_rollback the migrated data (roles, content types) is put back the
    same way for every such test. One without it would leave the next one a database whose
    content types have other keys, so it is refused here rather than failing elsewhere."""
    lacking = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        transactional = (marker is not None and marker.kwargs.get("transaction")) or (
            "live_server" in getattr(item, "fixturenames", ())
        )
        if transactional and not (marker and marker.kwargs.get("serialized_rollback")):
            lacking.append(item.nodeid)
    if lacking:
        raise pytest.UsageError(
            "Transactional tests need @pytest.mark.django_db(transaction=True, "
            "serialized_rollback=True): " + ", ".join(lacking)
        )

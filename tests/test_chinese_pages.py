"""Every main page, public and staff, reads entirely in Chinese when Chinese is asked for: no
English word is left in the visible text, other than the product's name, the parties' own data
(names, addresses, URLs they typed) and format names."""

import re

import pytest
from django.urls import reverse

from cases.models import Case

from .conftest import api_as, notice_payload, post_url, posts_by_role
from .test_i18n import visible_words

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-Hans"}
# Latin words a Chinese page may show: the product, the switcher's entry for English, codes
# and format names, and the data the parties themselves wrote (the test notice's names).
ALLOWED = {
    "takedown",
    "English",
    "API",
    "CSV",
    "DSA",
    "PDQ",
    "UTC",
    "JPEG",
    "PNG",
    "WebP",
    "PDF",
    "SHA",
    "GPS",
    "Enter",
    "Esc",
}
# Not language: the platform's content ids (post-12), hashes, and the elements marked as having
# no linguistic content (lang="zxx": the log's recorded data, a matcher's variant name).
NOT_LANGUAGE = re.compile(
    r"\b[a-z]+-\d+\b|\b[0-9a-f]{16,}\b|<(\w+)[^>]*\blang=\"zxx\"[^>]*>.*?</\1>", re.S
)


def chinese_words_only(html: str, *data: str) -> list[str]:
    """English words on the page, other than the allowed ones and those in the given data."""
    typed = {word for text in data for word in visible_words(text)}
    return [
        word for word in visible_words(NOT_LANGUAGE.sub(" ", html)) if word not in ALLOWED | typed
    ]


@pytest.fixture
def filed_case(anonymous_api, demo_posts, moderator_a):
    clinic = posts_by_role("clinic")[0]
    payload = notice_payload([post_url(clinic)])
    response = anonymous_api.post("/api/v1/notices/", payload, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(notice__reference=body["reference"])
    staff = api_as(moderator_a)
    assert staff.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    return case, body, payload


def test_the_public_pages_read_entirely_in_chinese(client, filed_case, settings):
    settings.TAKEDOWN_DEMO_PLATFORM = False
    case, body, payload = filed_case
    tracking = reverse("notices:tracking", args=[body["reference"]])
    pages = {
        "/": None,
        reverse("notices:new"): None,
        reverse("notices:track"): None,
        reverse("login"): None,
        f"{tracking}?token={body['tracking_token']}": None,
    }
    data = (payload["notifier_name"], payload["description"], payload["signature"])
    for url in pages:
        response = client.get(url, follow=True, **ZH)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert '<html lang="zh-hans">' in html, url
        assert chinese_words_only(html, *data, post_url(posts_by_role("clinic")[0])) == [], url


def test_the_staff_pages_read_entirely_in_chinese(client, filed_case, moderator_a):
    case, body, payload = filed_case
    client.force_login(moderator_a)
    session = client.session
    session.save()
    data = (
        payload["notifier_name"],
        payload["notifier_email"],
        payload["description"],
        payload["signature"],
        post_url(posts_by_role("clinic")[0]),
        moderator_a.username,
        case.notice.reference,
        *case.notice.items.values_list("uploader_name", flat=True),
    )
    for url in (
        reverse("cases:queue"),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:dashboard"),
        reverse("cases:transparency"),
    ):
        response = client.get(url, **ZH)
        assert response.status_code == 200, url
        words = chinese_words_only(response.content.decode(), *data)
        assert words == [], f"{url}: {words}"

"""In a real browser (Debian's chromium): portraits stay blurred until the moderator reveals
them, and the moderator can claim and uphold from the case page."""

import io

import pytest
from django.urls import reverse

from cases.models import Case
from demo_platform.models import Post

from .conftest import notice_payload, post_url, posts_by_role


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_moderator_reveals_the_portraits_then_upholds_in_the_browser(
    browser_page, live_server, settings, moderator_a
):
    from django.core.management import call_command
    from rest_framework.test import APIClient

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    clinic = posts_by_role("clinic")[0]
    response = APIClient().post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    )
    assert response.status_code == 201, response.json()
    case = Case.objects.get(notice__reference=response.json()["reference"])

    page = browser_page
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "moderator_a")
    page.fill("#id_password", "pw-for-tests-only")
    page.click("main form [type=submit]")
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))

    portrait = page.locator("img.portrait").first
    assert "blur" in portrait.evaluate("img => getComputedStyle(img).filter")
    assert "grayscale" in portrait.evaluate("img => getComputedStyle(img).filter")
    page.click("[data-reveal]")
    assert portrait.evaluate("img => getComputedStyle(img).filter") == "none"
    assert page.locator("[data-reveal]").first.inner_text() == "Conceal"

    page.get_by_role("button", name="Claim", exact=True).click()
    page.check("input[name=outcome][value=uphold]")
    page.select_option("#decide-ground", "portrait_right")
    page.fill("#decide-reasons", "Her selfie is used as an advert without consent.")
    page.click("#decide button[type=submit]")

    assert page.locator("text=Decision recorded.").is_visible()
    assert Post.objects.get(pk=clinic.pk).state == "deleted"

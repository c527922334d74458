"""In a real browser: the admin reads the dashboard, a notice is filed and decided, and the
figures move after a reload; the transparency report opens for the same period."""

import io

import pytest
from django.urls import reverse

from cases.models import Case

from .browser import PASSWORD, assert_accessible, screenshot
from .conftest import api_as, notice_payload, post_url, posts_by_role


def sign_in(page, base_url: str, username: str) -> None:
    """Submits the sign-in form itself (the header may hold the language switcher's form)."""
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_load_state()


def _figure(page, figure_id: str) -> int:
    return int(page.locator(f"#{figure_id}").inner_text().strip())


def _today_on_chart(page) -> int:
    """The last row of the notices-per-day table: today, the end of the default period."""
    page.locator("#chart-notices-per-day-card summary").click()
    return int(
        page.locator("#chart-notices-per-day-card tbody tr").last.locator("td").last.inner_text()
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_admin_sees_the_figures_change_after_a_notice_is_decided(
    browser_page, live_server, settings, admin_user, moderator_a
):
    from django.core.management import call_command
    from rest_framework.test import APIClient

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    page = browser_page
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + reverse("cases:dashboard"))

    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    assert page.locator("svg#chart-notices-per-day title").first.text_content() == (
        "Notices received per day"
    )
    notices, decided, today = (
        _figure(page, "fig-notices"),
        _figure(page, "fig-decided"),
        _today_on_chart(page),
    )
    assert_accessible(page)

    clinic = posts_by_role("clinic")[0]
    response = APIClient().post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    )
    assert response.status_code == 201, response.json()
    case = Case.objects.get(notice__reference=response.json()["reference"])
    moderator = api_as(moderator_a)
    assert moderator.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    decision = moderator.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "reject", "reasons": "Not shown to be her.", "ground": "insufficient_evidence"},
        format="json",
    )
    assert decision.status_code == 200, decision.json()

    page.reload()
    assert _figure(page, "fig-notices") == notices + 1
    assert _figure(page, "fig-decided") == decided + 1
    assert _today_on_chart(page) == today + 1
    assert_accessible(page)
    screenshot(page, "dashboard")

    page.get_by_role("link", name="Transparency report").click()
    assert page.get_by_role("heading", name="Transparency report", exact=True).is_visible()
    received = page.locator("#report-notices tbody tr").first.locator("td").last.inner_text()
    assert int(received) == notices + 1
    assert_accessible(page)
    screenshot(page, "transparency-report")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bad_date_is_explained_and_the_dashboard_fits_a_phone(
    phone_page, live_server, admin_user
):
    page = phone_page
    sign_in(page, live_server.url, admin_user.username)
    page.goto(live_server.url + reverse("cases:dashboard") + "?from=2026-02-31&to=2026-03-10")

    assert page.get_by_text("is not a date in the form YYYY-MM-DD").is_visible()
    assert page.get_by_text("Showing the last 30 days instead.").is_visible()
    # Nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("link", name="7 days").click()
    assert page.locator("#chart-notices-per-day-card tbody tr").count() == 7
    assert_accessible(page)
    screenshot(page, "dashboard-phone")

"""The moderator console in a real browser (Debian's chromium): filtering the queue, claiming,
revealing and upholding from the keyboard; zoom and the overlay/difference view; phone width."""

import io

import pytest
from django.urls import reverse

from cases.models import Case
from demo_platform.models import Post

from .browser import PASSWORD, assert_accessible, screenshot
from .conftest import notice_payload, post_url, posts_by_role


def sign_in(page, base_url: str, username: str) -> None:
    """As tests.browser.sign_in, submitting the sign-in form itself (the header may hold
    another form, such as the language switcher)."""
    page.goto(base_url + reverse("login"))
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form [type=submit]")
    page.wait_for_load_state()


def file_notices():
    """Mei Lin's notice against the clinic's post (a match), and one against an unrelated
    post (no match), filed through the public API."""
    from django.core.management import call_command
    from rest_framework.test import APIClient

    call_command("load_demo", stdout=io.StringIO())
    cases = {}
    for role in ("clinic", "unrelated"):
        post = posts_by_role(role)[0]
        response = APIClient().post(
            "/api/v1/notices/", notice_payload([post_url(post)]), format="multipart"
        )
        assert response.status_code == 201, response.json()
        cases[role] = Case.objects.get(notice__reference=response.json()["reference"])
    return cases


def canvas_pixels(page) -> list[int]:
    """A sample of the compare canvas's pixels; reading them fails if the canvas is tainted."""
    return page.evaluate(
        "() => { const c = document.querySelector('[data-compare-canvas]');"
        " const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
        " const out = []; for (let i = 0; i < d.length; i += 4 * 97) out.push(d[i], d[i+1]);"
        " return out; }"
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_moderator_filters_claims_reveals_and_upholds_from_the_keyboard(
    browser_page, live_server, settings, moderator_a
):
    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    cases = file_notices()
    clinic = posts_by_role("clinic")[0]
    case = cases["clinic"]
    assert case.verdict == "match" and cases["unrelated"].verdict != "match"
    page = browser_page
    sign_in(page, live_server.url, "moderator_a")

    # The queue: both cases; the "Match" filter shows its count and keeps only the match.
    page.goto(live_server.url + reverse("cases:queue"))
    assert page.locator("[data-case-row]").count() == 2
    match_chip = page.locator('a[data-filter="verdict"][data-value="match"]')
    assert match_chip.locator(".count").inner_text() == "1"
    match_chip.click()
    page.wait_for_load_state()
    assert "verdict=match" in page.url
    assert page.locator("[data-case-row]").count() == 1
    assert page.locator('a[data-filter="verdict"][data-value="match"]').get_attribute(
        "aria-current"
    )
    assert case.notice.reference in page.locator("#queue").inner_text()
    assert "unclaimed" in page.locator("#queue").inner_text()
    assert_accessible(page)
    screenshot(page, "console-queue")

    # "?" opens the list of shortcuts; Escape closes it.
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()
    assert "Select the case for a bulk decision" in page.locator("#shortcuts").inner_text()
    page.keyboard.press("Escape")
    assert not page.locator("#shortcuts").is_visible()

    # j selects the first row, x ticks it for a bulk decision, o opens it.
    page.keyboard.press("j")
    row = page.locator("[data-case-row]").first
    assert "selected" in row.get_attribute("class")
    page.keyboard.press("x")
    assert row.locator("input[type=checkbox]").is_checked()
    page.keyboard.press("x")
    assert not row.locator("input[type=checkbox]").is_checked()
    page.keyboard.press("o")
    page.wait_for_url("**" + reverse("cases:detail", args=[case.pk]))

    # c claims; the page says who holds the claim until when.
    page.keyboard.press("c")
    page.wait_for_load_state()
    page.locator("text=Claimed.").wait_for()
    assert "claimed by moderator_a until" in page.locator("#claim").inner_text()

    # r reveals the photos (and conceals them again).
    portrait = page.locator("img.portrait").first
    assert "blur" in portrait.evaluate("img => getComputedStyle(img).filter")
    page.keyboard.press("r")
    assert portrait.evaluate("img => getComputedStyle(img).filter") == "none"
    assert page.locator("[data-reveal]").first.inner_text() == "Conceal"
    assert_accessible(page)
    screenshot(page, "console-case")

    # Typing in a field never fires a shortcut: "u" in the private notes stays text.
    page.fill("#private_notes", "")
    page.click("#private_notes")
    page.keyboard.type("unclear")
    assert page.input_value("#private_notes") == "unclear"
    assert not page.is_checked("input[name=outcome][value=uphold]")
    page.keyboard.press("Escape")

    # u chooses to uphold and goes to what is missing: the ground.
    page.keyboard.press("u")
    assert page.is_checked("input[name=outcome][value=uphold]")
    assert page.evaluate("document.activeElement.id") == "decide-ground"
    # A template fills the statement of reasons, which stays editable.
    page.select_option("#decide-template", "portrait_commercial")
    assert page.input_value("#decide-ground") == "portrait_right"
    assert "PRC Civil Code arts. 1018-1019" in page.input_value("#decide-reasons")
    page.fill("#decide-reasons", page.input_value("#decide-reasons") + " Seen on 1 May.")
    page.keyboard.press("Escape")
    # The form is complete and uphold already chosen: u records the decision.
    page.keyboard.press("u")
    page.locator("text=Decision recorded.").wait_for()
    assert page.locator("#state").inner_text() == "Actioned"
    assert Post.objects.get(pk=clinic.pk).state == "deleted"
    assert case.decisions.get().reasons.endswith("Seen on 1 May.")

    # g then q: back to the queue.
    page.keyboard.press("g")
    page.keyboard.press("q")
    page.wait_for_url("**" + reverse("cases:queue"))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_photos_zoom_and_the_overlay_and_difference_views_render(
    browser_page, live_server, settings, moderator_a
):
    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    case = file_notices()["clinic"]
    page = browser_page
    sign_in(page, live_server.url, "moderator_a")
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.portrait')].every(i => i.naturalWidth > 0)"
    )

    # Zoom: clicking the photo enlarges it, + enlarges further, 0 resets; all by keyboard too.
    reported = page.locator('img[data-compare-role="reported"]')
    width = reported.evaluate("img => img.getBoundingClientRect().width")
    reported.click()
    zoomed = reported.evaluate("img => img.getBoundingClientRect().width")
    assert zoomed > width * 1.8
    assert page.locator("button.zoom").nth(1).get_attribute("aria-pressed") == "true"
    page.locator("button.zoom").nth(1).focus()
    page.keyboard.press("+")
    assert reported.evaluate("img => img.getBoundingClientRect().width") > zoomed * 1.3
    page.keyboard.press("0")
    assert reported.evaluate("img => img.getBoundingClientRect().width") == pytest.approx(width)
    page.keyboard.press("Enter")  # the focused photo button, from the keyboard
    assert reported.evaluate("img => img.getBoundingClientRect().width") > width * 1.8
    page.keyboard.press("0")

    # Compare: the reference laid over the reported content, with an opacity slider, or the
    # difference of the two. The canvas is concealed like the photos until revealed.
    page.click(".compare summary")
    canvas = page.locator("[data-compare-canvas]")
    assert canvas.get_attribute("data-rendered") == "overlay"
    assert "blur" in canvas.evaluate("c => getComputedStyle(c).filter")
    page.click("[data-reveal]")
    assert canvas.evaluate("c => getComputedStyle(c).filter") == "none"
    overlay = canvas_pixels(page)
    assert any(overlay)
    page.fill("[data-compare-opacity]", "100")
    opaque = canvas_pixels(page)
    assert opaque != overlay
    page.select_option("[data-compare-mode]", "difference")
    assert canvas.get_attribute("data-rendered") == "difference"
    difference = canvas_pixels(page)
    assert difference != opaque
    # The clinic flipped her selfie: the reference is mirrored to match, and the difference
    # is mostly dark; unmirrored, it is much brighter.
    assert page.is_checked("[data-compare-mirror]")
    assert sum(difference) < sum(opaque)
    page.uncheck("[data-compare-mirror]")
    assert sum(canvas_pixels(page)) > sum(difference) * 1.2
    page.check("[data-compare-mirror]")
    assert page.locator("[data-compare-opacity]").is_disabled()
    assert_accessible(page)
    screenshot(page, "console-compare")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_queue_and_the_case_page_fit_a_phone(phone_page, live_server, settings, moderator_a):
    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    case = file_notices()["clinic"]
    page = phone_page
    sign_in(page, live_server.url, "moderator_a")
    # Nothing sticks out of the screen, but what scrolls in its own box (tables, photos).
    fits = (
        "() => [...document.querySelectorAll('main *')]"
        ".filter(e => !e.closest('.table-scroll, .pane, dialog'))"
        ".every(e => e.getBoundingClientRect().right <= window.innerWidth + 1)"
    )
    for url, name in (
        (reverse("cases:queue"), "console-queue-phone"),
        (reverse("cases:detail", args=[case.pk]), "console-case-phone"),
    ):
        page.goto(live_server.url + url)
        assert page.evaluate(fits), name
        assert_accessible(page)
        screenshot(page, name)
    # The shortcuts panel opens from its button too (no keyboard on a phone).
    page.get_by_role("button", name="Keyboard shortcuts").click()
    assert page.locator("#shortcuts").is_visible()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_moderator_selects_cases_with_x_and_rejects_them_after_confirming(
    browser_page, live_server, settings, moderator_a
):
    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    cases = file_notices()
    page = browser_page
    sign_in(page, live_server.url, "moderator_a")
    page.goto(live_server.url + reverse("cases:queue"))

    for _ in cases:
        page.keyboard.press("j")
        page.keyboard.press("x")
    assert page.locator("[data-case-row] input[type=checkbox]:checked").count() == 2
    page.check("#bulk input[name=outcome][value=reject]")
    page.select_option("#bulk-template", "insufficient_evidence")
    assert page.input_value("#bulk-ground") == "insufficient_evidence"
    assert "PRC Civil Code art. 1195" in page.input_value("#bulk-reasons")
    page.click("#bulk button[type=submit]")

    # The confirmation lists both cases; nothing has changed yet.
    page.wait_for_load_state()
    listed = page.locator("#bulk-cases").inner_text()
    for case in cases.values():
        assert case.notice.reference in listed
        case.refresh_from_db()
        assert case.state == "received"
    assert_accessible(page)
    screenshot(page, "console-bulk-confirm")

    page.get_by_role("button", name="Confirm: decide 2 cases").click()
    page.wait_for_load_state()
    assert "2 decided, 0 skipped." in page.inner_text("main")
    assert_accessible(page)
    screenshot(page, "console-bulk-done")
    for case in cases.values():
        case.refresh_from_db()
        assert case.state == "rejected"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_matched_region_is_outlined_and_follows_the_zoom(
    browser_page, live_server, settings, moderator_a
):
    """The photo-pack seller's grid holds her selfie in one cell: that cell is outlined on the
    snapshot, stays on it when the photo is enlarged, and the compare view lays the reference
    on it."""
    from django.core.management import call_command
    from rest_framework.test import APIClient

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    pack = posts_by_role("pack")[0]
    filed = APIClient().post(
        "/api/v1/notices/", notice_payload([post_url(pack)]), format="multipart"
    )
    case = Case.objects.get(notice__reference=filed.json()["reference"])
    page = browser_page
    sign_in(page, live_server.url, "moderator_a")
    page.goto(live_server.url + reverse("cases:detail", args=[case.pk]))
    region = page.locator(".match-region")
    region.wait_for(state="attached")

    def box():
        return page.evaluate(
            "() => { const r = document.querySelector('.match-region').getBoundingClientRect();"
            " const i = document.querySelector('.region-frame img').getBoundingClientRect();"
            " return {w: r.width, left: r.left - i.left, iw: i.width}; }"
        )

    before = box()
    assert 0 < before["w"] < before["iw"]
    page.locator('img[data-compare-role="reported"]').click()
    after = box()
    assert after["iw"] == pytest.approx(before["iw"] * 2, rel=0.02)
    assert after["w"] == pytest.approx(before["w"] * 2, rel=0.05)
    assert after["left"] == pytest.approx(before["left"] * 2, abs=3)
    page.click(".compare summary")
    assert "placed on the region where it was found" in page.inner_text(".compare")
    assert page.locator("[data-compare-canvas]").get_attribute("data-rendered") == "overlay"
    screenshot(page, "console-region")

"""In a real browser (Debian's chromium): a complainant files a notice step by step with real
photos (picked and dropped), checks the summary, watches the upload, lands on the receipt and
follows the notice on the tracking page; on a phone too, without sideways scrolling."""

import base64
import io

import pytest
from PIL import Image

from notices.models import EvidenceFile, Notice

from .browser import assert_accessible, screenshot
from .conftest import post_url, posts_by_role


def jpeg(color, size=(320, 240)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=90)
    return out.getvalue()


def picked(name: str, data: bytes) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": data}


def drop_photo(page, name: str, data: bytes) -> None:
    """Drop a photo on the drop zone as a file dragged from the desktop would arrive."""
    transfer = page.evaluate_handle(
        """([name, b64]) => {
            const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name, {type: 'image/jpeg'}));
            return dt;
        }""",
        [name, base64.b64encode(data).decode()],
    )
    page.dispatch_event("#dropzone", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})


def visible_step(page) -> str:
    return page.locator("[data-step]:visible").get_attribute("data-step")


def no_sideways_scroll(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def record_progress(page) -> None:
    """Note in sessionStorage (kept across the navigation to the receipt) whether the progress
    bar was shown and how far it went."""
    page.evaluate(
        """() => {
            const bar = document.getElementById('upload-progress');
            const box = document.getElementById('sending');
            sessionStorage.setItem('progress', JSON.stringify({shown: false, max: 0}));
            new MutationObserver(() => {
                const seen = JSON.parse(sessionStorage.getItem('progress'));
                seen.shown = seen.shown || (!box.hidden && box.offsetParent !== null);
                seen.max = Math.max(seen.max, bar.value);
                sessionStorage.setItem('progress', JSON.stringify(seen));
            }).observe(box.parentNode, {attributes: true, subtree: true});
        }"""
    )


@pytest.fixture
def portal(live_server, settings):
    from django.core.management import call_command

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    return live_server


def fill_who(page) -> None:
    page.fill("#id_notifier_name", "Mei Lin")
    page.fill("#id_notifier_email", "mei.lin@example.com")
    page.get_by_label("I am the person in the photo").check()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_complainant_files_a_notice_step_by_step_with_real_photos(browser_page, portal):
    from demo_platform.story_images import reference_photo_jpeg

    clinic = posts_by_role("clinic")[0]
    page = browser_page
    # File choosers are caught (not opened) from the start, not only while one is awaited.
    page.on("filechooser", lambda chooser: None)
    page.goto(portal.url + "/notices/new/")

    # Step 1: one step at a time, and Next checks the required fields first.
    assert page.locator("#step-1 > legend").inner_text().startswith("Step 1 of 5")
    assert visible_step(page) == "1"
    assert not page.locator("#plain-submit").is_visible()
    assert_accessible(page)
    screenshot(page, "portal-filing-step-1")
    page.click("#step-1 [data-next]")
    assert visible_step(page) == "1"
    assert page.locator("#error-notifier_name").inner_text() == "Please fill in this field."
    assert page.get_attribute("#id_notifier_name", "aria-invalid") == "true"
    assert "error-notifier_name" in page.get_attribute("#id_notifier_name", "aria-describedby")
    fill_who(page)
    page.fill("#id_notifier_email", "not-an-address")
    page.click("#step-1 [data-next]")
    assert "e-mail address" in page.locator("#error-notifier_email").inner_text()
    page.fill("#id_notifier_email", "mei.lin@example.com")
    # An agent must attach an authorisation: the field appears only for agents.
    assert not page.locator("#field-authorization_document").is_visible()
    page.get_by_label("I act for the person in the photo").check()
    assert page.locator("#field-authorization_document").is_visible()
    page.get_by_label("I am the person in the photo").check()
    page.click("#step-1 [data-next]")

    # Step 2: a URL the server will refuse (not on this platform) passes the page's own check.
    assert visible_step(page) == "2"
    assert page.locator("#step-2 > legend").inner_text().startswith("Step 2 of 5")
    page.fill("#id_reported_urls", "https://elsewhere.example/photo/1")
    page.click("#step-2 [data-next]")

    # Step 3: photos picked with the file picker and dropped on the drop zone, previewed.
    assert visible_step(page) == "3"
    page.click("#step-3 [data-next]")
    assert page.locator("#error-reference_photos").inner_text() == (
        "Add at least one photo of the person."
    )
    # The drop zone opens the file picker from the keyboard.
    page.focus("#dropzone")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Enter")
    assert chooser.value.is_multiple()
    chooser.value.set_files([picked("selfie.jpg", reference_photo_jpeg())])
    drop_photo(page, "wrong-one.jpg", jpeg((30, 140, 200)))
    previews = page.locator("#previews-reference_photos img")
    assert previews.count() == 2
    assert previews.first.get_attribute("src").startswith("blob:")
    assert previews.first.evaluate("img => img.complete && img.naturalWidth > 0")
    page.get_by_role("button", name="Remove wrong-one.jpg").click()
    assert previews.count() == 1
    assert page.locator("#previews-reference_photos").inner_text().count("selfie.jpg") == 1
    page.set_input_files("#id_identity_document", [picked("id-card.jpg", jpeg((10, 20, 30)))])
    assert page.locator("#previews-identity_document img").count() == 1
    page.click("#step-3 [data-next]")

    # The browser's Back button goes back one step, not off the page.
    assert visible_step(page) == "4"
    page.go_back()
    page.wait_for_selector("#step-3:visible")
    assert page.locator("#previews-reference_photos img").count() == 1
    page.go_forward()
    page.wait_for_selector("#step-4:visible")

    # Step 4 and 5.
    assert visible_step(page) == "4"
    page.select_option("#id_use_type", "commercial_endorsement")
    page.fill("#id_description", "This clinic uses my selfie as a fake customer result.")
    page.select_option("#id_requested_measure", "delete")
    page.click("#step-4 [data-next]")
    assert visible_step(page) == "5"
    page.click("#step-5 [data-next]")
    assert page.locator("#error-good_faith").inner_text() == "Please tick this box to confirm."
    page.check("#id_good_faith")
    page.check("#id_accuracy")
    page.fill("#id_signature", "Mei Lin")
    page.click("#step-5 [data-next]")

    # The summary lists every answer, with the photos' thumbnails.
    assert visible_step(page) == "summary"
    summary = page.locator("#summary-body")
    for answer in (
        "Mei Lin",
        "mei.lin@example.com",
        "I am the person in the photo",
        "https://elsewhere.example/photo/1",
        "selfie.jpg",
        "id-card.jpg",
        "Used to advertise (fake customer photo)",
        "Delete the content",
        "Confirmed",
    ):
        assert answer in summary.inner_text(), answer
    assert summary.locator("[data-answer=reference_photos] img").count() == 1
    assert_accessible(page)
    screenshot(page, "portal-filing-summary")

    # The server refuses the URL: nothing stored, the page opens step 2 with the message.
    page.click("#send")
    page.wait_for_selector("#step-2:visible")
    assert "not on this platform" in page.locator("#error-reported_urls").inner_text()
    assert page.get_attribute("#id_reported_urls", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "id_reported_urls"
    assert Notice.objects.count() == 0

    # Fixed; Edit from the summary goes back to a step, then send for real.
    page.fill("#id_reported_urls", post_url(clinic))
    for step in ("2", "3", "4", "5"):
        page.click(f"#step-{step} [data-next]")
    page.click("[data-goto='1']")
    assert visible_step(page) == "1"
    assert page.input_value("#id_notifier_name") == "Mei Lin"
    page.fill("#id_notifier_phone", "+86 10 5555 0100")
    assert page.inner_text("#step-1 [data-next]") == "Back to the summary"
    page.click("#step-1 [data-next]")
    assert visible_step(page) == "summary"
    assert "+86 10 5555 0100" in page.locator("#summary-body").inner_text()
    assert post_url(clinic) in page.locator("#summary-body").inner_text()
    record_progress(page)
    page.click("#send")
    page.wait_for_url("**/notices/receipt/")
    progress = page.evaluate("JSON.parse(sessionStorage.getItem('progress'))")
    assert progress == {"shown": True, "max": 100}

    # The receipt: reference, token shown once, what happens next.
    notice = Notice.objects.get()
    assert page.locator("#reference").inner_text() == notice.reference
    assert page.locator("#token").inner_text()
    assert "What happens next" in page.inner_text("main")
    photos = notice.evidence.filter(kind=EvidenceFile.Kind.REFERENCE_PHOTO)
    assert [photo.original_name for photo in photos] == ["selfie.jpg"]
    assert_accessible(page)
    screenshot(page, "portal-receipt")

    # The tracking page: status in plain words, the timeline, the actions open.
    page.click("text=Open the tracking page")
    page.wait_for_selector("#status")
    assert page.locator("#status").inner_text() == "Received"
    assert "a receipt was sent to you" in page.locator("#timeline").inner_text()
    assert page.locator("#withdraw").is_visible()
    assert not page.locator("#appeal-form").count()
    assert_accessible(page)
    screenshot(page, "portal-tracking")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_asked_for_information_the_complainant_answers_on_the_tracking_page(
    browser_page, portal, moderator_a
):
    from rest_framework.test import APIClient

    from cases.models import Case

    from .conftest import api_as, notice_payload

    clinic = posts_by_role("clinic")[0]
    filed = (
        APIClient()
        .post("/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart")
        .json()
    )
    case = Case.objects.get(notice__reference=filed["reference"])
    api_as(moderator_a).post(f"/api/v1/cases/{case.pk}/claim/")
    api_as(moderator_a).post(
        f"/api/v1/cases/{case.pk}/decide/",
        {"outcome": "request_info", "reasons": "Send a clearer ID photo."},
        format="json",
    )
    page = browser_page
    page.goto(portal.url + f"/notices/track/{filed['reference']}/?token={filed['tracking_token']}")

    assert page.locator("#status").inner_text() == "Needs information"
    assert page.get_by_role("heading", name="What you can do now").is_visible()
    assert_accessible(page)
    screenshot(page, "portal-tracking-needs-info")
    page.fill("#message", "I sent a clearer photo of my ID card by post.")
    page.click("#provide-info button[type=submit]")

    assert page.locator("text=Thank you: your notice was updated.").is_visible()
    assert page.locator("#status").inner_text() == "Received"
    assert not page.locator("#provide-info").count()
    case.refresh_from_db()
    assert case.state == "received"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_on_a_phone_the_flow_works_without_sideways_scrolling(phone_page, portal):
    from demo_platform.story_images import reference_photo_jpeg

    clinic = posts_by_role("clinic")[0]
    page = phone_page
    page.goto(portal.url + "/notices/new/")

    def check_phone_layout():
        assert no_sideways_scroll(page), visible_step(page)
        small = page.evaluate(
            """() => Array.from(document.querySelectorAll(
                    'main button, main .dropzone, main .choice, main a.edit, main a.button'))
                .filter(el => el.offsetParent !== null)
                .map(el => [el.textContent.trim(), el.getBoundingClientRect()])
                .filter(([, r]) => r.height < 44 || r.width < 44)
                .map(([text]) => text)"""
        )
        assert small == []

    check_phone_layout()
    screenshot(page, "portal-phone-step-1")
    fill_who(page)
    page.tap("#step-1 [data-next]")
    page.fill("#id_reported_urls", post_url(clinic))
    check_phone_layout()
    page.tap("#step-2 [data-next]")
    page.set_input_files("#id_reference_photos", [picked("selfie.jpg", reference_photo_jpeg())])
    page.set_input_files("#id_identity_document", [picked("id.jpg", jpeg((10, 20, 30)))])
    check_phone_layout()
    screenshot(page, "portal-phone-photos")
    page.tap("#step-3 [data-next]")
    page.fill("#id_description", "This clinic uses my selfie as a fake customer result.")
    check_phone_layout()
    page.tap("#step-4 [data-next]")
    page.check("#id_good_faith")
    page.check("#id_accuracy")
    page.fill("#id_signature", "Mei Lin")
    page.tap("#step-5 [data-next]")
    assert visible_step(page) == "summary"
    check_phone_layout()
    assert_accessible(page)
    screenshot(page, "portal-phone-summary")
    page.tap("#send")
    page.wait_for_url("**/notices/receipt/")
    assert no_sideways_scroll(page)
    assert_accessible(page)
    screenshot(page, "portal-phone-receipt")
    page.tap("text=Open the tracking page")
    page.wait_for_selector("#timeline")
    assert no_sideways_scroll(page)
    screenshot(page, "portal-phone-tracking")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_javascript_the_whole_form_is_one_page_that_files_the_notice(browser, portal):
    from demo_platform.story_images import reference_photo_jpeg

    clinic = posts_by_role("clinic")[0]
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto(portal.url + "/notices/new/")

    # Every step is on the page at once, and no step-by-step buttons.
    for step in ("1", "2", "3", "4", "5"):
        assert page.locator(f"#step-{step}").is_visible()
    assert not page.locator("[data-next]").first.is_visible()
    fill_who(page)
    page.fill("#id_reported_urls", post_url(clinic))
    page.set_input_files(
        "#id_reference_photos",
        [picked("selfie.jpg", reference_photo_jpeg()), picked("other.jpg", jpeg((90, 20, 30)))],
    )
    page.set_input_files("#id_identity_document", [picked("id.jpg", jpeg((10, 20, 30)))])
    page.fill("#id_description", "This clinic uses my selfie as a fake customer result.")
    page.fill("#id_signature", "Mei Lin")
    page.click("#plain-submit button")

    # The statements were not ticked: the same page, the message next to each box.
    assert "Please correct the fields marked below" in page.inner_text("#form-errors")
    assert "You must confirm" in page.inner_text("#error-good_faith")
    assert page.get_attribute("#id_good_faith", "aria-invalid") == "true"
    assert Notice.objects.count() == 0
    screenshot(page, "portal-filing-no-script-errors")
    page.set_input_files(
        "#id_reference_photos",
        [picked("selfie.jpg", reference_photo_jpeg()), picked("other.jpg", jpeg((90, 20, 30)))],
    )
    page.set_input_files("#id_identity_document", [picked("id.jpg", jpeg((10, 20, 30)))])
    page.check("#id_good_faith")
    page.check("#id_accuracy")
    page.click("#plain-submit button")

    page.wait_for_url("**/notices/receipt/")
    notice = Notice.objects.get()
    assert page.inner_text("#reference") == notice.reference
    assert notice.evidence.filter(kind=EvidenceFile.Kind.REFERENCE_PHOTO).count() == 2
    context.close()

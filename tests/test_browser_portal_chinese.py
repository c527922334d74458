"""In a real browser set to Chinese: the complainant files a notice and follows it, and every
page of the way is in Chinese (no English words left). Passes once the zh-hans catalogue holds
the portal's strings."""

import io

import pytest

from .browser import assert_accessible, english_words, screenshot
from .conftest import post_url, posts_by_role
from .test_browser_portal import jpeg, picked, visible_step


@pytest.fixture
def chinese_page(browser):
    """A desktop page whose browser asks for Simplified Chinese (Accept-Language: zh-CN)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    yield context.new_page()
    context.close()


# Visible data the complainant typed or picked, which stays as typed.
TYPED = {"Mei", "Lin", "selfie", "jpg", "card", "example", "com", "testserver", "platform"}


def assert_chinese(page) -> None:
    assert english_words(page, allowed=TYPED) == []


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_chinese_speaker_files_and_follows_a_notice_entirely_in_chinese(
    chinese_page, live_server, settings
):
    from django.core.management import call_command

    from demo_platform.story_images import reference_photo_jpeg

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    clinic = posts_by_role("clinic")[0]
    page = chinese_page
    page.goto(live_server.url + "/notices/new/")
    assert page.get_attribute("html", "lang").lower().startswith("zh")

    # Each step, including the page's own error messages (from the template, translated).
    assert_chinese(page)
    page.click("#step-1 [data-next]")
    assert page.locator("#error-notifier_name li").count() == 1
    assert_chinese(page)
    screenshot(page, "portal-zh-filing-step-1")
    page.fill("#id_notifier_name", "Mei Lin")
    page.fill("#id_notifier_email", "mei.lin@example.com")
    page.check("#id_relationship_0")
    page.click("#step-1 [data-next]")
    page.fill("#id_reported_urls", post_url(clinic))
    assert_chinese(page)
    page.click("#step-2 [data-next]")
    page.set_input_files("#id_reference_photos", [picked("selfie.jpg", reference_photo_jpeg())])
    page.set_input_files("#id_identity_document", [picked("card.jpg", jpeg((10, 20, 30)))])
    assert_chinese(page)
    page.click("#step-3 [data-next]")
    page.fill("#id_description", "这家诊所把我的自拍当作虚假的顾客照片。")
    assert_chinese(page)
    page.click("#step-4 [data-next]")
    page.check("#id_good_faith")
    page.check("#id_accuracy")
    page.fill("#id_signature", "Mei Lin")
    assert_chinese(page)
    page.click("#step-5 [data-next]")
    assert visible_step(page) == "summary"
    assert_chinese(page)
    assert_accessible(page)
    screenshot(page, "portal-zh-filing-summary")

    page.click("#send")
    page.wait_for_url("**/notices/receipt/")
    assert_chinese(page)
    screenshot(page, "portal-zh-receipt")

    page.click("a.button")
    page.wait_for_selector("#timeline")
    assert_chinese(page)
    screenshot(page, "portal-zh-tracking")

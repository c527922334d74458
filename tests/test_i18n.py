"""Two languages: the switcher, the browser's Accept-Language, and messages written in the
recipient's language (the complainant's, the platform's for uploaders, the site's for staff)."""

import io
import re
from html import unescape

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import formats, translation

from cases.models import Case
from demo_platform.models import UploaderMessage
from notices.models import Notice

from .browser import assert_accessible, english_words, screenshot
from .conftest import CommitClient, api_as, notice_payload, post_url, posts_by_role

CHINESE = re.compile(r"[\u4e00-\u9fff]")
# Words that may stay in Latin letters on a Chinese page: the product's name and the
# switcher's own entry for English, which is written in English on purpose.
ALLOWED = {"takedown", "English"}


def visible_words(html: str) -> list[str]:
    """The Latin words of three letters or more in a page's text (tags, scripts and
    attributes removed), other than the allowed ones."""
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", text))
    words = re.findall(r"[A-Za-z]{3,}", text)
    return sorted({word for word in words if word not in ALLOWED})


@pytest.fixture
def no_demo_posts(settings):
    """The home page without the demo platform's posts, whose captions are users' content."""
    settings.TAKEDOWN_DEMO_PLATFORM = False


def test_the_switcher_lists_each_language_in_its_own_language(client, db):
    page = client.get("/").content.decode()

    assert '<html lang="en">' in page
    assert f'action="{reverse("set_language")}"' in page
    assert '<option value="en" lang="en" selected>English</option>' in page
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in page
    assert "<script src=" in page and "takedown/lang.js" in page


def test_the_switcher_changes_the_language_of_the_next_pages(client, db, no_demo_posts):
    response = client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/"
    home = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in home
    assert "提交通知" in home and "查询通知进度" in home
    assert visible_words(home) == []
    # The choice is a cookie: it holds on the next page too, then switching back works.
    login = client.get(reverse("login")).content.decode()
    assert '<html lang="zh-hans">' in login and "工作人员登录" in login
    assert visible_words(login) == []
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "File a notice" in client.get("/").content.decode()


def test_the_browsers_accept_language_chooses_chinese(client, db, no_demo_posts):
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-Hans,zh;q=0.9,en;q=0.5").content.decode()

    assert '<html lang="zh-hans">' in home
    assert visible_words(home) == []
    assert "File a notice" in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_an_unknown_language_is_refused_and_the_page_stays_english(client, db):
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    assert '<html lang="en">' in client.get("/").content.decode()


def test_the_sign_in_page_reads_in_chinese(client, db):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "用户名" in page and "密码" in page
    assert visible_words(page) == []


# --- messages in the recipient's language -------------------------------------------------------


def file_notice(api, **extra):
    clinic = posts_by_role("clinic")[0]
    response = api.post(
        "/api/v1/notices/", notice_payload([post_url(clinic)], **extra), format="multipart"
    )
    assert response.status_code == 201, response.json()
    return Notice.objects.get(reference=response.json()["reference"])


def receipt_for(notice):
    return next(m for m in mail.outbox if notice.reference in m.subject)


def test_a_complainant_filing_in_chinese_gets_a_chinese_receipt_with_a_chinese_date(
    anonymous_api, demo_posts
):
    anonymous_api.credentials(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    notice = file_notice(anonymous_api)

    assert notice.language == "zh-hans"
    receipt = receipt_for(notice)
    assert receipt.subject == f"[{notice.reference}] 我们已收到您的肖像权通知"
    assert "尊敬的Mei Lin：" in receipt.body
    with translation.override("zh-hans"):
        received = formats.date_format(notice.received_at, "DATETIME_FORMAT")
    assert "年" in received
    assert f"我们已于 {received}（UTC）收到您的通知" in receipt.body
    assert "We received" not in receipt.body


def test_the_api_language_field_wins_over_the_request_language(anonymous_api, demo_posts):
    anonymous_api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    notice = file_notice(anonymous_api, language="zh-hans")

    assert notice.language == "zh-hans"
    assert "肖像权通知" in receipt_for(notice).subject


def test_an_unknown_language_field_is_refused_and_nothing_is_stored(anonymous_api, demo_posts):
    clinic = posts_by_role("clinic")[0]
    response = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic)], language="fr"),
        format="multipart",
    )

    assert response.status_code == 400
    assert "language" in response.json()
    assert not Notice.objects.exists()


def test_an_english_filing_gets_an_english_receipt_with_an_english_date(anonymous_api, demo_posts):
    notice = file_notice(anonymous_api)

    receipt = receipt_for(notice)
    assert notice.language == "en"
    assert receipt.subject == f"[{notice.reference}] We received your portrait-right notice"
    with translation.override("en"):
        received = formats.date_format(notice.received_at, "DATETIME_FORMAT")
    assert f"We received your notice on {received} UTC" in receipt.body
    assert not CHINESE.search(receipt.body)


def uphold(case, moderator):
    staff = api_as(moderator)
    # Staff reading the console in Chinese do not change who reads what in which language.
    staff.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert staff.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    response = staff.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Her selfie is used as an advert.",
            "measure": "delete",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()


def test_the_decision_reaches_each_party_in_their_own_language(
    anonymous_api, demo_posts, moderator_a, settings
):
    settings.TAKEDOWN_PLATFORM_LANGUAGE = "en"
    anonymous_api.credentials(HTTP_ACCEPT_LANGUAGE="zh-Hans")
    notice = file_notice(anonymous_api)
    case = Case.objects.get(notice=notice)

    uphold(case, moderator_a)

    decision = next(m for m in mail.outbox if "已获支持" in m.subject)
    assert "我们已支持您的通知" in decision.body and "删除内容" in decision.body
    assert (
        "依据： 《中华人民共和国民法典》第一千零一十八条至第一千零一十九条（肖像权）"
        in decision.body
    )
    uploader = UploaderMessage.objects.get(post=posts_by_role("clinic")[0])
    assert uploader.subject == "Your content was restricted following a portrait-right notice"
    assert "Statement of reasons" in uploader.body and not CHINESE.search(uploader.body)
    assert case.decisions.get().redress in uploader.body  # the redress recorded, word for word
    assert "您可在 6 个月内对本决定免费申诉一次" in decision.body


def test_the_uploader_is_told_in_the_platforms_language(
    anonymous_api, demo_posts, moderator_a, settings
):
    settings.TAKEDOWN_PLATFORM_LANGUAGE = "zh-hans"
    notice = file_notice(anonymous_api)  # an English complainant
    case = Case.objects.get(notice=notice)

    uphold(case, moderator_a)

    uploader = UploaderMessage.objects.get(post=posts_by_role("clinic")[0])
    assert uploader.subject == "您的内容因肖像权通知已被限制"
    assert "理由说明" in uploader.body and "反通知" in uploader.body
    with translation.override("zh-hans"):
        received = formats.date_format(notice.received_at, "DATE_FORMAT")
    assert f"收到日期：{received}" in uploader.body
    assert "Your content" not in uploader.body
    assert "您可在 6 个月内对本决定免费申诉一次" in uploader.body
    decision = next(m for m in mail.outbox if "upheld" in m.subject)
    assert "We upheld your notice" in decision.body
    assert case.decisions.get().redress in decision.body


# --- in a real browser --------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_choosing_chinese_in_the_header_turns_the_site_chinese(browser_page, live_server, settings):
    settings.TAKEDOWN_DEMO_PLATFORM = False
    page = browser_page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    # With JavaScript the select sends the form itself: its button is hidden.
    assert not page.locator("form.language button").is_visible()

    page.select_option("#language-select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")

    assert english_words(page, ALLOWED) == []
    assert page.locator("#language-select").input_value() == "zh-hans"
    assert_accessible(page)
    screenshot(page, "i18n-home-zh-hans")
    page.goto(live_server.url + reverse("login"))
    assert page.locator("h1").inner_text() == "工作人员登录"
    assert english_words(page, ALLOWED) == []
    assert_accessible(page)
    screenshot(page, "i18n-login-zh-hans")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_switcher_fits_a_phone_screen(phone_page, live_server, settings):
    from django.core.management import call_command

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    page = phone_page
    page.goto(live_server.url + "/")
    page.select_option("#language-select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")

    switcher = page.locator("#language-select").bounding_box()
    assert switcher["x"] >= 0 and switcher["x"] + switcher["width"] <= 375
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert_accessible(page)
    screenshot(page, "i18n-home-zh-hans-phone")


def test_the_uploaders_page_reads_in_chinese(anonymous_api, demo_posts, moderator_a, settings):
    settings.TAKEDOWN_PLATFORM_LANGUAGE = "zh-hans"
    case = Case.objects.get(notice=file_notice(anonymous_api))
    uphold(case, moderator_a)
    message = UploaderMessage.objects.get(post=posts_by_role("clinic")[0])
    link = re.search(r"/respond/\S+", message.body).group(0)
    uploader = CommitClient(HTTP_ACCEPT_LANGUAGE="zh-hans")

    page = uploader.get(link, follow=True).content.decode()

    assert '<html lang="zh-hans">' in page
    assert "理由说明" in page and "提交反通知" in page and "处理经过" in page
    assert "平台已对您的内容" in page and "（删除内容）" in page  # the timeline, worded now
    assert "通知获支持" in page and "您可在 6 个月内对本决定免费申诉一次" in page
    assert "《中华人民共和国民法典》第一千零一十八条" in page
    assert "Statement of reasons" not in page and "Send a counter-notice" not in page
    response = uploader.post(link.split("?")[0], {"action": "counter_notice"})
    assert response.status_code == 400
    assert "请填写您的法定全名。" in response.content.decode()


def test_api_errors_speak_the_requests_language(anonymous_api, demo_posts):
    anonymous_api.credentials(HTTP_ACCEPT_LANGUAGE="zh-hans")

    missing = anonymous_api.get("/api/v1/no-such-thing/")
    incomplete = anonymous_api.post("/api/v1/notices/", {}, format="multipart")

    assert missing.status_code == 404 and missing.json()["detail"] == "未找到。"
    assert incomplete.status_code == 400
    assert incomplete.json()["detail"].startswith("部分字段缺失或无效")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_uploader_reads_their_page_in_chinese_in_the_browser(
    browser_page, live_server, settings, moderator_a
):
    from django.core.management import call_command
    from rest_framework.test import APIClient

    settings.TAKEDOWN_PLATFORM_HOSTS = [*settings.TAKEDOWN_PLATFORM_HOSTS, "testserver"]
    call_command("load_demo", stdout=io.StringIO())
    clinic = posts_by_role("clinic")[0]
    filed = APIClient().post(
        "/api/v1/notices/", notice_payload([post_url(clinic)]), format="multipart"
    )
    assert filed.status_code == 201, filed.json()
    staff = APIClient()
    staff.force_authenticate(moderator_a)
    case = Case.objects.get(notice__reference=filed.json()["reference"])
    assert staff.post(f"/api/v1/cases/{case.pk}/claim/").status_code == 200
    decided = staff.post(
        f"/api/v1/cases/{case.pk}/decide/",
        {
            "outcome": "uphold",
            "ground": "portrait_right",
            "reasons": "Used as an advert.",
            "measure": "delete",
        },
        format="json",
    )
    assert decided.status_code == 200, decided.json()
    message = UploaderMessage.objects.get(post=clinic)
    link = re.search(r"/respond/\S+", message.body).group(0)

    page = browser_page
    page.goto(live_server.url + link)
    page.select_option("#language-select", "zh-hans")
    page.wait_for_function("document.documentElement.lang === 'zh-hans'")

    assert page.get_by_role("heading", name="理由说明").is_visible()
    assert page.get_by_role("button", name="提交反通知").is_visible()
    assert "平台已对您的内容" in page.locator("ol.timeline").inner_text()
    assert_accessible(page)
    screenshot(page, "i18n-respond-zh-hans")

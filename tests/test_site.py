"""Site-wide promises: sign-in and styles work, API errors speak JSON, intake is idempotent."""

from django.contrib.auth.models import User
from django.urls import reverse

from notices.models import Notice, ReportedItem

from .conftest import notice_payload, post_url, upload


def test_the_staff_sign_in_page_works_and_signs_a_moderator_in(client, moderator_a):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert "Staff sign-in" in page.content.decode()

    response = client.post(
        reverse("login"),
        {"username": "moderator_a", "password": "pw-for-tests-only"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("cases:queue")
    assert "Review queue" in response.content.decode()


def test_the_stylesheet_that_blurs_portraits_is_served(client):
    response = client.get("/static/takedown/site.css")
    assert response.status_code == 200
    css = b"".join(response.streaming_content).decode()
    assert ".portrait.concealed" in css
    assert "blur(" in css and "grayscale(" in css


def test_api_errors_are_json_with_a_detail(anonymous_api, moderator_a):
    from .conftest import api_as

    assert anonymous_api.get("/api/v1/cases/abc/").json() == {"detail": "Not found."}
    response = api_as(moderator_a).post("/api/v1/cases/1/decide/", {}, format="json")
    assert response.status_code in (400, 404)
    assert "detail" in response.json()
    bad = anonymous_api.post("/api/v1/notices/", {}, format="multipart")
    assert bad.status_code == 400
    assert "Nothing was stored" in bad.json()["detail"]
    assert "notifier_name" in bad.json()


def test_anonymous_api_calls_are_told_to_authenticate(anonymous_api, db):
    response = anonymous_api.get("/api/v1/cases/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_a_retried_filing_with_the_same_idempotency_key_returns_the_first_result(
    anonymous_api, clinic_post
):
    first = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="retry-me-1",
    )
    again = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="retry-me-1",
    )

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Notice.objects.count() == 1
    assert ReportedItem.objects.count() == 1


def test_the_same_key_with_a_different_notice_is_refused_and_reveals_nothing(
    anonymous_api, clinic_post
):
    first = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )
    other = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)], notifier_name="Someone Else"),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="shared-key",
    )

    assert other.status_code == 422
    assert first.json()["tracking_token"] not in other.content.decode()
    assert "different notice" in other.json()["detail"]
    assert Notice.objects.count() == 1


def test_an_over_long_idempotency_key_is_a_400_with_a_message_and_nothing_stored(
    anonymous_api, clinic_post
):
    response = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload([post_url(clinic_post)]),
        format="multipart",
        HTTP_IDEMPOTENCY_KEY="k" * 201,
    )

    assert response.status_code == 400
    assert "Nothing was stored" in response.json()["detail"]
    assert response.json()["Idempotency-Key"] == ["At most 200 characters."]
    assert Notice.objects.count() == 0


def test_a_forged_forwarded_for_header_does_not_reset_the_throttle(anonymous_api, clinic_post):
    from rest_framework.settings import api_settings

    from notices.throttles import NoticeIntakeThrottle

    NoticeIntakeThrottle.THROTTLE_RATES = dict(
        api_settings.DEFAULT_THROTTLE_RATES, notices="1/hour"
    )
    try:
        first = anonymous_api.post(
            "/api/v1/notices/", notice_payload([post_url(clinic_post)]), format="multipart"
        )
        forged = anonymous_api.post(
            "/api/v1/notices/",
            notice_payload([post_url(clinic_post)]),
            format="multipart",
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
    finally:
        NoticeIntakeThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert (first.status_code, forged.status_code) == (201, 429)


def test_what_a_complainant_filed_cannot_be_edited_or_added_in_the_admin(client, clinic_post):
    from .conftest import api_as

    api_as().post("/api/v1/notices/", notice_payload([post_url(clinic_post)]), format="multipart")
    User.objects.create_superuser("root", "root@platform.example", "pw")
    client.force_login(User.objects.get(username="root"))
    notice = Notice.objects.get()
    item = notice.items.get()

    client.post(
        reverse("admin:notices_notice_change", args=[notice.pk]), {"description": "rewritten"}
    )
    client.post(
        reverse("admin:notices_reporteditem_change", args=[item.pk]), {"content_id": "post-6"}
    )

    assert Notice.objects.get().description != "rewritten"
    assert ReportedItem.objects.get().content_id == item.content_id
    assert client.get(reverse("admin:notices_notice_add")).status_code == 403
    assert client.get(reverse("admin:notices_reporteditem_add")).status_code == 403
    page = client.get(reverse("admin:notices_notice_change", args=[notice.pk])).content.decode()
    assert 'name="_save"' not in page
    assert notice.tracking_token_hash not in page


def test_the_receipt_is_shown_once(client, clinic_post):
    payload = notice_payload([])
    payload["reported_urls"] = post_url(clinic_post)
    client.post(reverse("notices:new"), payload)

    assert Notice.objects.get().reference in client.get(reverse("notices:receipt")).content.decode()
    again = client.get(reverse("notices:receipt"), follow=True)
    assert "sent to you by e-mail" in again.content.decode()


def test_a_tracking_link_is_remembered_without_the_token(client, clinic_post):
    from .conftest import api_as

    body = (
        api_as()
        .post("/api/v1/notices/", notice_payload([post_url(clinic_post)]), format="multipart")
        .json()
    )
    response = client.get(body["tracking_url"].replace("http://testserver", ""), follow=True)

    assert response.redirect_chain[-1][0] == f"/notices/track/{body['reference']}/"
    assert body["reference"] in response.content.decode()
    assert body["tracking_token"] not in str(client.session.items())


def test_a_non_image_identity_document_other_than_pdf_is_refused(anonymous_api, clinic_post):
    response = anonymous_api.post(
        "/api/v1/notices/",
        notice_payload(
            [post_url(clinic_post)],
            identity_document=upload("id.docx", b"PK\x03\x04 word document", "application/msword"),
        ),
        format="multipart",
    )
    assert response.status_code == 400
    assert "neither a PDF nor" in response.json()["identity_document"][0]

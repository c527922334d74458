"""Filing a notice: the public API and web form, the receipt, and what bad input changes."""

import io
import struct
import zlib

import pytest
from django.core import mail
from django.urls import reverse
from PIL import Image

from cases.models import Case
from notices.models import EvidenceFile, Notice

from .conftest import jpeg_bytes, notice_payload, pdf_bytes, post_url, upload

API = "/api/v1/notices/"


def file_notice(client, reported, **overrides):
    return client.post(API, notice_payload(reported, **overrides), format="multipart")


def test_a_complainant_files_a_notice_and_gets_a_reference_token_and_tracking_url(
    anonymous_api, clinic_post, pack_post
):
    response = file_notice(anonymous_api, [post_url(clinic_post), f"post-{pack_post.pk}"])

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("TD-2026-") or body["reference"].startswith("TD-")
    assert len(body["reference"].split("-")[-1]) == 6
    assert body["status"] == "received"
    assert body["tracking_token"]
    assert body["tracking_url"].endswith(
        f"/notices/track/{body['reference']}/?token={body['tracking_token']}"
    )
    notice = Notice.objects.get(reference=body["reference"])
    assert notice.items.count() == 2
    assert notice.tracking_token_hash == Notice.hash_token(body["tracking_token"])
    assert body["tracking_token"] not in str(Notice.objects.values().get(pk=notice.pk))
    assert Case.objects.filter(notice=notice).exists()


def test_the_receipt_email_is_sent_at_once_with_the_reference_and_tracking_link(
    anonymous_api, clinic_post
):
    body = file_notice(anonymous_api, [post_url(clinic_post)]).json()

    receipts = [m for m in mail.outbox if "We received your" in m.subject]
    assert len(receipts) == 1
    assert receipts[0].to == ["mei.lin@example.com"]
    assert body["reference"] in receipts[0].subject
    assert body["tracking_token"] in receipts[0].body


def test_reported_urls_may_come_one_per_line_in_one_field(anonymous_api, clinic_post, pack_post):
    lines = f"{post_url(clinic_post)}\n\n  post-{pack_post.pk}  \n"
    response = file_notice(anonymous_api, lines)

    assert response.status_code == 201, response.json()
    assert Notice.objects.get().items.count() == 2


def test_missing_fields_get_a_message_each_and_nothing_is_stored(anonymous_api, db):
    response = anonymous_api.post(API, {"notifier_name": "Mei"}, format="multipart")

    assert response.status_code == 400
    errors = response.json()
    for field in (
        "notifier_email",
        "relationship",
        "identity_document",
        "reported_urls",
        "reference_photos",
        "use_type",
        "description",
        "requested_measure",
        "good_faith",
        "accuracy",
        "signature",
    ):
        assert field in errors, field
    assert Notice.objects.count() == 0
    assert EvidenceFile.objects.count() == 0


def test_the_statements_must_be_confirmed(anonymous_api, clinic_post):
    response = file_notice(anonymous_api, [post_url(clinic_post)], good_faith="false")

    assert response.status_code == 400
    assert "You must confirm" in response.json()["good_faith"][0]
    assert Notice.objects.count() == 0


def test_an_agent_must_attach_an_authorisation(anonymous_api, clinic_post):
    response = file_notice(anonymous_api, [post_url(clinic_post)], relationship="agent")

    assert response.status_code == 400
    assert "authorisation" in response.json()["authorization_document"][0]
    ok = file_notice(
        anonymous_api,
        [post_url(clinic_post)],
        relationship="agent",
        authorization_document=upload("mandate.pdf", pdf_bytes(), "application/pdf"),
    )
    assert ok.status_code == 201, ok.json()


@pytest.mark.parametrize(
    "reported, message",
    [
        ("https://evil.example/platform/posts/1/", "not on this platform"),
        ("http://169.254.169.254/latest/meta-data/", "not on this platform"),
        ("post-999999", "does not exist"),
        ("file:///etc/passwd", ""),
    ],
)
def test_urls_outside_the_platform_are_a_clear_validation_error(
    anonymous_api, demo_posts, reported, message
):
    response = file_notice(anonymous_api, [reported])

    assert response.status_code == 400
    assert message in " ".join(response.json()["reported_urls"])
    assert Notice.objects.count() == 0


def test_more_than_five_reference_photos_are_refused(anonymous_api, clinic_post):
    photos = [upload(f"me{i}.jpg", jpeg_bytes()) for i in range(6)]
    response = file_notice(anonymous_api, [post_url(clinic_post)], reference_photos=photos)

    assert response.status_code == 400
    assert "at most 5" in response.json()["reference_photos"][0]


def _bomb_png(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares a huge image (a decompression bomb)."""
    image = Image.new("1", (1, 1))
    out = io.BytesIO()
    image.save(out, "PNG")
    data = bytearray(out.getvalue())
    # IHDR's width and height live at bytes 16..24, followed by the chunk's CRC at 29..33.
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


@pytest.mark.parametrize(
    "photo, message",
    [
        (upload("selfie.jpg", b"this is plain text, not a photo", "image/jpeg"), "not a photo"),
        (upload("empty.jpg", b"", "image/jpeg"), "empty"),
        (upload("bomb.png", _bomb_png(30000, 30000), "image/png"), "pixels"),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(anonymous_api, clinic_post, photo, message):
    response = file_notice(anonymous_api, [post_url(clinic_post)], reference_photos=[photo])

    assert response.status_code == 400
    assert message in " ".join(response.json()["reference_photos"])
    assert Notice.objects.count() == 0
    assert EvidenceFile.objects.count() == 0


def test_an_oversized_upload_is_refused(anonymous_api, clinic_post, settings):
    settings.TAKEDOWN_MAX_UPLOAD_BYTES = 50_000
    big = upload("big.jpg", jpeg_bytes(size=(1200, 1200)) + b"\0" * 60_000)
    response = file_notice(anonymous_api, [post_url(clinic_post)], identity_document=big)

    assert response.status_code == 400
    assert "at most" in response.json()["identity_document"][0]
    assert Notice.objects.count() == 0


def test_exif_is_stripped_from_stored_photos(anonymous_api, clinic_post, private_storage):
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 0.0)}  # GPS
    photo = upload("me.jpg", jpeg_bytes(exif=exif.tobytes()))
    assert Image.open(io.BytesIO(photo.read())).getexif()
    photo.seek(0)

    response = file_notice(anonymous_api, [post_url(clinic_post)], reference_photos=[photo])

    assert response.status_code == 201, response.json()
    stored = EvidenceFile.objects.get(kind="reference_photo")
    with stored.file.open("rb") as handle:
        assert not Image.open(handle).getexif()


def test_evidence_has_no_public_url(anonymous_api, clinic_post, client):
    file_notice(anonymous_api, [post_url(clinic_post)])
    evidence = EvidenceFile.objects.first()

    with pytest.raises(ValueError):
        evidence.file.url  # noqa: B018 - the storage has no base URL at all
    response = client.get(reverse("cases:evidence", args=[evidence.pk]))
    assert response.status_code == 302  # to the staff sign-in


def test_the_web_form_files_a_notice_and_shows_the_receipt(client, clinic_post):
    payload = notice_payload([])
    payload["reported_urls"] = post_url(clinic_post)
    response = client.post(reverse("notices:new"), payload, follow=True)

    assert response.status_code == 200
    notice = Notice.objects.get()
    page = response.content.decode()
    assert notice.reference in page
    assert "tracking" in page.lower()
    assert any(notice.reference in m.subject for m in mail.outbox)


def test_the_web_form_shows_errors_per_field_and_stores_nothing(client, demo_posts):
    payload = notice_payload([])
    payload["reported_urls"] = "https://elsewhere.example/photo/1"
    payload["reference_photos"] = [upload("x.jpg", b"not an image")]
    response = client.post(reverse("notices:new"), payload)

    assert response.status_code == 400
    page = response.content.decode()
    assert "not on this platform" in page
    assert "not a photo" in page
    assert Notice.objects.count() == 0


def test_filing_is_throttled_per_client_with_retry_after(anonymous_api, clinic_post, settings):
    from rest_framework.settings import api_settings

    from notices.throttles import NoticeIntakeThrottle

    rates = dict(api_settings.DEFAULT_THROTTLE_RATES, notices="2/hour")
    NoticeIntakeThrottle.THROTTLE_RATES = rates
    try:
        statuses = [
            file_notice(anonymous_api, [post_url(clinic_post)]).status_code for _ in range(3)
        ]
        last = file_notice(anonymous_api, [post_url(clinic_post)])
    finally:
        NoticeIntakeThrottle.THROTTLE_RATES = api_settings.DEFAULT_THROTTLE_RATES
    assert statuses == [201, 201, 429]
    assert last.status_code == 429
    assert int(last["Retry-After"]) > 0
    assert Notice.objects.count() == 2

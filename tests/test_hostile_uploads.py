"""Malformed and hostile files sent to the public filing API: each is refused with a 400 that
names the file, or accepted as a clean re-encoded image; never a 500, and nothing a browser
could run is ever stored as an image or shown inline."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from cases.views import INLINE_EVIDENCE_TYPES
from notices.evidence import evidence_bytes
from notices.models import EvidenceFile

from .conftest import jpeg_bytes, notice_payload, post_url, upload, web_as

SCRIPT = b"<html><body><script>alert(document.domain)</script></body></html>"


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_declaring(width: int, height: int) -> bytes:
    """A small PNG whose header declares a huge image (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (3 * 64 + 1) * 8, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _zlib_bomb_png(side: int) -> bytes:
    """A real bomb: a few hundred KB that inflate to side*side*3 bytes of pixels."""
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    row = b"\0" + b"\0" * (3 * side)
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg_with_comment(comment: bytes) -> bytes:
    data = jpeg_bytes((120, 80, 60), (80, 80))
    segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
    return data[:2] + segment + data[2:]


def _png_with_text(text: bytes) -> bytes:
    data = _save(Image.new("RGB", (40, 40), (10, 200, 30)), "PNG")
    end = data.rindex(b"IEND") - 4
    return data[:end] + _png_chunk(b"tEXt", b"Comment\0" + text) + data[end:]


def _huge_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = "A" * 60_000  # ImageDescription, near the 64 KB segment limit
    exif[0x8825] = {2: (39.0, 54.0, 27.0)}  # a GPS latitude that must not survive
    return jpeg_bytes((90, 90, 200), (64, 64), exif=exif.tobytes())


def _animated(fmt: str) -> bytes:
    frames = [Image.new("RGB", (32, 32), color) for color in ((255, 0, 0), (0, 255, 0))]
    options = {"save_all": True, "append_images": frames[1:], "duration": 100, "loop": 0}
    return _save(frames[0], fmt, **options)


HOSTILE = {
    "empty file": (b"", "empty.jpg"),
    "truncated JPEG": (jpeg_bytes((200, 10, 10), (256, 256))[:300], "cut.jpg"),
    "truncated PNG": (_save(Image.new("RGB", (256, 256), (1, 2, 3)), "PNG")[:60], "cut.png"),
    "header declaring 60000x60000": (_png_declaring(60_000, 60_000), "bomb.png"),
    "zlib bomb 7000x7000": (_zlib_bomb_png(7000), "bomb2.png"),
    "JPEG with a script in a comment": (_jpeg_with_comment(SCRIPT), "poly.jpg"),
    "JPEG with HTML after its end": (jpeg_bytes((50, 60, 70), (48, 48)) + SCRIPT, "poly2.jpg"),
    "PNG with a script in a text chunk": (_png_with_text(SCRIPT), "poly.png"),
    "HTML named .jpg": (SCRIPT, "page.jpg"),
    "HTML starting with a JPEG signature": (b"\xff\xd8\xff\xe0" + SCRIPT, "fake.jpg"),
    "SVG": (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "x.svg"),
    "huge EXIF with GPS": (_huge_exif(), "exif.jpg"),
    "CMYK JPEG": (_save(Image.new("CMYK", (64, 64), (0, 128, 255, 10)), "JPEG"), "cmyk.jpg"),
    "16-bit greyscale PNG": (_save(Image.new("I;16", (64, 64), 40000), "PNG"), "deep.png"),
    "1-bit PNG": (_save(Image.new("1", (64, 64), 1), "PNG"), "bits.png"),
    "palette PNG with transparency": (
        _save(Image.new("P", (64, 64), 3), "PNG", transparency=3),
        "pal.png",
    ),
    "animated GIF": (_animated("GIF"), "anim.gif"),
    "animated WebP": (_animated("WEBP"), "anim.webp"),
    "animated PNG": (_animated("PNG"), "anim.png"),
    "one pixel": (jpeg_bytes((1, 1, 1), (1, 1)), "dot.jpg"),
    "PNG named .jpg": (_save(Image.new("RGB", (64, 64), (9, 9, 9)), "PNG"), "really-png.jpg"),
    "TIFF": (_save(Image.new("RGB", (64, 64)), "TIFF"), "scan.tiff"),
    "BMP": (_save(Image.new("RGB", (64, 64)), "BMP"), "scan.bmp"),
    "random bytes": (bytes(range(256)) * 40, "noise.jpg"),
}


@pytest.fixture
def clinic_url(db):
    """One post on the demo platform (created directly: the seeded story is not needed)."""
    from demo_platform.models import Account, Post

    account = Account.objects.create(handle="glow.clinic", display_name="Glow Clinic")
    post = Post.objects.create(account=account, image=jpeg_bytes((200, 150, 120), (96, 96)))
    return post_url(post)


def _stored(kind: str) -> list[bytes]:
    return [evidence_bytes(e) for e in EvidenceFile.objects.filter(kind=kind)]


def _assert_clean_image(data: bytes) -> None:
    assert b"<script" not in data and b"<html" not in data
    image = Image.open(io.BytesIO(data))
    assert image.format in ("JPEG", "PNG", "WEBP")
    assert getattr(image, "n_frames", 1) == 1
    assert not image.getexif().get_ifd(0x8825)  # no GPS
    image.load()


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_reference_photo_is_refused_or_cleaned_never_a_500(
    anonymous_api, clinic_url, name
):
    data, filename = HOSTILE[name]
    payload = notice_payload([clinic_url], reference_photos=[upload(filename, data)])
    response = anonymous_api.post("/api/v1/notices/", payload, format="multipart")
    assert response.status_code in (201, 400), (response.status_code, response.content[:500])
    if response.status_code == 400:
        body = response.json()
        assert "Nothing was stored" in body["detail"]
        message = " ".join(str(part) for part in body.get("reference_photos", []))
        assert filename in message or "empty" in message, body
        assert not EvidenceFile.objects.exists()
    else:
        (stored,) = _stored(EvidenceFile.Kind.REFERENCE_PHOTO)
        _assert_clean_image(stored)


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_identity_document_is_refused_or_cleaned_never_a_500(
    anonymous_api, clinic_url, name
):
    data, filename = HOSTILE[name]
    payload = notice_payload([clinic_url], identity_document=upload(filename, data))
    response = anonymous_api.post("/api/v1/notices/", payload, format="multipart")
    assert response.status_code in (201, 400), (response.status_code, response.content[:500])
    if response.status_code == 201:
        (stored,) = _stored(EvidenceFile.Kind.IDENTITY)
        _assert_clean_image(stored)
    else:
        assert "Nothing was stored" in response.json()["detail"]


PDF_WITH_HTML = b"%PDF-1.4\n" + SCRIPT + b"\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def test_a_pdf_carrying_html_reaches_staff_only_as_a_sandboxed_download(
    anonymous_api, clinic_url, admin_user
):
    from django.contrib.auth.models import Permission

    payload = notice_payload(
        [clinic_url], identity_document=upload("id.pdf", PDF_WITH_HTML, "application/pdf")
    )
    assert anonymous_api.post("/api/v1/notices/", payload, format="multipart").status_code == 201
    document = EvidenceFile.objects.get(kind=EvidenceFile.Kind.IDENTITY)
    assert document.content_type == "application/pdf"
    assert "application/pdf" not in INLINE_EVIDENCE_TYPES
    admin_user.user_permissions.add(*Permission.objects.filter(codename__contains="identity"))
    response = web_as(admin_user).get(f"/staff/evidence/{document.pk}/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy


def test_images_are_shown_inline_but_sandboxed(anonymous_api, clinic_url, admin_user):
    payload = notice_payload(
        [clinic_url],
        reference_photos=[upload("poly.jpg", HOSTILE["JPEG with HTML after its end"][0])],
    )
    assert anonymous_api.post("/api/v1/notices/", payload, format="multipart").status_code == 201
    photo = EvidenceFile.objects.get(kind=EvidenceFile.Kind.REFERENCE_PHOTO)
    response = web_as(admin_user).get(f"/staff/evidence/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("inline;")
    assert "sandbox" in response["Content-Security-Policy"]
    _assert_clean_image(b"".join(response.streaming_content))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_counter_notice_evidence_is_refused_or_cleaned(name):
    """The counter-notice endpoint's evidence goes through the same cleaning: a refusal is
    the 400 the API answers with (InvalidInput), never another exception."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.errors import InvalidInput
    from cases.uploader_api import clean_evidence

    data, filename = HOSTILE[name]
    try:
        (cleaned,) = clean_evidence([SimpleUploadedFile(filename, data)])
    except InvalidInput as error:
        assert filename in str(error) or "empty" in str(error)
    else:
        assert cleaned.content_type in INLINE_EVIDENCE_TYPES
        _assert_clean_image(cleaned.content)

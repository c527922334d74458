"""Malformed and hostile files sent to the public filing API: each is refused with a 400 that
names the file, or accepted as a clean re-encoded image or a PDF re-drawn from its pages'
pixels; never a 500, and nothing a browser could run is ever stored or shown."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib

import pytest
from PIL import Image

from cases.views import INLINE_EVIDENCE_TYPES
from notices.evidence import evidence_bytes
from notices.models import EvidenceFile

from .conftest import jpeg_bytes, notice_payload, pdf_bytes, post_url, upload, web_as

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


# --- PDFs: re-drawn page by page, never stored as sent -----------------------------------------

JAVASCRIPT = b"app.alert('pwned'); this.exportDataObject({cName: 'x'})"
PAYLOADS = (b"<script", b"<html", b"alert(", b"/JavaScript", b"/JS", b"/OpenAction",
            b"/EmbeddedFile", b"/AcroForm", b"/URI", b"Hello from the page")  # fmt: skip


def _pdf(objects: list[bytes], *, header: bytes = b"", trailer: bytes = b"") -> bytes:
    """A PDF from its objects (1 is the catalog), with a correct cross-reference table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n" + header)
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\n" % (len(objects) + 1, trailer))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _page_objects(text: bytes = b"Hello from the page", size: bytes = b"300 200") -> list[bytes]:
    stream = b"BT /F1 24 Tf 30 100 Td (" + text + b") Tj ET"
    return [
        b"<< /Type /Catalog /Pages 2 0 R /OpenAction 5 0 R /AcroForm << /Fields [] >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 " + size + b"] /Contents 4 0 R"
        b" /Resources << /Font << /F1 6 0 R >> >>"
        b" /Annots [<< /Type /Annot /Subtype /Link /Rect [0 0 300 200]"
        b" /A << /S /URI /URI (http://169.254.169.254/) >> >>] >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /S /JavaScript /JS (" + JAVASCRIPT + b") >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /EmbeddedFile /Length 65 >>\nstream\n" + SCRIPT + b"\nendstream",
    ]


def _rc4(key: bytes, data: bytes) -> bytes:
    state, j = list(range(256)), 0
    for i in range(256):
        j = (j + state[i] + key[i % len(key)]) % 256
        state[i], state[j] = state[j], state[i]
    out, i, j = bytearray(), 0, 0
    for byte in data:
        i = (i + 1) % 256
        j = (j + state[i]) % 256
        state[i], state[j] = state[j], state[i]
        out.append(byte ^ state[(state[i] + state[j]) % 256])
    return bytes(out)


PASSWORD_PADDING = bytes.fromhex("28bf4e5e4e758a4164004e56fffa01082e2e00b6d0683e802f0ca9fe6453697a")
FILE_ID = bytes(range(16))


def _encrypted_pdf(*, user_password_works_when_empty: bool) -> bytes:
    """RC4 40-bit (R2): openable without a password (an owner password only), or not."""
    owner = b"\x01" * 32
    key = hashlib.md5(  # noqa: S324 - the PDF format's own key derivation, under test
        PASSWORD_PADDING + owner + struct.pack("<i", -4) + FILE_ID
    ).digest()[:5]
    user = _rc4(key, PASSWORD_PADDING) if user_password_works_when_empty else b"\x11" * 32
    encrypt = b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (
        owner.hex().encode(),
        user.hex().encode(),
    )
    ids = b"<%s>" % FILE_ID.hex().encode()
    return _pdf(_page_objects() + [encrypt], trailer=b"/Encrypt 8 0 R /ID [%s %s] " % (ids, ids))


POLYGLOT_PDF = _pdf(_page_objects(), header=b"%" + SCRIPT + b"\n")

OWNER_PASSWORD_ONLY = _encrypted_pdf(user_password_works_when_empty=True)
HOSTILE_PDFS = {
    "password-protected": (_encrypted_pdf(user_password_works_when_empty=False), "password"),
    "encrypted, owner password only": (OWNER_PASSWORD_ONLY, "encrypted"),
    "PDF signature, then garbage": (b"%PDF-1.7\n" + bytes(range(256)) * 8, "not a PDF file"),
    "PDF signature, then HTML": (b"%PDF-1.4\n" + SCRIPT + b"\n%%EOF\n", "not a PDF file"),
    "21 pages": (pdf_bytes(pages=21), "at most 20"),
}  # fmt: skip


def _assert_image_only_pdf(data: bytes, pages: int = 1) -> None:
    """A PDF whose pages hold one image each and nothing else, free of every payload."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    for payload in PAYLOADS:
        assert payload not in data, payload
    document = pdfium.PdfDocument(data)
    assert len(document) == pages
    for page in document:
        kinds = [obj.type for obj in page.get_objects()]
        assert kinds == [pdfium_raw.FPDF_PAGEOBJ_IMAGE]
        assert page.get_textpage().get_text_range() == ""
        width, height = page.get_size()
    assert pdfium_raw.FPDFDoc_GetAttachmentCount(document.raw) == 0


def test_a_pdf_polyglot_carrying_html_and_script_is_stored_only_as_its_pages_pixels(
    anonymous_api, clinic_url, admin_user
):
    from django.contrib.auth.models import Permission

    assert SCRIPT in POLYGLOT_PDF and JAVASCRIPT in POLYGLOT_PDF
    payload = notice_payload(
        [clinic_url], identity_document=upload("id.pdf", POLYGLOT_PDF, "application/pdf")
    )
    assert anonymous_api.post("/api/v1/notices/", payload, format="multipart").status_code == 201
    document = EvidenceFile.objects.get(kind=EvidenceFile.Kind.IDENTITY)
    (stored,) = _stored(EvidenceFile.Kind.IDENTITY)
    _assert_image_only_pdf(stored)
    assert document.content_type == "application/pdf"
    assert document.sha256 == hashlib.sha256(stored).hexdigest()  # not the original's
    assert "application/pdf" not in INLINE_EVIDENCE_TYPES

    admin_user.user_permissions.add(*Permission.objects.filter(codename__contains="identity"))
    response = web_as(admin_user).get(f"/staff/evidence/{document.pk}/")
    assert response.status_code == 200
    _assert_image_only_pdf(b"".join(response.streaming_content))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="evidence-{document.pk}.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    policy = response["Content-Security-Policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy


def test_a_pdf_keeps_its_pages_legible_within_the_size_bounds():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from notices.uploads import PDF_MAX_SIDE_PIXELS, clean_document

    huge_page = _pdf(_page_objects(size=b"14400 14400"))  # 200 inches square
    cleaned = clean_document(SimpleUploadedFile("poster.pdf", huge_page))
    three = clean_document(SimpleUploadedFile("three.pdf", pdf_bytes(pages=3)))

    _assert_image_only_pdf(cleaned.content)
    assert max(cleaned.width, cleaned.height) <= PDF_MAX_SIDE_PIXELS
    _assert_image_only_pdf(three.content, pages=3)
    assert three.width >= 420  # drawn at more than the page's 72 dpi, up to 200 dpi
    again = clean_document(SimpleUploadedFile("three.pdf", pdf_bytes(pages=3)))
    assert again.content == three.content  # the same document, the same bytes


@pytest.mark.parametrize("name", list(HOSTILE_PDFS))
def test_an_encrypted_unreadable_or_oversized_pdf_is_refused_with_the_reason(
    anonymous_api, clinic_url, name
):
    data, reason = HOSTILE_PDFS[name]
    payload = notice_payload(
        [clinic_url], identity_document=upload("doc.pdf", data, "application/pdf")
    )

    response = anonymous_api.post("/api/v1/notices/", payload, format="multipart")

    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert "Nothing was stored" in body["detail"]
    message = " ".join(str(part) for part in body["identity_document"])
    assert "doc.pdf" in message and reason in message
    assert not EvidenceFile.objects.exists()


@pytest.mark.parametrize("name", list(HOSTILE_PDFS))
def test_hostile_pdf_counter_notice_evidence_is_refused_as_a_400(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from cases.errors import InvalidInput
    from cases.uploader_api import clean_evidence

    data, reason = HOSTILE_PDFS[name]
    with pytest.raises(InvalidInput, match=reason):
        clean_evidence([SimpleUploadedFile("doc.pdf", data)])


def test_images_are_shown_inline_but_sandboxed(anonymous_api, clinic_url, admin_user):
    payload = notice_payload(
        [clinic_url],
        reference_photos=[upload("poly.jpg", HOSTILE["JPEG with HTML after its end"][0])],
    )
    assert anonymous_api.post("/api/v1/notices/", payload, format="multipart").status_code == 201
    photo = EvidenceFile.objects.get(kind=EvidenceFile.Kind.REFERENCE_PHOTO)
    response = web_as(admin_user).get(f"/staff/evidence/{photo.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'inline; filename="evidence-{photo.pk}.jpg"'
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

"""Checking uploaded evidence by its content, and stripping what it must not carry.

Images are decoded (never trusted by name or declared type), capped in bytes and pixels, and
re-encoded without EXIF, so GPS positions and device data never reach our storage. PDFs are
accepted for documents only: each page is rendered to pixels (pypdfium2, at a bounded size and
page count) and written into a new PDF that holds only those images, so no script, form, link,
attachment or hidden payload of the original is ever stored or reaches a staff browser; the
original bytes are not kept. Encrypted and unreadable PDFs are refused.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# A document PDF is re-drawn page by page: at most this many pages, each at most this many
# pixels on its longer side (and at most PDF_MAX_DPI), which keeps an ID card or a court
# receipt legible and the work bounded.
PDF_MAX_PAGES = 20
PDF_MAX_SIDE_PIXELS = 2000
PDF_MAX_DPI = 200
PDF_JPEG_QUALITY = 85


class UploadRejected(ValueError):
    pass


@dataclass(frozen=True)
class CleanUpload:
    content: bytes
    content_type: str
    extension: str
    original_name: str
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _read_capped(upload) -> bytes:
    limit = settings.TAKEDOWN_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise UploadRejected(
            f"{upload.name} is {upload.size // 1024} KB; files may be at most {limit // 1024} KB."
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(f"{upload.name} is larger than {limit // 1024} KB.")
    if not data:
        raise UploadRejected(f"{upload.name} is empty.")
    return data


def clean_image(upload) -> CleanUpload:
    """A JPEG, PNG or WebP photo, re-encoded without metadata."""
    data = _read_capped(upload)
    return _clean_image_bytes(data, upload.name)


def _clean_image_bytes(data: bytes, name: str) -> CleanUpload:
    max_pixels = settings.TAKEDOWN_MAX_IMAGE_PIXELS
    not_image = f"{name} is not a photo we can read: upload a JPEG, PNG or WebP image."
    try:
        with warnings.catch_warnings():
            # Pillow warns, then raises, on decompression bombs; treat both as a refusal.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_IMAGE_FORMATS:
                raise UploadRejected(not_image)
            width, height = probe.size
            if width * height > max_pixels:
                raise UploadRejected(
                    f"{name} is {width}x{height} pixels; photos may have at most "
                    f"{max_pixels:,} pixels."
                )
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise UploadRejected(f"{name} declares too many pixels to be a photo.") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRejected(not_image) from None
    image_format = probe.format
    image = ImageOps.exif_transpose(image)
    # Nothing but pixels (and the colour profile) is written back: Pillow would otherwise carry
    # a JPEG comment, where a polyglot hides its HTML or script, into the re-encoded file.
    image.info = {key: value for key, value in image.info.items() if key == "icc_profile"}
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=92)
    elif image_format == "PNG":
        image.save(out, "PNG")
    else:
        image.save(out, "WEBP", quality=92)
    return CleanUpload(
        content=out.getvalue(),
        content_type=ACCEPTED_IMAGE_FORMATS[image_format],
        extension=image_format.lower().replace("jpeg", "jpg"),
        original_name=name[:255],
        width=image.width,
        height=image.height,
    )


def _render_pdf_pages(data: bytes, name: str) -> list[Image.Image]:
    """Every page of the PDF as an RGB image, or a refusal that says why."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_raw

    unreadable = f"{name} is not a PDF file we can read (damaged or incomplete)."
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == pdfium_raw.FPDF_ERR_PASSWORD:
            raise UploadRejected(
                f"{name} is password-protected: upload it without a password, or a photo or "
                "scan of the document."
            ) from None
        raise UploadRejected(unreadable) from None
    try:
        if pdfium_raw.FPDF_GetSecurityHandlerRevision(document.raw) != -1:
            raise UploadRejected(
                f"{name} is an encrypted PDF: upload it without encryption, or a photo or scan "
                "of the document."
            )
        pages = len(document)
        if pages == 0:
            raise UploadRejected(unreadable)
        if pages > PDF_MAX_PAGES:
            raise UploadRejected(
                f"{name} has {pages} pages; a document may have at most {PDF_MAX_PAGES}."
            )
        images = []
        for index in range(pages):
            page = document[index]
            try:
                width, height = page.get_size()  # in points, 1/72 inch
                if width <= 0 or height <= 0:
                    raise UploadRejected(unreadable)
                scale = min(PDF_MAX_DPI / 72, PDF_MAX_SIDE_PIXELS / max(width, height))
                bitmap = page.render(scale=scale)
                images.append(bitmap.to_pil().convert("RGB"))
                bitmap.close()
            finally:
                page.close()
        return images
    except pdfium.PdfiumError:
        raise UploadRejected(unreadable) from None
    finally:
        document.close()


def _clean_pdf_bytes(data: bytes, name: str) -> CleanUpload:
    """The PDF re-drawn: a new PDF made only of its pages' pixels."""
    images = _render_pdf_pages(data, name)
    out = io.BytesIO()
    # No dates or title: the same document always gives the same bytes (and SHA-256), so a
    # retried filing is recognised as the same notice.
    images[0].save(
        out,
        "PDF",
        save_all=True,
        append_images=images[1:],
        quality=PDF_JPEG_QUALITY,
        resolution=PDF_MAX_DPI,
        title=None,
        creationDate=None,
        modDate=None,
    )
    first = images[0]
    return CleanUpload(
        content=out.getvalue(),
        content_type="application/pdf",
        extension="pdf",
        original_name=name[:255],
        width=first.width,
        height=first.height,
    )


def clean_document(upload) -> CleanUpload:
    """An identity or authorisation document: a photo or scan, or a PDF (re-drawn)."""
    data = _read_capped(upload)
    if data.startswith(b"%PDF-"):
        return _clean_pdf_bytes(data, upload.name)
    try:
        return _clean_image_bytes(data, upload.name)
    except UploadRejected as error:
        if "not a photo" in str(error):
            raise UploadRejected(
                f"{upload.name} is neither a PDF nor a JPEG, PNG or WebP image."
            ) from None
        raise


def clean_fetched_image(data: bytes, name: str) -> CleanUpload:
    """Reported content fetched from the platform, kept as a stripped snapshot."""
    return _clean_image_bytes(data, name)

"""Checking uploaded evidence by its content, and stripping what it must not carry.

Images are decoded (never trusted by name or declared type), capped in bytes and pixels, and
re-encoded without EXIF, so GPS positions and device data never reach our storage. PDFs are
accepted for documents only, recognised by their signature.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


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


def clean_document(upload) -> CleanUpload:
    """An identity or authorisation document: a photo or scan, or a PDF."""
    data = _read_capped(upload)
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-1024:]:
            raise UploadRejected(f"{upload.name} is not a complete PDF file.")
        return CleanUpload(
            content=data, content_type="application/pdf", extension="pdf", original_name=upload.name
        )
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

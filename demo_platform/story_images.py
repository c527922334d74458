"""The demo platform's seed photos, built at seed time from images that ship with scikit-image.

Nothing is downloaded: ``skimage.data`` holds the pictures in the wheel itself. Each post is
transformed the way the story needs (see DESIGN.md, "The demo story") and encoded as a plain
JPEG without EXIF, so the same bytes come out on every run with the same Pillow.

Pure Python (no Django): the seeding command turns these into accounts and posts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from skimage import data as sample

JPEG_QUALITY = 88
POST_SIZE = 480  # width of a post on the demo platform, in px


@dataclass(frozen=True)
class SeedPost:
    handle: str
    display_name: str
    caption: str
    image_jpeg: bytes
    role: str  # "own" (her photos), "clinic", "pack" or "unrelated"


def _jpeg(image: Image.Image, quality: int = JPEG_QUALITY) -> bytes:
    buffer = io.BytesIO()
    # No exif= argument: the file carries no metadata at all.
    image.convert("RGB").save(buffer, "JPEG", quality=quality, optimize=False)
    return buffer.getvalue()


def _pil(array: np.ndarray) -> Image.Image:
    if array.dtype == bool:
        array = np.where(array, 255, 0).astype(np.uint8)
    elif array.dtype != np.uint8:
        array = np.clip(array * 255, 0, 255).astype(np.uint8)
    return Image.fromarray(array).convert("RGB")


def _width(image: Image.Image, width: int = POST_SIZE) -> Image.Image:
    height = round(image.height * width / image.width)
    return image.resize((width, height), Image.Resampling.LANCZOS)


def _square(image: Image.Image, side: int) -> Image.Image:
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)


@cache
def _selfie() -> Image.Image:
    """Her selfie, as it came off her phone (the astronaut portrait)."""
    return _pil(sample.astronaut())


@cache
def _faces() -> tuple[Image.Image, ...]:
    # lfw_subset() holds 200 tiny (25x25) greyscale crops from Labeled Faces in the Wild: the
    # first 100 are faces, the other 100 are not.
    return tuple(_pil(face) for face in sample.lfw_subset()[:100])


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    # Pillow's built-in font; scalable when Pillow was built with FreeType (the wheels are).
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


def reference_photo_jpeg() -> bytes:
    """The photo Mei Lin uploads as her reference when she files a notice: her original selfie,
    full frame and full size, straight from her camera roll (her post is a tighter, smaller
    crop of it)."""
    return _jpeg(_selfie(), quality=92)


def _own_selfie_post() -> Image.Image:
    selfie = _selfie()
    width, height = selfie.size
    # She trimmed the edges a little before posting.
    return _width(selfie.crop((16, 8, width - 16, height - 24)), 420)


def _clinic_post() -> Image.Image:
    """Her selfie lifted by a clinic: mirrored, cropped closer and stamped with a price."""
    selfie = ImageOps.mirror(_selfie())
    # About 84% of the frame, a little off-centre towards the face.
    image = selfie.crop((30, 12, 460, 442)).resize((POST_SIZE, POST_SIZE), Image.Resampling.LANCZOS)
    draw = ImageDraw.Draw(image)
    # The price sticker, bottom right. Plain ASCII: Pillow's built-in font has no yuan sign.
    font = _font(30)
    price = "-50% RMB 999"
    width = draw.textlength(price, font=font)
    left, top = POST_SIZE - 14 - 28 - width, POST_SIZE - 78
    draw.rounded_rectangle(
        (left, top, POST_SIZE - 14, POST_SIZE - 14), radius=10, fill=(214, 24, 40)
    )
    draw.text((left + 14, top + 14), price, fill=(255, 255, 255), font=font)
    # The clinic's tag, top left.
    small = _font(18)
    draw.rectangle((0, 0, 232, 30), fill=(255, 255, 255))
    draw.text((8, 5), "Real customer result", fill=(214, 24, 40), font=small)
    return image


def _grid(cells: list[Image.Image], *, cell: int = 156, gap: int = 6) -> Image.Image:
    """Nine pictures in a 3x3 grid with white gutters, as photo packs are advertised."""
    side = 3 * cell + 4 * gap
    grid = Image.new("RGB", (side, side), (255, 255, 255))
    for index, picture in enumerate(cells):
        row, col = divmod(index, 3)
        grid.paste(_square(picture, cell), (gap + col * (cell + gap), gap + row * (cell + gap)))
    return grid


def _pack_post() -> Image.Image:
    """A seller's "50 selfies" advert: a grid of lifted selfies, hers in the top row."""
    faces = _faces()
    camera = _pil(sample.camera())
    selfie = _selfie()
    # Her selfie, cropped to head and shoulders the way a seller would.
    hers = selfie.crop((40, 0, 472, 432))
    strangers = [
        faces[i].resize((156, 156), Image.Resampling.BICUBIC) for i in (12, 57, 23, 88, 71, 33, 45)
    ]
    cells = [strangers[0], hers, camera, *strangers[1:]]
    grid = _grid(cells)
    draw = ImageDraw.Draw(grid)
    # A diagonal-free watermark: a small banner on the centre cell, where sellers stamp it.
    font = _font(16)
    text = "50 selfies / 4 yuan"
    width = draw.textlength(text, font=font)
    x = (grid.width - width) / 2
    y = grid.height / 2 - 10
    draw.rectangle((x - 6, y - 4, x + width + 6, y + 22), fill=(255, 230, 0))
    draw.text((x, y), text, fill=(0, 0, 0), font=font)
    return grid


def seed_posts() -> list[SeedPost]:
    """Every seed post, in the order the demo platform shows them."""
    return [
        SeedPost(
            handle="mei.lin",
            display_name="Mei Lin",
            caption="New haircut, new me",
            image_jpeg=_jpeg(_own_selfie_post()),
            role="own",
        ),
        SeedPost(
            handle="mei.lin",
            display_name="Mei Lin",
            caption="Monday coffee",
            image_jpeg=_jpeg(_width(_pil(sample.coffee()))),
            role="own",
        ),
        SeedPost(
            handle="mei.lin",
            display_name="Mei Lin",
            caption="Chelsea approves of the new sofa",
            image_jpeg=_jpeg(_width(_pil(sample.chelsea()))),
            role="own",
        ),
        SeedPost(
            handle="glow.clinic",
            display_name="Glow Aesthetic Clinic",
            caption="Real customer results! Book this week: -50%",
            image_jpeg=_jpeg(_clinic_post()),
            role="clinic",
        ),
        SeedPost(
            handle="selfiepacks",
            display_name="Selfie Packs Wholesale",
            caption="50 selfies for 4 yuan. Real people, HD, DM for the pack",
            image_jpeg=_jpeg(_pack_post()),
            role="pack",
        ),
        SeedPost(
            handle="space.daily",
            display_name="Space Daily",
            caption="Launch day",
            image_jpeg=_jpeg(_width(_pil(sample.rocket()))),
            role="unrelated",
        ),
        SeedPost(
            handle="space.daily",
            display_name="Space Daily",
            caption="Thousands of galaxies in one frame",
            image_jpeg=_jpeg(_width(_pil(sample.hubble_deep_field()))),
            role="unrelated",
        ),
        SeedPost(
            handle="stable.notes",
            display_name="Stable Notes",
            caption="Silhouette study",
            image_jpeg=_jpeg(_width(_pil(sample.horse()))),
            role="unrelated",
        ),
        SeedPost(
            handle="old.things",
            display_name="Old Things",
            caption="Grandfather's clock still runs",
            image_jpeg=_jpeg(_width(_pil(sample.clock()))),
            role="unrelated",
        ),
        SeedPost(
            handle="old.things",
            display_name="Old Things",
            caption="Moon through the old telescope",
            image_jpeg=_jpeg(_width(_pil(sample.moon()))),
            role="unrelated",
        ),
    ]

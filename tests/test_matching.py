"""Robust matching: reposts that are rotated, put in a screenshot or a collage are still found,
with the method that found them and where the photo sits in the reported image."""

import io

import pytest
from PIL import Image, ImageDraw, ImageOps

from cases.imagematch import DEFAULT_THRESHOLDS, compare, pdq_fingerprint
from cases.matching import pdq
from demo_platform.story_images import reference_photo_jpeg


@pytest.fixture(scope="module")
def selfie():
    return Image.open(io.BytesIO(reference_photo_jpeg())).convert("RGB")


@pytest.fixture(scope="module")
def reference():
    return reference_photo_jpeg()


def _jpeg(image, quality=85):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _stranger():
    from skimage import data

    return Image.fromarray(data.coffee()).convert("RGB")


def test_a_rotated_repost_is_found_by_keypoints(reference, selfie):
    rotated = selfie.rotate(12, Image.Resampling.BICUBIC, expand=True, fillcolor=(0, 0, 0))

    report = compare([reference], _jpeg(rotated), DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    assert report.method == "keypoints"
    assert 0.5 < report.score <= 1


def test_a_screenshot_match_outlines_the_photo_in_the_screenshot(reference, selfie):
    screen = Image.new("RGB", (720, 1280), (250, 250, 250))
    draw = ImageDraw.Draw(screen)
    draw.rectangle((0, 0, 720, 120), fill=(30, 60, 200))
    draw.text((20, 1000), "Real customer result, book now", fill=(0, 0, 0))
    screen.paste(selfie.resize((420, 420)), (150, 300))

    report = compare([reference], _jpeg(screen), DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    region = report.region
    assert region is not None
    # Within a few pixels of where the photo was pasted, in the screenshot's own pixels.
    assert abs(region["x"] - 150) < 15 and abs(region["y"] - 300) < 15
    assert abs(region["width"] - 420) < 20 and abs(region["height"] - 420) < 20


def test_a_collage_match_names_the_cell(reference, selfie):
    cell = 300
    grid = Image.new("RGB", (2 * cell, 2 * cell), (255, 255, 255))
    stranger = ImageOps.fit(_stranger(), (cell, cell))
    for position in ((0, 0), (cell, 0), (0, cell)):
        grid.paste(stranger, position)
    grid.paste(ImageOps.fit(selfie, (cell, cell)), (cell, cell))

    report = compare([reference], _jpeg(grid), DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    region = report.region
    assert region["x"] >= cell - 15 and region["y"] >= cell - 15
    assert region["width"] <= cell + 15 and region["height"] <= cell + 15


def test_a_different_photo_is_no_match_without_method_or_region(reference):
    report = compare([reference], _jpeg(_stranger()), DEFAULT_THRESHOLDS)

    assert (report.verdict, report.method, report.region) == ("no_match", "", None)


def test_pdq_hashes_are_64_hex_digits_and_survive_recompression(selfie):
    original = pdq_fingerprint(_jpeg(selfie, 95))
    again = pdq_fingerprint(_jpeg(selfie.resize((300, 300)), 40))

    assert len(original["pdq"]) == 64 and int(original["pdq"], 16) >= 0
    assert original["quality"] >= pdq.MIN_QUALITY
    assert pdq.distance(original["pdq"], again["pdq"]) <= pdq.MATCH_DISTANCE
    mirrored = pdq_fingerprint(_jpeg(ImageOps.mirror(selfie), 95))
    assert pdq.distance(original["pdq_mirrored"], mirrored["pdq"]) <= pdq.MATCH_DISTANCE


def test_a_bad_pdq_hash_is_refused_with_a_message():
    with pytest.raises(ValueError, match="64 hexadecimal digits"):
        pdq.hex_to_bytes("abc")


def test_verification_records_score_method_and_region_for_the_reviewer(
    anonymous_api, demo_posts, moderator_a
):
    from cases.models import MatchResult

    from .conftest import api_as, notice_payload, post_url, posts_by_role

    pack = posts_by_role("pack")[0]
    body = anonymous_api.post(
        "/api/v1/notices/", notice_payload([post_url(pack)]), format="multipart"
    ).json()
    result = MatchResult.objects.get(item__notice__reference=body["reference"])

    assert result.verdict == "match"
    assert result.method in ("phash", "pdq", "keypoints") and 0 < result.score <= 1
    # Her selfie is one cell of the seller's 3x3 grid: the region is that cell, not the grid.
    width = result.item.snapshot and result.reported_hashes["size"][0]
    assert result.region is not None and result.region["width"] < width
    page = api_as(moderator_a)
    page.force_login(moderator_a)
    html = page.get(f"/staff/cases/{result.item.notice.case.pk}/").content.decode()
    assert "data-region-width" in html and "cases/region.js" in html

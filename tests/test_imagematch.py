"""Image matching on the demo story's real photos: evidence for a reviewer, never a decision.

Plain functions, no database: cases.imagematch and demo_platform.story_images import no Django.
"""

import io
import json
import time

import pytest
from PIL import Image

from cases.imagematch import (
    DEFAULT_THRESHOLDS,
    MatchReport,
    Thresholds,
    compare,
    compare_fingerprints,
    image_fingerprints,
    load_image,
    verdict_for,
)
from demo_platform.story_images import SeedPost, reference_photo_jpeg, seed_posts


@pytest.fixture(scope="module")
def reference():
    return reference_photo_jpeg()


@pytest.fixture(scope="module")
def posts():
    return seed_posts()


def _post(posts, role, caption_start=""):
    matches = [p for p in posts if p.role == role and p.caption.startswith(caption_start)]
    assert matches, f"no {role} post starting with {caption_start!r}"
    return matches[0]


def _jpeg(image, **options):
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **options)
    return buffer.getvalue()


# --- the story ---------------------------------------------------------------------------


def test_the_clinics_mirrored_cropped_stickered_repost_matches_her_reference(reference, posts):
    report = compare([reference], _post(posts, "clinic").image_jpeg, DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    assert report.best_variant.startswith("mirrored")


def test_the_pack_sellers_grid_matches_her_reference_through_one_tile(reference, posts):
    report = compare([reference], _post(posts, "pack").image_jpeg, DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    assert "tile3x3" in report.best_variant


def test_her_own_selfie_post_matches_her_reference(reference, posts):
    report = compare([reference], _post(posts, "own", "New haircut").image_jpeg, DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    assert report.distance <= 3


@pytest.mark.parametrize(
    "caption_start", ["Launch day", "Thousands", "Silhouette", "Grandfather", "Moon"]
)
def test_unrelated_posts_do_not_match_her_reference(reference, posts, caption_start):
    report = compare(
        [reference], _post(posts, "unrelated", caption_start).image_jpeg, DEFAULT_THRESHOLDS
    )

    assert report.verdict == "no_match"
    assert report.distance > DEFAULT_THRESHOLDS.possible + 3


@pytest.mark.parametrize("caption_start", ["Monday coffee", "Chelsea"])
def test_her_everyday_photos_do_not_match_her_selfie(reference, posts, caption_start):
    report = compare([reference], _post(posts, "own", caption_start).image_jpeg, DEFAULT_THRESHOLDS)

    assert report.verdict == "no_match"


def test_a_resized_reencoded_copy_matches_with_a_small_distance(reference):
    copy = _jpeg(load_image(reference).resize((300, 300)), quality=60)

    report = compare([reference], copy, DEFAULT_THRESHOLDS)

    assert report.verdict == "match"
    assert report.distance <= 2


def test_the_best_of_several_references_is_the_one_reported(reference, posts):
    coffee = _post(posts, "own", "Monday coffee").image_jpeg

    report = compare([coffee, reference], _post(posts, "clinic").image_jpeg, DEFAULT_THRESHOLDS)

    assert report.best_reference_index == 1
    assert report.distances["combined"][1] == report.distance
    assert report.distances["combined"][0] > DEFAULT_THRESHOLDS.possible


# --- the report --------------------------------------------------------------------------


def test_the_report_names_the_best_pair_and_both_algorithms_distances(reference, posts):
    report = compare([reference], _post(posts, "clinic").image_jpeg, DEFAULT_THRESHOLDS)
    distances = report.distances

    assert isinstance(report, MatchReport)
    assert report.best_reference_index == 0
    assert report.best_variant == distances["variant"][0]
    assert len(report.best_variant) <= 50  # it is stored in a 50-character column
    assert report.distance == (distances["phash"][0] + distances["dhash"][0]) / 2
    # The plain comparisons are there too, the mirrored one much closer than the unflipped one.
    assert set(distances["full"]) == set(distances["mirrored"]) == {"phash", "dhash"}
    mirrored = sum(distances["mirrored"][algorithm][0] for algorithm in ("phash", "dhash"))
    unflipped = sum(distances["full"][algorithm][0] for algorithm in ("phash", "dhash"))
    assert mirrored < unflipped


def test_the_report_carries_the_fingerprints_of_both_sides_and_is_json_ready(reference, posts):
    report = compare([reference], _post(posts, "pack").image_jpeg, DEFAULT_THRESHOLDS)

    as_dict = json.loads(json.dumps(report.as_dict()))

    assert as_dict["verdict"] == "match"
    assert len(as_dict["reference_fingerprints"]) == 1
    for key in ("phash", "dhash", "phash_mirrored", "dhash_mirrored", "tiles", "crops"):
        assert key in as_dict["reported_fingerprints"]
    assert "tile3x3_r0c1" in as_dict["reported_fingerprints"]["tiles"]


def test_fingerprints_are_64_bit_hex_hashes_that_differ_when_mirrored(reference):
    fingerprints = image_fingerprints(load_image(reference))

    for key in ("phash", "dhash", "phash_mirrored", "dhash_mirrored"):
        assert len(fingerprints[key]) == 16
        int(fingerprints[key], 16)
    assert fingerprints["phash"] != fingerprints["phash_mirrored"]


def test_stored_fingerprints_alone_still_match_an_unaltered_copy(reference):
    fingerprints = image_fingerprints(load_image(reference))
    copy = image_fingerprints(load_image(_jpeg(load_image(reference), quality=70)))

    report = compare_fingerprints([fingerprints], copy, DEFAULT_THRESHOLDS)

    assert report.verdict == "match"


# --- thresholds and bad input ------------------------------------------------------------


@pytest.mark.parametrize(
    ("distance", "verdict"),
    [(0, "match"), (10, "match"), (10.5, "possible"), (15, "possible"), (15.5, "no_match")],
)
def test_the_verdict_follows_the_thresholds(distance, verdict):
    assert verdict_for(distance, Thresholds(match=10, possible=15)) == verdict


def test_thresholds_must_be_ordered():
    with pytest.raises(ValueError, match="match <= possible"):
        Thresholds(match=20, possible=10)


def test_undecodable_bytes_are_refused_with_a_clear_message(reference):
    with pytest.raises(ValueError, match="could not be read as an image"):
        load_image(b"this is not a picture")
    with pytest.raises(ValueError, match="Reported image: .*could not be read"):
        compare([reference], b"\xff\xd8\xff\xe0 truncated", DEFAULT_THRESHOLDS)
    with pytest.raises(ValueError, match="Reference photo 1: .*empty"):
        compare([b""], reference, DEFAULT_THRESHOLDS)


def test_comparing_without_a_reference_is_refused(reference):
    with pytest.raises(ValueError, match="At least one reference photo"):
        compare([], reference, DEFAULT_THRESHOLDS)


def test_a_large_photo_is_decoded_small_and_upright():
    big = Image.new("RGB", (4000, 3000), (200, 120, 80))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"

    image = load_image(_jpeg(big, exif=exif))

    assert image.mode == "RGB"
    assert image.size == (384, 512)


# --- the seed photos ---------------------------------------------------------------------


def test_the_seed_photos_are_deterministic_exif_free_jpegs(posts, reference):
    assert seed_posts() == posts
    assert reference_photo_jpeg() == reference
    roles = {post.role for post in posts}
    assert roles == {"own", "clinic", "pack", "unrelated"}
    for post in [*posts, SeedPost("mei.lin", "Mei Lin", "", reference, "own")]:
        image = Image.open(io.BytesIO(post.image_jpeg))
        assert image.format == "JPEG"
        assert 200 <= image.width <= 600
        assert not image.getexif()


def test_the_story_has_her_account_the_clinic_the_seller_and_ordinary_accounts(posts):
    handles = {(post.handle, post.display_name) for post in posts}

    assert ("mei.lin", "Mei Lin") in handles
    assert ("glow.clinic", "Glow Aesthetic Clinic") in handles
    assert ("selfiepacks", "Selfie Packs Wholesale") in handles
    assert len({post.handle for post in posts if post.role == "unrelated"}) >= 2


def test_comparing_five_references_with_one_image_takes_well_under_a_second(reference, posts):
    references = [reference] + [post.image_jpeg for post in posts[:4]]
    reported = _post(posts, "pack").image_jpeg
    compare(references, reported, DEFAULT_THRESHOLDS)  # warm up imports and caches

    started = time.perf_counter()
    compare(references, reported, DEFAULT_THRESHOLDS)

    assert time.perf_counter() - started < 1.0

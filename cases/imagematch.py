"""Perceptual image matching: is the reported image one of the complainant's photos?

The answer is evidence for a human reviewer and a priority for the queue, never a decision.

Plain Python (Pillow, imagehash, NumPy), no Django: it is tested and benchmarked on its own.

How it works. Every image is reduced to a few 64-bit perceptual hashes (pHash and dHash from
``imagehash``); two images are as far apart as the number of bits their hashes differ in
(Hamming distance, 0..64; two unrelated photos land around 32). The distance of a pair is the
mean of the pHash and dHash distances. Because the abuse we handle rarely reposts a photo
untouched, the reported image is also looked at mirrored and cut into the tiles of a 2x2 and a
3x3 grid (photo-pack sellers post grids of lifted selfies), and each reference photo is also
looked at through a few centred crops (reposts are cropped). The pair of variants that agree
best gives the distance, and the report names it so a reviewer can see why.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import asdict, dataclass, field
from math import ceil

import imagehash
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .matching import keypoints, pdq

HASH_BITS = 64
# Images are decoded to at most this many pixels on their longest side before hashing: the
# hashes only look at 32x32 (pHash) and 9x8 (dHash) pixels, so more is wasted work.
WORKING_SIZE = 512
HASH_WORKING_SIZE = 256
# Centred crops of each reference photo, as a fraction of its width and height.
REFERENCE_CROPS = (0.95, 0.9, 0.85, 0.8)
# Grids the reported image is cut into; each tile is compared on its own.
GRIDS = (2, 3)
# Where a cropped copy sits inside a reference photo is found by normalised cross-correlation
# on small greyscale copies (the reference at most ALIGN_SIZE px a side), trying the reported
# variant at these fractions of the reference's size. Only a placement that correlates at least
# MIN_ALIGNMENT is hashed: a crop of an unrelated photo rarely does, so the search finds true
# crops without giving every unrelated pair hundreds of chances to look alike.
ALIGN_SIZE = 80
ALIGN_SCALES = (0.95, 0.9, 0.85, 0.8)
MIN_ALIGNMENT = 0.6
# Below this many pixels on a side a tile carries too little of a photo to be compared.
MIN_TILE_SIDE = 32


@dataclass(frozen=True)
class Thresholds:
    """Distance cut-offs (lower = more similar): ``<= match`` is a match, ``<= possible`` a
    possible match, anything above is no match."""

    match: float
    possible: float

    def __post_init__(self):
        if not 0 <= self.match <= self.possible <= HASH_BITS:
            raise ValueError(
                f"Thresholds must satisfy 0 <= match <= possible <= {HASH_BITS}; "
                f"got match={self.match}, possible={self.possible}."
            )


# Calibrated on the demo story's photos, 19 other scikit-image samples and 200 LFW faces
# upscaled, all against the story's reference selfie: true pairs (re-encoded, trimmed,
# mirrored + cropped + stickered, one cell of a 3x3 grid) came out at 0 to 6.5; the closest
# unrelated pair at 18.5 (an LFW face), every other one at 19 or more.
DEFAULT_THRESHOLDS = Thresholds(match=10, possible=15)


def verdict_for(distance: float, thresholds: Thresholds) -> str:
    """ "match", "possible" or "no_match" for a distance."""
    if distance <= thresholds.match:
        return "match"
    if distance <= thresholds.possible:
        return "possible"
    return "no_match"


def load_image(data: bytes, size: int = WORKING_SIZE) -> Image.Image:
    """Decode image bytes into an upright RGB image of at most ``size`` px a side.

    ``image.info["original_size"]`` keeps the (width, height) of the image as stored, upright,
    so that a region found in the small copy can be given in the stored image's pixels.

    Raise ValueError with a message for people when the bytes are not an image we can read.
    """
    if not data:
        raise ValueError("The image is empty (0 bytes).")
    try:
        with warnings.catch_warnings():
            # A huge image is fine here: it is shrunk before it is decoded in full (JPEG) or
            # right after; only Pillow's hard limit (DecompressionBombError) still refuses it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            original = image.size
            # For JPEG, let the decoder downscale by 1/2, 1/4 or 1/8 while decoding: a 12 MP
            # phone photo then costs a fraction of a full decode. No-op for other formats.
            # Ask for the size that gives ``size`` px on the longest side, so that a 1024x768
            # photo is decoded at 512x384 rather than in full.
            longest = max(original) or 1
            image.draft(
                "RGB", (ceil(size * original[0] / longest), ceil(size * original[1] / longest))
            )
            image.load()
            drafted = image.size
            image = ImageOps.exif_transpose(image)
            if image.size != drafted:  # turned a quarter by its EXIF orientation
                original = (original[1], original[0])
            image = image.convert("RGB")
    except Image.DecompressionBombError as exc:
        raise ValueError(f"The image is too large to process: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ValueError(
            "The file could not be read as an image (JPEG, PNG, WebP, GIF, ...); "
            f"it may be damaged or in another format ({type(exc).__name__})."
        ) from exc
    image.thumbnail((size, size))
    image.info["original_size"] = original
    return image


def _hashes(gray: Image.Image) -> dict:
    return {"phash": str(imagehash.phash(gray)), "dhash": str(imagehash.dhash(gray))}


def _grid_boxes(size: tuple[int, int]) -> dict:
    boxes = {}
    width, height = size
    for n in GRIDS:
        if min(width, height) // n < MIN_TILE_SIDE:
            continue
        for row in range(n):
            for col in range(n):
                boxes[f"tile{n}x{n}_r{row}c{col}"] = (
                    col * width // n,
                    row * height // n,
                    (col + 1) * width // n,
                    (row + 1) * height // n,
                )
    return boxes


def _centred_boxes(size: tuple[int, int]) -> dict:
    boxes = {}
    width, height = size
    for fraction in REFERENCE_CROPS:
        dx = round(width * (1 - fraction) / 2)
        dy = round(height * (1 - fraction) / 2)
        boxes[f"crop{round(fraction * 100)}"] = (dx, dy, width - dx, height - dy)
    return boxes


def _hash_image(image: Image.Image) -> Image.Image:
    """The greyscale copy hashes are taken from: small, because hashing a big image only costs
    time (pHash looks at 32x32 pixels, dHash at 9x8)."""
    gray = image.convert("L")
    gray.thumbnail((HASH_WORKING_SIZE, HASH_WORKING_SIZE))
    return gray


def image_fingerprints(image: Image.Image) -> dict:
    """The perceptual hashes of an image and of the variants compare() uses (JSON-ready).

    ``phash``/``dhash`` are of the whole image, ``*_mirrored`` of its mirror image, ``tiles`` and
    ``tiles_mirrored`` of the cells of a 2x2 and a 3x3 grid, ``crops`` of centred crops. Hashes
    are 16 hex digits (64 bits), as imagehash writes them.
    """
    gray = _hash_image(image)
    mirrored = ImageOps.mirror(gray)
    full, flipped = _hashes(gray), _hashes(mirrored)
    boxes = _grid_boxes(gray.size)
    return {
        "phash": full["phash"],
        "dhash": full["dhash"],
        "phash_mirrored": flipped["phash"],
        "dhash_mirrored": flipped["dhash"],
        "size": list(image.size),
        "crops": {name: _hashes(gray.crop(box)) for name, box in _centred_boxes(gray.size).items()},
        "tiles": {name: _hashes(gray.crop(box)) for name, box in boxes.items()},
        "tiles_mirrored": {name: _hashes(mirrored.crop(box)) for name, box in boxes.items()},
    }


def _bits_apart(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _reported_variants(fingerprints: dict) -> dict:
    """Name -> hashes for every way the reported image is looked at."""
    variants = {
        "full": {"phash": fingerprints["phash"], "dhash": fingerprints["dhash"]},
        "mirrored": {
            "phash": fingerprints["phash_mirrored"],
            "dhash": fingerprints["dhash_mirrored"],
        },
    }
    variants.update(fingerprints.get("tiles", {}))
    variants.update(
        {
            f"mirrored_{name}": hashes
            for name, hashes in fingerprints.get("tiles_mirrored", {}).items()
        }
    )
    return variants


def _reference_variants(fingerprints: dict) -> dict:
    """Name -> hashes for every way a reference photo is looked at."""
    variants = {"reference": {"phash": fingerprints["phash"], "dhash": fingerprints["dhash"]}}
    variants.update(
        {f"ref_{name}": hashes for name, hashes in fingerprints.get("crops", {}).items()}
    )
    return variants


@dataclass
class MatchReport:
    """What compare() found, for the case file and the reviewer's side-by-side view.

    ``distance`` is the best (lowest) combined distance over all references and variants;
    ``best_variant`` names the pair that gave it, at most 50 characters: ``"<reported variant>
    / <reference variant>"``, e.g. ``"mirrored / ref_crop85"`` (the reported image mirrored
    against an 85% centred crop of the reference), ``"tile3x3_r0c1 / ref_crop85@38,0"`` (one
    cell of a 3x3 grid against the 85% crop of the reference whose top-left corner is at
    x=38, y=0 in the reference as decoded) or ``"full / reference"`` (whole against whole).
    ``distances`` holds, per algorithm, one number per reference photo (same order as the
    references): ``phash``, ``dhash`` and ``combined`` at that reference's best variant,
    ``variant`` naming it, and the plain ``full`` and ``mirrored`` comparisons.
    """

    verdict: str
    distance: float
    best_reference_index: int
    best_variant: str
    distances: dict
    reported_fingerprints: dict
    reference_fingerprints: list[dict] = field(default_factory=list)
    # Filled by match(): 0..1 (higher is stronger), the stage that decided, and where the
    # reference sits in the reported image ({"x", "y", "width", "height"}, stored pixels).
    score: float | None = None
    method: str = ""
    region: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _pair_candidates(reference_fp: dict, reported: dict):
    """(pHash distance, dHash distance, name) for every static pair of variants."""
    for ref_name, ref_hashes in _reference_variants(reference_fp).items():
        for rep_name, rep_hashes in reported.items():
            yield (
                _bits_apart(ref_hashes["phash"], rep_hashes["phash"]),
                _bits_apart(ref_hashes["dhash"], rep_hashes["dhash"]),
                f"{rep_name} / {ref_name}",
            )


def _report(
    reference_fingerprints: list[dict],
    reported_fingerprints: dict,
    thresholds: Thresholds,
    extra_candidates: list[list[tuple]] | None = None,
) -> MatchReport:
    if not reference_fingerprints:
        raise ValueError("At least one reference photo is needed to compare against.")
    reported = _reported_variants(reported_fingerprints)
    distances = {
        "phash": [],
        "dhash": [],
        "combined": [],
        "variant": [],
        "full": {"phash": [], "dhash": []},
        "mirrored": {"phash": [], "dhash": []},
    }
    best = None  # (combined, reference index, variant name)
    for index, reference_fp in enumerate(reference_fingerprints):
        for rep_name in ("full", "mirrored"):
            distances[rep_name]["phash"].append(
                _bits_apart(reference_fp["phash"], reported[rep_name]["phash"])
            )
            distances[rep_name]["dhash"].append(
                _bits_apart(reference_fp["dhash"], reported[rep_name]["dhash"])
            )
        candidates = list(_pair_candidates(reference_fp, reported))
        if extra_candidates:
            candidates.extend(extra_candidates[index])
        # Lowest combined distance; ties go to the simplest explanation (listed first).
        p, d, name = min(candidates, key=lambda candidate: candidate[0] + candidate[1])
        combined = (p + d) / 2
        distances["phash"].append(p)
        distances["dhash"].append(d)
        distances["combined"].append(combined)
        distances["variant"].append(name)
        if best is None or combined < best[0]:
            best = (combined, index, name)
    distance, best_index, best_variant = best
    return MatchReport(
        verdict=verdict_for(distance, thresholds),
        distance=distance,
        best_reference_index=best_index,
        best_variant=best_variant,
        distances=distances,
        reported_fingerprints=reported_fingerprints,
        reference_fingerprints=list(reference_fingerprints),
    )


def compare_fingerprints(
    reference_fingerprints: list[dict], reported_fingerprints: dict, thresholds: Thresholds
) -> MatchReport:
    """compare() on fingerprints already computed (e.g. stored on a case or in a hash bank).

    Without the pixels it cannot look for where a crop sits in a reference, so it only uses the
    fixed variants (whole, mirrored, grid tiles, centred crops): a cropped repost may come out
    farther than compare() finds it.
    """
    return _report(reference_fingerprints, reported_fingerprints, thresholds)


class _AlignmentTarget:
    """A reference photo prepared for finding where a crop of it sits (cross-correlation)."""

    def __init__(self, gray: Image.Image):
        self.gray = gray
        small = gray.copy()
        small.thumbnail((ALIGN_SIZE, ALIGN_SIZE))
        self.scale = gray.width / small.width
        pixels = np.asarray(small, dtype=np.float64)
        self.shape = pixels.shape
        self.spectrum = np.fft.rfft2(pixels)
        # Summed-area tables give every window's sum and sum of squares in O(1).
        self.sums = np.pad(pixels.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
        self.squares = np.pad((pixels**2).cumsum(0).cumsum(1), ((1, 0), (1, 0)))

    def _windows(self, table: np.ndarray, h: int, w: int) -> np.ndarray:
        return table[h:, w:] - table[:-h, w:] - table[h:, :-w] + table[:-h, :-w]

    def locate(
        self, variant: Image.Image, cache: dict | None = None, key: str = ""
    ) -> tuple[float, tuple[int, int, int, int]] | None:
        """Best (correlation, box in ``gray`` pixels) of the variant shrunk to each of the
        ALIGN_SCALES of this reference, or None if it fits nowhere.

        ``cache`` (keyed by ``key``, the variant's name) keeps the variant's spectra for the
        next reference of the same size: complainants' photos usually share one."""
        cache = {} if cache is None else cache
        height, width = self.shape
        best = None
        for fraction in ALIGN_SCALES:
            k = fraction * min(width / variant.width, height / variant.height)
            w, h = round(variant.width * k), round(variant.height * k)
            if w < 8 or h < 8 or w > width or h > height:
                continue
            cache_key = (key, w, h, self.shape)
            if cache_key not in cache:
                template = np.asarray(
                    variant.resize((w, h), Image.Resampling.BILINEAR), dtype=np.float64
                )
                template = template - template.mean()
                norm = np.sqrt((template**2).sum())
                spectrum = np.conj(np.fft.rfft2(template, s=self.shape))
                cache[cache_key] = (norm, spectrum)
            norm, spectrum = cache[cache_key]
            if norm < 1e-6:  # a flat tile (a gutter, a blank) correlates with nothing
                continue
            correlation = np.fft.irfft2(self.spectrum * spectrum, s=self.shape)
            correlation = correlation[: height - h + 1, : width - w + 1]
            sums = self._windows(self.sums, h, w)
            variance = self._windows(self.squares, h, w) - sums**2 / (h * w)
            ncc = correlation / (np.sqrt(np.maximum(variance, 1e-6)) * norm)
            y, x = np.unravel_index(int(np.argmax(ncc)), ncc.shape)
            score = float(ncc[y, x])
            if best is None or score > best[0]:
                box = (x, y, x + w, y + h)
                best = (score, tuple(round(v * self.scale) for v in box))
        return best


def _aligned_candidates(
    reference: _AlignmentTarget,
    reported_variants: dict,
    reported: dict,
    size_ratio: float,
    cache: dict | None = None,
) -> list[tuple]:
    """Pairs of (reported variant, the crop of the reference it lines up with)."""
    candidates = []
    for rep_name, variant in reported_variants.items():
        located = reference.locate(variant, cache, rep_name)
        if located is None or located[0] < MIN_ALIGNMENT:
            continue
        box = located[1]
        hashes = _hashes(reference.gray.crop(box))
        left, top = (round(v * size_ratio) for v in box[:2])
        percent = round(100 * (box[2] - box[0]) / reference.gray.width)
        candidates.append(
            (
                _bits_apart(hashes["phash"], reported[rep_name]["phash"]),
                _bits_apart(hashes["dhash"], reported[rep_name]["dhash"]),
                f"{rep_name} / ref_crop{percent}@{left},{top}",
            )
        )
    return candidates


# --- the robust pipeline: global hashes, PDQ, then keypoints with geometric verification ---

# The reported image is analysed larger than a reference: in a screenshot or a collage the
# photo is only part of the frame, and its keypoints need pixels.
REPORTED_SIZE = 768
# Keypoint pairs agreeing on one transform (see matching.keypoints) for a "match" and for a
# "possible" match. Calibrated with ``make eval-match``: unrelated pairs find at most a handful.
KEYPOINT_MATCH_INLIERS = 14
KEYPOINT_POSSIBLE_INLIERS = 10
# PDQ distance (of 256 bits) for a "possible" match; a "match" is pdq.MATCH_DISTANCE.
PDQ_POSSIBLE_DISTANCE = 45

VERDICT_ORDER = ("match", "possible", "no_match")


class Prepared:
    """An image decoded once and analysed for every comparison it takes part in. Keypoints are
    extracted only when a comparison gets that far (they cost more than all the hashes)."""

    def __init__(self, image: Image.Image, *, reference: bool):
        self.original_size = tuple(image.info.get("original_size", image.size))
        small = image
        if max(image.size) > WORKING_SIZE:
            small = image.copy()
            small.thumbnail((WORKING_SIZE, WORKING_SIZE))
        self.image = small
        self.reference = reference
        self.fingerprints = image_fingerprints(small)
        self.fingerprints["pdq"], self.fingerprints["pdq_mirrored"], quality = pdq.pdq_with_mirror(
            np.asarray(small)
        )
        self.fingerprints["pdq_quality"] = quality
        self._gray = np.asarray(image.convert("L"))
        self._features = {}

    def features(self, mirrored: bool = False) -> keypoints.Features:
        if mirrored not in self._features:
            gray = self._gray[:, ::-1] if mirrored else self._gray
            self._features[mirrored] = keypoints.extract(gray)
        return self._features[mirrored]


def prepare(data: bytes, *, reference: bool) -> Prepared:
    """Decode and analyse an image; ValueError with a message for people if it cannot be read.

    A reported image is analysed larger (REPORTED_SIZE) than a reference; a reference is also
    looked at mirrored, so that a mirrored repost is found by its keypoints."""
    image = load_image(data, WORKING_SIZE if reference else REPORTED_SIZE)
    return Prepared(image, reference=reference)


def _pdq_distance(reference_fp: dict, reported_fp: dict) -> tuple[int, str] | None:
    """Best PDQ distance of the pair (reported vs the reference and its mirror image), or None
    when either hash is too weak to go by (PDQ quality below pdq.MIN_QUALITY)."""
    if "pdq" not in reference_fp or "pdq" not in reported_fp:
        return None
    if min(reference_fp["pdq_quality"], reported_fp["pdq_quality"]) < pdq.MIN_QUALITY:
        return None
    straight = pdq.distance(reference_fp["pdq"], reported_fp["pdq"])
    mirrored = pdq.distance(reference_fp["pdq_mirrored"], reported_fp["pdq"])
    return (straight, "full") if straight <= mirrored else (mirrored, "mirrored")


def _pdq_verdict(distance: int) -> str:
    if distance <= pdq.MATCH_DISTANCE:
        return "match"
    return "possible" if distance <= PDQ_POSSIBLE_DISTANCE else "no_match"


def _keypoint_verdict(inliers: int) -> str:
    if inliers >= KEYPOINT_MATCH_INLIERS:
        return "match"
    return "possible" if inliers >= KEYPOINT_POSSIBLE_INLIERS else "no_match"


def _tile_region(variant: str, prepared: Prepared) -> dict | None:
    """The grid cell a tile variant names (e.g. ``tile3x3_r0c1``), in the reported image's
    stored pixels; mirrored tiles are mirrored back."""
    reported_name = variant.split(" / ")[0]
    mirrored = reported_name.startswith("mirrored_")
    name = reported_name.removeprefix("mirrored_")
    if not name.startswith("tile"):
        return None
    width, height = prepared.original_size
    box = _grid_boxes((width, height)).get(name)
    if box is None:
        return None
    left, top, right, bottom = box
    if mirrored:
        left, right = width - right, width - left
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def _scaled_region(box: tuple[int, int, int, int], prepared: Prepared) -> dict:
    """A box in the analysed image as {"x", "y", "width", "height"} in stored pixels."""
    analysed_w, analysed_h = prepared.features().size
    width, height = prepared.original_size
    sx, sy = width / analysed_w, height / analysed_h
    left, top = round(box[0] * sx), round(box[1] * sy)
    right, bottom = min(width, round(box[2] * sx)), min(height, round(box[3] * sy))
    return {"x": left, "y": top, "width": right - left, "height": bottom - top}


def match(references: list[Prepared], reported: Prepared, thresholds: Thresholds) -> MatchReport:
    """Compare a prepared reported image with prepared reference photos.

    Three stages, cheapest first; the strongest verdict wins and names its method:
    ``phash`` (pHash/dHash of the whole, mirrored, grid tiles and located crops, see compare
    above), ``pdq`` (whole image or its mirror, 256 bits) and, unless one of those is already
    a match, ``keypoints`` (the reference located in the reported image by keypoints and
    RANSAC, which survives hard crops, rotation, screenshots and collages). ``score`` is 0..1,
    higher is stronger, from the method that decided. ``region`` is where the reference sits in
    the reported image, in its stored pixels, for a partial match (a grid tile or a located
    reference); None when the whole image is the match or nothing matched.
    """
    if not references:
        raise ValueError("At least one reference photo is needed to compare against.")
    variant_images = _reported_variant_images(reported.image)
    reported_hashes = _reported_variants(reported.fingerprints)
    extra, cache = [], {}
    for prepared in references:
        target = _AlignmentTarget(_hash_image(prepared.image))
        ratio = prepared.image.width / target.gray.width
        extra.append(_aligned_candidates(target, variant_images, reported_hashes, ratio, cache))
    report = _report([p.fingerprints for p in references], reported.fingerprints, thresholds, extra)
    rank = VERDICT_ORDER.index
    # (verdict rank, -score, method, reference index, variant, region)
    candidates = [
        (
            rank(report.verdict),
            -max(0.0, 1 - report.distance / 32),
            "phash",
            report.best_reference_index,
            report.best_variant,
            _tile_region(report.best_variant, reported),
        )
    ]
    pdq_distances = []
    for index, prepared in enumerate(references):
        found = _pdq_distance(prepared.fingerprints, reported.fingerprints)
        pdq_distances.append(None if found is None else found[0])
        if found is not None:
            distance, variant = found
            candidates.append(
                (
                    rank(_pdq_verdict(distance)),
                    -max(0.0, 1 - distance / 128),
                    "pdq",
                    index,
                    f"pdq {variant} / reference",
                    None,
                )
            )
    inliers = [None] * len(references)
    if min(candidates)[0] > 0:  # no match yet: look for the photo inside the reported image
        for index, prepared in enumerate(references):
            for mirrored in (False, True):
                location = keypoints.locate(
                    prepared.features(mirrored), reported.features(), KEYPOINT_POSSIBLE_INLIERS
                )
                if location is None:
                    continue
                inliers[index] = max(inliers[index] or 0, location.inliers)
                candidates.append(
                    (
                        rank(_keypoint_verdict(location.inliers)),
                        -location.inliers / (location.inliers + 10),
                        "keypoints",
                        index,
                        f"keypoints{' mirrored' if mirrored else ''}: {location.inliers} pairs"
                        f", {location.angle:+.0f} deg",
                        _scaled_region(location.box, reported),
                    )
                )
    verdict_rank, negative_score, method, index, variant, region = min(
        candidates, key=lambda c: c[:2]
    )
    if region is not None and region == {
        "x": 0,
        "y": 0,
        "width": reported.original_size[0],
        "height": reported.original_size[1],
    }:
        region = None
    report.distances["pdq"] = pdq_distances
    report.distances["keypoint_inliers"] = inliers
    report.verdict = VERDICT_ORDER[verdict_rank]
    report.best_reference_index = index
    report.best_variant = variant[:50]
    report.score = round(-negative_score, 3)
    report.method = method if report.verdict != "no_match" else ""
    report.region = region if report.verdict != "no_match" else None
    return report


def compare(
    reference_images: list[bytes], reported_image: bytes, thresholds: Thresholds
) -> MatchReport:
    """Compare the reported image with each of the complainant's reference photos (see
    match()). Raise ValueError if there is no reference or an image cannot be decoded."""
    if not reference_images:
        raise ValueError("At least one reference photo is needed to compare against.")
    references = []
    for number, data in enumerate(reference_images, start=1):
        try:
            references.append(prepare(data, reference=True))
        except ValueError as exc:
            raise ValueError(f"Reference photo {number}: {exc}") from exc
    try:
        reported = prepare(reported_image, reference=False)
    except ValueError as exc:
        raise ValueError(f"Reported image: {exc}") from exc
    return match(references, reported, thresholds)


def _reported_variant_images(image: Image.Image) -> dict:
    gray = _hash_image(image)
    mirrored = ImageOps.mirror(gray)
    variants = {"full": gray, "mirrored": mirrored}
    for name, box in _grid_boxes(gray.size).items():
        variants[name] = gray.crop(box)
        variants[f"mirrored_{name}"] = mirrored.crop(box)
    return variants


# The staydown bank's hash: PDQ of the image and of its mirror image, from a copy decoded at
# about PDQ_SIZE px on its longest side (JPEG decodes reduced, see load_image): within a few bits
# of the hash of the full-size image, at a fraction of the cost.
PDQ_SIZE = 512


def pdq_fingerprint(data: bytes) -> dict:
    """{"pdq", "pdq_mirrored", "quality"} of image bytes; ValueError for people if unreadable."""
    image = load_image(data, PDQ_SIZE)
    straight, mirrored, quality = pdq.pdq_dihedral_mirror(np.asarray(image))
    return {"pdq": straight, "pdq_mirrored": mirrored, "quality": quality}

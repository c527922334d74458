"""Local features with geometric verification: finds a photo inside another picture.

Global hashes see the whole frame, so they lose a photo that was cropped hard, rotated, put in
a screenshot of a shop page or in a collage. Here both images are reduced to keypoints (SIFT:
corners and blobs with a descriptor of their surroundings, unchanged by scale and rotation);
descriptors are paired by nearest neighbour with Lowe's ratio test, and RANSAC keeps only the
pairs that agree on one similarity transform (scale, rotation, shift) from the reference to the
reported image. Many agreeing pairs are strong evidence of the same photo: unrelated pictures
produce a few chance pairs that agree on nothing. The transform also tells where the reference
sits in the reported image, the region drawn for the reviewer.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

# Keypoints kept per image (the strongest); more costs time for little recall.
MAX_FEATURES = 1000
# Lowe's ratio: a pair is kept only if its best neighbour is clearly better than the second.
RATIO = 0.8
# RANSAC: a pair agrees with a transform if it lands within this many pixels (of the reported
# image as analysed) of where the transform puts it.
REPROJECTION_PIXELS = 6.0
# A plausible repost scales the photo by this much at most either way.
MIN_SCALE, MAX_SCALE = 0.08, 8.0

_sift = None
_matcher = None


def _detector():
    global _sift, _matcher
    if _sift is None:
        cv2.setNumThreads(1)  # one comparison per worker process; threads only add overhead
        _sift = cv2.SIFT_create(nfeatures=MAX_FEATURES)
        _matcher = cv2.BFMatcher(cv2.NORM_L2)
    return _sift, _matcher


@dataclass
class Features:
    """Keypoint positions (n x 2, in the analysed image's pixels) and their descriptors."""

    points: np.ndarray
    descriptors: np.ndarray | None
    size: tuple[int, int]

    def __len__(self) -> int:
        return len(self.points)


@dataclass(frozen=True)
class Location:
    """Where a reference was found: ``inliers`` pairs agree on the transform; ``box`` is
    (left, top, right, bottom) in the reported image as analysed, clipped to it."""

    inliers: int
    candidates: int
    scale: float
    angle: float
    box: tuple[int, int, int, int]


def extract(gray: np.ndarray) -> Features:
    """Keypoints of a greyscale uint8 image (RootSIFT descriptors)."""
    sift, _ = _detector()
    keypoints, descriptors = sift.detectAndCompute(np.ascontiguousarray(gray), None)
    size = (gray.shape[1], gray.shape[0])
    if descriptors is None or len(keypoints) == 0:
        return Features(np.zeros((0, 2), np.float32), None, size)
    # RootSIFT (L1-normalise, square root): compares descriptors by Hellinger distance, which
    # pairs them more reliably than plain SIFT at no extra cost.
    descriptors = np.sqrt(descriptors / (descriptors.sum(axis=1, keepdims=True) + 1e-7))
    points = np.array([kp.pt for kp in keypoints], dtype=np.float32)
    return Features(points, descriptors.astype(np.float32), size)


def locate(reference: Features, reported: Features, min_inliers: int) -> Location | None:
    """The best similarity transform placing ``reference`` in ``reported``, or None when
    fewer than ``min_inliers`` keypoint pairs agree on any plausible one."""
    if len(reference) < min_inliers or len(reported) < 2:
        return None
    _, matcher = _detector()
    pairs = matcher.knnMatch(reference.descriptors, reported.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < min_inliers:
        return None
    source = reference.points[[m.queryIdx for m in good]]
    target = reported.points[[m.trainIdx for m in good]]
    matrix, mask = cv2.estimateAffinePartial2D(
        source,
        target,
        method=cv2.RANSAC,
        ransacReprojThreshold=REPROJECTION_PIXELS,
        maxIters=2000,
        confidence=0.995,
        refineIters=10,
    )
    if matrix is None:
        return None
    inlier = mask.ravel().astype(bool)
    # Count distinct places only: SIFT may put several keypoints on one spot, and a single
    # repeated spot agreeing with itself proves nothing.
    spots = np.unique(np.round(target[inlier] / 3), axis=0)
    inliers = min(int(inlier.sum()), len(spots))
    if inliers < min_inliers:
        return None
    scale = float(np.hypot(matrix[0, 0], matrix[1, 0]))
    if not MIN_SCALE <= scale <= MAX_SCALE:
        return None
    angle = float(np.degrees(np.arctan2(matrix[1, 0], matrix[0, 0])))
    width, height = reference.size
    corners = np.array([[0, 0, 1], [width, 0, 1], [0, height, 1], [width, height, 1]], float)
    placed = corners @ matrix.T
    rep_w, rep_h = reported.size
    left, top = np.clip(placed.min(axis=0), 0, [rep_w, rep_h])
    right, bottom = np.clip(placed.max(axis=0), 0, [rep_w, rep_h])
    if right - left < 8 or bottom - top < 8:
        return None
    box = (int(left), int(top), int(np.ceil(right)), int(np.ceil(bottom)))
    return Location(inliers, len(good), scale, angle, box)

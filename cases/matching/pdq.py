"""PDQ, the 256-bit perceptual hash used for industry hash sharing.

A PDQ hash is written as 64 hexadecimal digits, most significant bit first: the form hash-
sharing programmes exchange. Two copies of one photo are usually 0-20 bits apart; the usual
"same photo" cut-off is 31 bits; unrelated photos land around 128.
"""

from __future__ import annotations

import numpy as np
import pdqhash

BITS = 256
HEX_DIGITS = BITS // 4
# The cut-off hash-sharing programmes use for "the same photo".
MATCH_DISTANCE = 31
# PDQ's own quality score (0-100): below this the image is too flat (a blank, a gradient) for
# its hash to mean much, and the reference implementation advises not to match on it.
MIN_QUALITY = 50


def bits_to_hex(bits: np.ndarray) -> str:
    """A vector of 256 zeros and ones, first bit most significant, as 64 hex digits."""
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def hex_to_bytes(value: str) -> bytes:
    """Validate a PDQ hex string and return its 32 bytes; ValueError for people otherwise."""
    text = value.strip().lower() if isinstance(value, str) else ""
    if len(text) != HEX_DIGITS:
        raise ValueError(
            f"A PDQ hash is {HEX_DIGITS} hexadecimal digits; got {len(text)} characters."
        )
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise ValueError("A PDQ hash may contain only the digits 0-9 and a-f.") from None


def distance(a: str, b: str) -> int:
    """Hamming distance (0..256) between two PDQ hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def pdq(rgb: np.ndarray) -> tuple[str, int]:
    """(hex, quality) of an RGB uint8 array of shape (height, width, 3)."""
    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb))
    return bits_to_hex(bits), int(quality)


def pdq_with_mirror(rgb: np.ndarray) -> tuple[str, str, int]:
    """(hex of the image, hex of its mirror image, quality).

    The mirror image is the one reposts use (a selfie flipped to look different). It is hashed
    from the flipped pixels: PDQ's own eight-orientation shortcut lands some 15 bits away from
    that, half the matching budget."""
    hex_, quality = pdq(rgb)
    mirrored, _ = pdq(rgb[:, ::-1])
    return hex_, mirrored, quality


def pdq_dihedral_mirror(rgb: np.ndarray) -> tuple[str, str, int]:
    """(hex, mirror-image hex, quality) from one pass of PDQ's own eight-orientation transform:
    the way hash-sharing tools hash flips, at the cost of one hash. Its mirror hash lies some
    15 bits from the hash of flipped pixels (pdq_with_mirror, for one-off comparisons)."""
    vectors, quality = pdqhash.compute_dihedral(np.ascontiguousarray(rgb))
    # pdqhash's order: original, three rotations, then the flips; index 5 mirrors left-right.
    return bits_to_hex(vectors[0]), bits_to_hex(vectors[5]), int(quality)

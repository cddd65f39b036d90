"""The built-in image descriptor: the object's colour apart from the background, and its shape
by moments that do not change when the object moves or is scaled.

The background is the median colour of the border pixels; the object is every pixel farther
than ``tolerance`` from it in some channel. A unimodal labeller then reads the object's colour
without the object's size or position mixed in (a whole-image mean colour mixes them), and the
shape costs three numbers, the second-order moments (the object's ellipse of inertia: how
elongated and which way), instead of a raw thumbnail, whose pixels move with the object.

Every number beyond the colour is noise to a unimodal label that the colour carries, and a
cross-fitted logistic regression pays for each one. Chosen on the synthetic training rows, out
of fold (``bench/image_descriptor_variants.py``): the object's colour alone follows the colour
cue on 99.9% of them, with the second-order moments 98.5%, with the moments of orders 2 to 4
92.5%, with the object's share of the image 95.7%.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

TOLERANCE = 0.15  # of the [0, 1] channel range: JPEG noise stays background, a real edge does not
MOMENT_ORDERS = ((2, 0), (1, 1), (0, 2))  # (p, q) of the normalised central moments
FEATURES = (
    *(f"object_{c}" for c in "rgb"),
    *(f"background_{c}" for c in "rgb"),
    *(f"eta{p}{q}" for p, q in MOMENT_ORDERS),
)


def background_colour(rgb: np.ndarray) -> np.ndarray:
    """Median colour of the border pixels of an ``(h, w, 3)`` image."""
    border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])
    return np.median(border, axis=0)


def object_mask(rgb: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """Pixels whose colour differs from the background by more than ``tolerance`` in a channel."""
    return np.abs(rgb - background_colour(rgb)).max(axis=-1) > tolerance


def normalised_moments(
    mask: np.ndarray, orders: tuple[tuple[int, int], ...] = MOMENT_ORDERS
) -> np.ndarray:
    """Normalised central moments ``eta_pq`` of a binary mask for each ``(p, q)`` of
    ``orders``: central, so they ignore where the shape is; divided by
    ``area ** (1 + (p + q) / 2)``, so they ignore its size. Zeros for an empty mask."""
    area = mask.sum()
    if area == 0:
        return np.zeros(len(orders))
    rows, cols = np.nonzero(mask)
    dy, dx = rows - rows.mean(), cols - cols.mean()
    return np.array([(dx**p * dy**q).sum() / area ** (1 + (p + q) / 2) for p, q in orders])


def describe(rgb: np.ndarray, tolerance: float = TOLERANCE) -> np.ndarray:
    """:data:`FEATURES` of an ``(h, w, 3)`` image with values in [0, 1]: the object's mean
    colour (the background's where no pixel stands out), the background's colour and the
    object's shape moments."""
    background = background_colour(rgb)
    mask = object_mask(rgb, tolerance)
    colour = rgb[mask].mean(axis=0) if mask.any() else background
    return np.concatenate([colour, background, normalised_moments(mask)])


def image_features(path: str | Path) -> np.ndarray:
    """:func:`describe` of the image file at ``path`` (read as RGB)."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float64) / 255.0
    return describe(rgb).astype(np.float32)

"""Synthetic image-text dataset with a known interaction type per datapoint.

Each datapoint has a label ``y``, a colour cue in the image (x1) and a sentiment cue in the
sentence (x2). The interaction type decides which cues tell the truth:

- ``R``: both cues equal ``y`` (redundancy);
- ``U1`` / ``U2``: only the image's / the sentence's cue equals ``y`` (uniqueness);
- ``S``: both cues say ``1 - y`` (synergy): only the pair of views reveals the type, because the
  type is ``(shape + tone) mod 4`` from the image's shape and the sentence's tone phrase, each of
  which alone is uniform and carries no information about the type or the label.

With ``P(R) + P(U1) > 1/2`` and ``P(R) + P(U2) > 1/2`` a unimodal classifier follows its view's
cue, so the per-datapoint RUS partition can be checked against ``true_interaction``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, ImageDraw

from mmoe.datasets.splits import stratified_split

TYPES = ("R", "U1", "U2", "S")
SHAPES = ("circle", "square", "triangle", "diamond")
TONES = ("Honestly", "Apparently", "As usual", "Once again")
SUBJECTS = (
    "the movie",
    "my new phone",
    "this restaurant",
    "the concert",
    "the hotel room",
    "the meeting",
    "our flight",
    "the weather",
    "the new update",
    "the museum tour",
)
ADJECTIVES = {
    1: ("wonderful", "fantastic", "delightful", "excellent", "brilliant"),
    0: ("terrible", "awful", "dreadful", "horrible", "miserable"),
}
COLOURS = {1: (200, 40, 40), 0: (40, 60, 200)}


def cues(kind: str, y: int) -> tuple[int, int]:
    """Image and text cue values for an interaction type and label."""
    return {
        "R": (y, y),
        "U1": (y, 1 - y),
        "U2": (1 - y, y),
        "S": (1 - y, 1 - y),
    }[kind]


def draw_image(shape: str, cue: int, rng: np.random.Generator, size: int) -> Image.Image:
    """Draw one shape in the cue's colour, with jittered position, size and shade."""
    image = Image.new("RGB", (size, size), (245, 245, 245))
    draw = ImageDraw.Draw(image)
    base = np.array(COLOURS[cue])
    colour = tuple(int(v) for v in np.clip(base + rng.integers(-30, 31, 3), 0, 255))
    radius = size * rng.uniform(0.25, 0.4)
    cx, cy = rng.uniform(radius, size - radius, 2)
    box = (cx - radius, cy - radius, cx + radius, cy + radius)
    if shape == "circle":
        draw.ellipse(box, fill=colour)
    elif shape == "square":
        draw.rectangle(box, fill=colour)
    elif shape == "triangle":
        draw.polygon(
            [(cx, cy - radius), (cx - radius, cy + radius), (cx + radius, cy + radius)], fill=colour
        )
    else:
        draw.polygon(
            [(cx, cy - radius), (cx + radius, cy), (cx, cy + radius), (cx - radius, cy)],
            fill=colour,
        )
    return image


def synthetic_dataset(
    out_dir: str | Path,
    n: int,
    mixture: dict[str, float],
    split_fractions: dict[str, float],
    seed: int,
    image_size: int = 32,
) -> pd.DataFrame:
    """Generate ``n`` datapoints; write their PNGs under ``out_dir`` and return the table.

    ``x1`` holds each image's path as ``out_dir / name.png``, so a relative ``out_dir`` gives
    paths relative to the working directory (the workflow's root).
    """
    unknown = set(mixture) - set(TYPES)
    if unknown:
        raise ValueError(f"unknown interaction type(s) {sorted(unknown)} in mixture; use {TYPES}")
    weights = np.array([mixture.get(t, 0.0) for t in TYPES], dtype=float)
    if weights.min() < 0 or weights.sum() <= 0:
        raise ValueError(f"mixture {mixture} must have non-negative weights with a positive sum")
    weights /= weights.sum()
    rng = np.random.default_rng(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for index in range(n):
        kind_idx = int(rng.choice(len(TYPES), p=weights))
        kind = TYPES[kind_idx]
        y = int(rng.integers(2))
        shape_idx = int(rng.integers(4))
        tone_idx = (kind_idx - shape_idx) % 4
        cue1, cue2 = cues(kind, y)
        name = f"syn{index:05d}"
        image_path = out_dir / f"{name}.png"
        draw_image(SHAPES[shape_idx], cue1, rng, image_size).save(image_path)
        subject = SUBJECTS[int(rng.integers(len(SUBJECTS)))]
        adjective = ADJECTIVES[cue2][int(rng.integers(len(ADJECTIVES[cue2])))]
        rows.append(
            {
                "id": name,
                "x1": str(image_path),
                "x2": f"{TONES[tone_idx]}, {subject} was {adjective}.",
                "label": y,
                "true_interaction": kind,
            }
        )
    frame = pd.DataFrame(rows)
    strata = frame["label"].astype(str) + frame["true_interaction"]  # label and type
    try:
        frame["split"] = stratified_split(strata, split_fractions, seed)
    except ValueError as error:
        raise ValueError(f"synthetic data with n={n} and mixture {mixture}: {error}") from error
    return frame

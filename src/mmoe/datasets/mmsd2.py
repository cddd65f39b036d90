"""MMSD2.0 adapter: the tweet's image (x1) and text (x2).

``path`` holds ``train.json``, ``valid.json`` and ``test.json``, each a list of
``{"image_id", "text", "label"}``; images are ``{images_dir}/{image_id}.jpg`` (``images_dir``
defaults to ``{path}/images``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from mmoe.datasets.sources import mark_undecodable, read_text, records_frame

SPLIT_FILES = {"train": "train.json", "val": "valid.json", "test": "test.json"}
FIELDS = {"id": "image_id", "x2": "text", "label": "label"}


def _read_split(file: Path, split: str, images: Path) -> pd.DataFrame:
    text, bad_lines = read_text(file)
    try:
        records = json.loads(text)
    except ValueError as error:
        raise ValueError(f"{file}: {error}") from error
    if not isinstance(records, list):
        raise ValueError(f"{file}: expected a JSON list of tweets, got {type(records).__name__}")
    frame = records_frame(records, FIELDS)
    frame.insert(1, "split", split)
    frame.insert(2, "x1", str(images) + "/" + frame["id"].astype("str") + ".jpg")
    frame["source_file"] = file.name
    mark_undecodable(frame, bad_lines)
    return frame


def load_mmsd2(path: str | Path, images_dir: str | Path | None = None) -> pd.DataFrame:
    """Read the three split files into the normalised table (not yet validated)."""
    path = Path(path)
    images = Path(images_dir) if images_dir else path / "images"
    parts = [_read_split(path / name, split, images) for split, name in SPLIT_FILES.items()]
    return pd.concat(parts, ignore_index=True)

"""Frozen features of each view (rules: embed.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io


def embed_view(
    data: str | Path, view: str, kind: str, text_model: str | Path, out: str | Path
) -> None:
    """Frozen features of one view, aligned with ``data``'s rows."""
    from mmoe import features

    frame = pd.read_parquet(data)
    io.write_npy(features.view_features(frame[view].tolist(), kind, text_model), out)

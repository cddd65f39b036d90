"""Frozen features of each view (rules: embed.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io


def embed_view(
    data: str | Path,
    view: str,
    kind: str,
    text_model: str | Path,
    out: str | Path,
    image_encoder: str | Path | None = None,
    threads: int | None = None,
    text_dtype: str = "float32",
) -> None:
    """Frozen features of one view, aligned with ``data``'s rows (``image_encoder``: the image
    views' featurizer, :func:`mmoe.features.view_features`, None for the built-in descriptor; a
    text view's encoder runs on ``threads`` torch threads in ``text_dtype``, and an image view
    imports no torch)."""
    from mmoe import features

    frame = pd.read_parquet(data, columns=[view])
    encoder = image_encoder or features.DESCRIPTOR
    values = frame[view].tolist()
    io.write_npy(
        features.view_features(values, kind, text_model, encoder, threads, text_dtype), out
    )

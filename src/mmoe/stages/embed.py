"""Frozen features of each view (rules: embed.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io


def embed_view(
    *,
    data: str | Path,
    view: str,
    kind: str,
    text_encoder: str | Path,
    text_dtype: str,
    image_encoder: str | Path | None,
    features: str | Path,
    threads: int | None = None,
) -> None:
    """Frozen ``features`` of one view, aligned with ``data``'s rows (``image_encoder``: the
    image views' featurizer, :func:`mmoe.features.view_features`, None for the built-in
    descriptor; a text view's ``text_encoder`` runs on ``threads`` torch threads in
    ``text_dtype``, and an image view imports no torch)."""
    from mmoe.features import DESCRIPTOR, view_features

    frame = pd.read_parquet(data, columns=[view])
    encoder = image_encoder or DESCRIPTOR
    values = frame[view].tolist()
    io.write_npy(view_features(values, kind, text_encoder, encoder, threads, text_dtype), features)

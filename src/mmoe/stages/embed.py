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
    threads: int | None = None,
) -> None:
    """Frozen features of one view, aligned with ``data``'s rows (a text view's encoder runs on
    ``threads`` torch threads; an image view imports no torch)."""
    from mmoe import embed

    frame = pd.read_parquet(data, columns=[view])
    io.write_npy(embed.embed_view(frame[view].tolist(), kind, text_model, threads), out)

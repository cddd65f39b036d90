"""Sources to one validated table per dataset (rules: ingest.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io


def generate_synthetic(cfg: dict, out_dir: str | Path, seed: int) -> None:
    """Generate the synthetic source: PNGs and ``table.parquet`` in ``out_dir``."""
    from mmoe.datasets.synthetic import synthetic_dataset

    with io.atomic_path(out_dir) as tmp:
        images = Path(out_dir) / "images"
        frame = synthetic_dataset(
            tmp / "images", cfg["n"], cfg["mixture"], cfg["splits"], seed, cfg.get("image_size", 32)
        )
        frame["x1"] = [str(images / Path(p).name) for p in frame["x1"]]
        frame.to_parquet(tmp / "table.parquet", index=False)


def download(url: str, out: str | Path, sha256: str) -> Path:
    """Fetch a dataset's public source file, refusing it on a SHA-256 mismatch."""
    from mmoe.datasets.download import fetch

    return fetch(url, out, sha256)


def extract_frames(videos_dir: str | Path, out_dir: str | Path, frame: str | int) -> list[str]:
    """One frame per video into ``out_dir``; returns the problems of the videos skipped."""
    from mmoe.datasets.frames import frames_from_videos

    return list(frames_from_videos(videos_dir, out_dir, frame))


def ingest(
    name: str,
    cfg: dict,
    source: str | Path,
    out: str | Path,
    seed: int,
    dropped: str | Path | None = None,
) -> pd.DataFrame:
    """Adapt, validate and write a dataset's normalised table; nothing is written if invalid.

    ``dropped`` receives the report (id, line, reason) of rows dropped under ``on_invalid: drop``.
    """
    from mmoe.datasets import read_dataset

    frame, report = read_dataset(name, cfg, source, seed)
    io.write_parquet(frame, out)
    if dropped is not None:
        io.write_csv(report, dropped)
    return frame

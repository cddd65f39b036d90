"""Sources to one validated table per dataset (rules: ingest.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io


def generate_synthetic(*, cfg: dict, seed: int, source: str | Path) -> None:
    """Generate the synthetic source: PNGs and ``table.parquet`` in the folder ``source``."""
    from mmoe.datasets.synthetic import synthetic_dataset

    with io.atomic_path(source) as tmp:
        images = Path(source) / "images"
        frame = synthetic_dataset(
            tmp / "images", cfg["n"], cfg["mixture"], cfg["splits"], seed, cfg.get("image_size", 32)
        )
        frame["x1"] = [str(images / Path(p).name) for p in frame["x1"]]
        frame.to_parquet(tmp / "table.parquet", index=False)


def download(*, cfg: dict, file: str | Path) -> Path:
    """Fetch a dataset's public source ``file`` (``cfg``: its url and sha256), refusing it on a
    SHA-256 mismatch."""
    from mmoe.datasets.download import fetch

    path = fetch(cfg["url"], file, cfg["sha256"])
    print(f"fetched {path}")
    return path


def extract_frames(*, videos: str | Path, cfg: dict, frames: str | Path) -> list[str]:
    """One frame per video of the folder ``videos`` (``cfg["frame"]``: which) into ``frames``;
    returns (and prints) the problems of the videos skipped."""
    from mmoe.datasets.frames import frames_from_videos

    problems = list(frames_from_videos(videos, frames, cfg["frame"]))
    for problem in problems:
        print(f"skipped: {problem}")
    return problems


def ingest(
    *,
    dataset: str,
    cfg: dict,
    source: str | Path,
    seed: int,
    data: str | Path,
    dropped: str | Path | None = None,
) -> pd.DataFrame:
    """Adapt, validate and write a dataset's normalised table ``data``; nothing is written if
    invalid. ``dropped`` receives the report (id, line, reason) of rows dropped under
    ``on_invalid: drop``."""
    from mmoe.datasets import read_dataset

    frame, report = read_dataset(dataset, cfg, source, seed)
    io.write_parquet(frame, data)
    if dropped is not None:
        io.write_csv(report, dropped)
    print(frame.groupby(["split", "label"]).size().to_string())
    return frame

"""Dataset adapters: each maps a source to the normalised, validated datapoint table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe.datasets.frames import attach_frames
from mmoe.datasets.given_split import apply_given_split
from mmoe.datasets.mmsd2 import load_mmsd2
from mmoe.datasets.mustard import load_mustard
from mmoe.datasets.table import load_table
from mmoe.datasets.urfunny import load_urfunny
from mmoe.datasets.validate import NO_ROWS, DataValidationError, Problem, validate_rows
from mmoe.datasets.view_files import apply_view_files

__all__ = ["DataValidationError", "read_dataset"]


def _with_frames(frame: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """The utterance's frame as the image view when ``frames_dir`` is configured."""
    if cfg.get("frames_dir"):
        attach_frames(frame, cfg["frames_dir"])
    return frame


def _load_synthetic(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    return pd.read_parquet(source / "table.parquet")


def _load_mustard(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    options = {k: cfg[k] for k in ("test_show", "val_fraction", "x2_text") if k in cfg}
    return _with_frames(load_mustard(source, seed=seed, **options), cfg)


def _load_urfunny(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    return _with_frames(load_urfunny(source), cfg)


def _load_mmsd2(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    return load_mmsd2(source, cfg.get("images_dir"))


ADAPTERS = {
    "mmsd2": _load_mmsd2,
    "mustard": _load_mustard,
    "synthetic": _load_synthetic,
    "table": load_table,
    "urfunny": _load_urfunny,
}


def read_dataset(
    name: str, cfg: dict, source: str | Path, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read dataset ``name`` from ``source`` with its adapter and validate it.

    Returns the table and the report of rows dropped under ``on_invalid: drop``: every row read
    is in one or the other (checked). Raises :class:`DataValidationError` naming the file and rows
    on any invalid row otherwise.
    """
    fmt = cfg["format"]
    if fmt not in ADAPTERS:
        raise ValueError(f"dataset '{name}': unknown format {fmt!r}; known: {sorted(ADAPTERS)}")
    source = Path(source)
    if source.is_file() and source.stat().st_size == 0:
        raise DataValidationError(
            name, source, [Problem("table", f"the file is empty ({NO_ROWS})")]
        )
    frame = ADAPTERS[fmt](source, cfg, seed)
    if "given_split" in cfg:
        frame = apply_given_split(frame, name, cfg["given_split"])
    if "view_files" in cfg:
        frame = apply_view_files(frame, name, cfg["view_files"])
    columns = ["id", "split", "x1", "x2", "label"]
    frame = frame[columns + [c for c in frame.columns if c not in columns]]
    data, report = validate_rows(
        frame, name, source, cfg["views"], on_invalid=cfg.get("on_invalid", "fail")
    )
    if len(data) + len(report) != len(frame):
        raise RuntimeError(
            f"dataset '{name}': {len(frame)} rows read from {source}, but {len(data)} kept and "
            f"{len(report)} dropped: rows were lost"
        )
    return data, report

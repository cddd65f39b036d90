"""Dataset adapters: each maps a source to the normalised, validated datapoint table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe.datasets.mustard import load_mustard
from mmoe.datasets.validate import DataValidationError, validate

__all__ = ["DataValidationError", "load_dataset"]


def _load_synthetic(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    return pd.read_parquet(source / "table.parquet")


def _load_mustard(source: Path, cfg: dict, seed: int) -> pd.DataFrame:
    return load_mustard(source, cfg.get("test_show", "FRIENDS"), cfg.get("val_fraction", 0.2), seed)


ADAPTERS = {"mustard": _load_mustard, "synthetic": _load_synthetic}


def load_dataset(name: str, cfg: dict, source: str | Path, seed: int) -> pd.DataFrame:
    """Read dataset ``name`` from ``source`` with its adapter and validate it.

    Raises :class:`DataValidationError` naming the file and rows on any invalid row.
    """
    fmt = cfg["format"]
    if fmt not in ADAPTERS:
        raise ValueError(f"dataset '{name}': unknown format {fmt!r}; known: {sorted(ADAPTERS)}")
    frame = ADAPTERS[fmt](Path(source), cfg, seed)
    columns = ["id", "split", "x1", "x2", "label"]
    frame = frame[columns + [c for c in frame.columns if c not in columns]]
    return validate(frame, name, source, cfg["views"])

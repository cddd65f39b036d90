"""Loading a dataset's rows, features and captions, and turning rows into model examples."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mmoe.families import Examples

EVAL_SPLITS = ("val", "test")


@dataclass
class Views:
    """A dataset's table (with a ``caption_<view>`` column per captioned view), its features per
    view and the views' kinds (text / image)."""

    frame: pd.DataFrame
    features: dict[str, np.ndarray]
    kinds: dict[str, str]

    def examples(self, rows: np.ndarray, target: str | None = None) -> Examples:
        """The rows selected by the boolean mask ``rows`` as model examples."""
        index = np.flatnonzero(rows)
        picked = self.frame.iloc[index]
        examples = Examples.from_frame(
            picked, self.kinds, {v: f[index] for v, f in self.features.items()}, target
        )
        examples.captions = {
            view: picked[f"caption_{view}"].tolist()
            for view in self.kinds
            if f"caption_{view}" in picked.columns
        }
        return examples

    def split(self, *names: str) -> np.ndarray:
        """Mask of the rows in the splits ``names``."""
        return self.frame["split"].isin(names).to_numpy()


def load_views(
    data: str | Path,
    features: dict[str, str | Path],
    kinds: dict[str, str] | None = None,
    captions: dict[str, str | Path] | None = None,
) -> Views:
    """The data table, each view's features and, for captioned image views, their captions."""
    frame = pd.read_parquet(data)
    for view, path in (captions or {}).items():
        described = pd.read_parquet(path).set_index("id")["caption"]
        column = frame["id"].map(described)
        if column.isna().any():
            missing = frame.loc[column.isna(), "id"].tolist()
            raise ValueError(f"{path}: no caption for {len(missing)} row(s), e.g. {missing[:5]}")
        frame[f"caption_{view}"] = column
    arrays = {v: np.load(p) for v, p in features.items()}
    for view, array in arrays.items():
        if len(array) != len(frame):
            raise ValueError(
                f"{features[view]}: {len(array)} feature rows for {len(frame)} rows of {data}"
            )
    return Views(frame, arrays, dict(kinds or {}))

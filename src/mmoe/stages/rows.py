"""Loading a dataset's rows, features, unimodal outputs and captions, and turning rows into model
examples. Every reader of a features or unimodal file goes through :func:`read_features` or
:func:`read_unimodal`, which check the file against the data table it belongs to."""

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


UNIMODAL_COLUMNS = ("id", "p", "pred")


class IntermediateError(ValueError):
    """An intermediate file that does not match the data table it was made from."""

    def __init__(self, path: str | Path, data: str | Path, problem: str):
        super().__init__(
            f"{path} does not match {data}: {problem}; delete {path} so that it is made again"
        )


def load_npy(path: str | Path, data: str | Path) -> np.ndarray:
    """The array of the ``.npy`` intermediate ``path`` made from ``data``; an unreadable file is
    an :class:`IntermediateError`."""
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise IntermediateError(path, data, f"not a readable .npy file ({error})") from error


def read_features(
    path: str | Path, data: str | Path, rows: int, width: int | None = None
) -> np.ndarray:
    """A view's features (``.npy``), checked: readable, 2-D, finite, one row per row of
    ``data`` and, when given, ``width`` columns."""
    array = load_npy(path, data)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.number):
        shape = f"a {array.ndim}-D {array.dtype} array"
        raise IntermediateError(path, data, f"{shape}, not a 2-D array of numbers")
    if len(array) != rows:
        raise IntermediateError(path, data, f"{len(array)} feature rows for {rows} data rows")
    if width is not None and array.shape[1] != width:
        raise IntermediateError(
            path, data, f"{array.shape[1]} feature columns, the view's features have {width}"
        )
    if not np.isfinite(array).all():
        bad = int((~np.isfinite(array)).any(axis=1).sum())
        raise IntermediateError(path, data, f"{bad} feature row(s) hold NaN or infinite values")
    return array


def read_view_features(
    path: str | Path, data: str | Path, rows: int, view: str, kind: str, encoder: str | None
) -> np.ndarray:
    """:func:`read_features` of one view, its width checked when the ``encoder`` of its
    ``kind`` tells it (:func:`feature_widths`)."""
    width = feature_widths({view: kind}, {view: encoder}).get(view)
    return read_features(path, data, rows, width)


def read_unimodal(path: str | Path, data: str | Path, ids: pd.Series) -> pd.DataFrame:
    """A view's unimodal outputs (id, p, pred), checked: the data's ids in the data's order."""
    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as error:
        raise IntermediateError(path, data, f"not a readable parquet file ({error})") from error
    missing = [c for c in UNIMODAL_COLUMNS if c not in frame.columns]
    if missing:
        raise IntermediateError(path, data, f"no column(s) {', '.join(missing)}")
    if len(frame) != len(ids):
        raise IntermediateError(path, data, f"{len(frame)} rows for {len(ids)} data rows")
    differ = frame["id"].astype(str).to_numpy() != ids.astype(str).to_numpy()
    if differ.any():
        first = int(np.flatnonzero(differ)[0])
        raise IntermediateError(
            path,
            data,
            f"ids differ from row {first} on ({frame['id'].iloc[first]!r}, data has "
            f"{ids.iloc[first]!r}): not the data's rows in the data's order",
        )
    return frame


def feature_widths(
    kinds: dict[str, str] | None, encoders: dict[str, str] | None
) -> dict[str, int | None]:
    """Each view's expected feature width, from its kind and the encoder that made its features
    (:func:`mmoe.features.feature_width`); none without the encoders."""
    from mmoe.features import feature_width

    if not encoders:
        return {}
    return {view: feature_width(kind, encoders[view]) for view, kind in (kinds or {}).items()}


def load_views(
    data: str | Path,
    features: dict[str, str | Path],
    kinds: dict[str, str] | None = None,
    captions: dict[str, str | Path] | None = None,
    encoders: dict[str, str] | None = None,
) -> Views:
    """The data table, each view's features (checked; their width too when ``kinds`` and the
    ``encoders`` that made them are given) and, for captioned image views, their captions."""
    frame = pd.read_parquet(data)
    for view, path in (captions or {}).items():
        described = pd.read_parquet(path).set_index("id")["caption"]
        column = frame["id"].map(described)
        if column.isna().any():
            missing = frame.loc[column.isna(), "id"].tolist()
            raise ValueError(f"{path}: no caption for {len(missing)} row(s), e.g. {missing[:5]}")
        frame[f"caption_{view}"] = column
    widths = feature_widths(kinds, encoders)
    arrays = {v: read_features(p, data, len(frame), widths.get(v)) for v, p in features.items()}
    return Views(frame, arrays, dict(kinds or {}))

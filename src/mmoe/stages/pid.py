"""Partial information decomposition of each dataset (rules: pid.smk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import interactions, io
from mmoe.mixing import MMOE
from mmoe.stages.rows import IntermediateError, load_npy, read_view_features


def discretise_view(
    *,
    data: str | Path,
    view: str,
    kind: str,
    features: str | Path,
    seed: int,
    codes: str | Path,
    encoder: str | None = None,
) -> np.ndarray:
    """The k-means cluster of every row of one view's ``features`` (checked against ``data``;
    their width too with the ``encoder`` that made them), over all rows with
    :func:`mmoe.decomposition.default_k` clusters: the view's discrete values for
    :func:`dataset_pid`. A job of its own, so that it runs beside training, not after fusion."""
    from mmoe import decomposition

    rows = len(pd.read_parquet(data, columns=["id"]))
    array = read_view_features(features, data, rows, view, kind, encoder)
    result = decomposition.discretise(array, decomposition.default_k(rows), seed)
    io.write_npy(result, codes)
    return result


def read_codes(path: str | Path, data: str | Path, rows: int) -> np.ndarray:
    """A view's cluster codes (:func:`discretise_view`), checked: 1-D integers, one per row of
    ``data``."""
    array = load_npy(path, data)
    if array.ndim != 1 or not np.issubdtype(array.dtype, np.integer) or len(array) != rows:
        problem = f"a {array.ndim}-D {array.dtype} array of {len(array)} rows"
        raise IntermediateError(path, data, f"{problem}, not one cluster code per data row")
    return array


def dataset_pid(
    *,
    data: str | Path,
    x1: str | Path,
    x2: str | Path,
    typed: str | Path,
    families: list[str],
    predictions: list[str | Path],
    pid: str | Path,
) -> dict:
    """PID (bits) of the two views' cluster codes ``x1``, ``x2`` (:func:`discretise_view`) with:
    the gold label on all rows and on each interaction type's rows; and, per family of
    ``families`` with its fused ``predictions`` file, the single model's and the +MMoE
    predictions on the rows they cover (the thesis' model quantification). Returns (and writes
    to ``pid``) ``{subset: pid}``."""
    from mmoe import decomposition

    frame = pd.read_parquet(data, columns=["id", "label"])
    k = decomposition.default_k(len(frame))
    codes = [read_codes(path, data, len(frame)) for path in (x1, x2)]

    def decompose(index: np.ndarray, y) -> dict:
        return decomposition.codes_pid(codes[0][index], codes[1][index], y) | {"k1": k, "k2": k}

    label = frame["label"].to_numpy()
    types = frame["id"].map(pd.read_parquet(typed).set_index("id")["interaction"]).to_numpy()
    result = {"all rows": decompose(np.arange(len(frame)), label)}
    for interaction in interactions.INTERACTIONS:
        index = np.flatnonzero(types == interaction)
        if index.size:
            result[f"{interaction} rows"] = decompose(index, label[index])
    position = pd.Series(np.arange(len(frame)), index=frame["id"])
    for family, path in zip(families, predictions, strict=True):
        fused = pd.read_parquet(path)
        index = position[fused["id"]].to_numpy()
        for column, name in (("baseline", "single model"), (MMOE, "+MMoE")):
            result[f"{family} {name} predictions"] = decompose(index, fused[column])
    io.write_json(result, pid)
    return result

"""Partial information decomposition of each dataset (rules: pid.smk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import interactions, io
from mmoe.mixing import MMOE
from mmoe.stages.rows import load_views


def dataset_pid(
    *,
    data: str | Path,
    x1: str | Path,
    x2: str | Path,
    typed: str | Path,
    families: list[str],
    predictions: list[str | Path],
    seed: int,
    pid: str | Path,
    kinds: dict[str, str] | None = None,
    encoders: dict[str, str] | None = None,
) -> dict:
    """PID (bits) of the two views' features ``x1``, ``x2``, k-means-discretised once over all
    rows, with: the gold label on all rows and on each interaction type's rows; and, per family
    of ``families`` with its fused ``predictions`` file, the single model's and the +MMoE
    predictions on the rows they cover (the thesis' model quantification). Returns (and writes
    to ``pid``) ``{subset: pid}``. ``kinds`` and the ``encoders`` of the features let their
    widths be checked (:func:`load_views`)."""
    from mmoe import decomposition

    views = load_views(data, {"x1": x1, "x2": x2}, kinds, encoders=encoders)
    frame = views.frame
    k = decomposition.default_k(len(frame))
    codes = [decomposition.discretise(views.features[view], k, seed) for view in ("x1", "x2")]

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

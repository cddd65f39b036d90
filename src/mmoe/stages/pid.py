"""Partial information decomposition of each dataset (rules: pid.smk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import interactions, io
from mmoe.mixing import MMOE
from mmoe.stages.rows import load_views


def dataset_pid(
    data: str | Path,
    features: dict[str, str | Path],
    typed: str | Path,
    predictions: dict[str, str | Path],
    seed: int,
    out: str | Path,
    kinds: dict[str, str] | None = None,
    encoders: dict[str, str] | None = None,
) -> dict:
    """PID (bits) of the two views, k-means-discretised once over all rows, with: the gold label
    on all rows and on each interaction type's rows; and, per family in ``predictions`` (a fused
    predictions file), the single model's and the +MMoE predictions on the rows they cover (the
    thesis' model quantification). Returns (and writes) ``{subset: pid}``. ``kinds`` and the
    ``encoders`` of the features let their widths be checked (:func:`load_views`)."""
    from mmoe import decomposition

    views = load_views(data, features, kinds, encoders=encoders)
    frame = views.frame
    k = decomposition.default_k(len(frame))
    codes = [decomposition.discretise(views.features[view], k, seed) for view in ("x1", "x2")]

    def decompose(index: np.ndarray, y) -> dict:
        return decomposition.codes_pid(codes[0][index], codes[1][index], y) | {"k1": k, "k2": k}

    label = frame["label"].to_numpy()
    kinds = frame["id"].map(pd.read_parquet(typed).set_index("id")["interaction"]).to_numpy()
    result = {"all rows": decompose(np.arange(len(frame)), label)}
    for kind in interactions.INTERACTIONS:
        index = np.flatnonzero(kinds == kind)
        if index.size:
            result[f"{kind} rows"] = decompose(index, label[index])
    position = pd.Series(np.arange(len(frame)), index=frame["id"])
    for family, path in predictions.items():
        fused = pd.read_parquet(path)
        index = position[fused["id"]].to_numpy()
        for column, name in (("baseline", "single model"), (MMOE, "+MMoE")):
            result[f"{family} {name} predictions"] = decompose(index, fused[column])
    io.write_json(result, out)
    return result

"""How a view's answers become labels, decided once all its rows are labeled (at the gather).

``answer`` (default, the paper's): the model's own answer, Yes or No, as parsed; ``argmax``:
Yes when P(Yes) >= P(No) over the answer tokens' logprobs; ``train_positive_rate``: Yes when
P(Yes) reaches the threshold at which the training split's predicted positive rate equals its
gold positive rate (for weak, poorly calibrated models; chosen on the training split only).
The two P(Yes) rules keep the parsed answer where P(Yes) is unknown (NaN).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DECISIONS = ("answer", "argmax", "train_positive_rate")


def train_rate_threshold(p: np.ndarray, gold: np.ndarray) -> float:
    """The P(Yes) threshold at which the share of ``p >= threshold`` matches ``gold``'s: the
    k-th highest P(Yes), k being the number of gold positives (infinite when there are none)."""
    if not len(p):
        raise ValueError("no training row has a P(Yes) to choose a threshold from")
    k = int(gold.sum())
    return float(np.sort(p)[::-1][k - 1]) if k else np.inf


def decide(frame: pd.DataFrame, data: pd.DataFrame, decision: str = "answer") -> pd.DataFrame:
    """``frame`` (id, p, pred) with ``pred`` set by ``decision``, using ``data``'s training rows
    (id, split, label) for ``train_positive_rate``. ``attrs`` record the decision and threshold
    (NaN for ``answer``) for the labeling summary."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown labeling decision {decision!r}; known: {list(DECISIONS)}")
    out = frame.copy()
    threshold = np.nan
    if decision != "answer":
        rows = data.set_index("id").loc[frame["id"]]
        p = frame["p"].to_numpy(dtype=float)
        known = np.isfinite(p)
        threshold = 0.5
        if decision == "train_positive_rate":
            train = known & (rows["split"] == "train").to_numpy()
            threshold = train_rate_threshold(p[train], rows["label"].to_numpy()[train])
        out["pred"] = np.where(known, p >= threshold, frame["pred"]).astype("int64")
    out.attrs = {"decision": decision, "threshold": threshold}
    return out

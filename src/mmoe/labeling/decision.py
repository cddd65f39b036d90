"""How a view's answers become labels, decided once all its rows are labeled (at the gather, or
after the classifier backend's cross-fitting).

``answer`` (default, the paper's): the backend's own label (a chat model's parsed Yes or No; the
classifier's P(y=1) >= 0.5); ``argmax``: Yes when P(Yes) >= P(No) over the answer tokens'
logprobs; ``train_positive_rate``: Yes when P(Yes) reaches the threshold at which the training
split's predicted positive rate equals its gold positive rate (for weak, poorly calibrated models;
chosen on the training split only). The two P(Yes) rules keep the parsed answer where P(Yes) is
unknown (NaN).

Then the authors' positive-rate clamp (``bound``, 0.2 in their code): in each split, when fewer
than ``bound`` of the labels are positive, the top ``bound`` share by P(Yes) become the positives
and the rest negatives; above ``1 - bound``, the top ``1 - bound`` share. It keeps a labeller on
an imbalanced dataset from labeling every row alike (which would make the partition the label).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.labeling.base import UNPARSED

DECISIONS = ("answer", "argmax", "train_positive_rate")


def train_rate_threshold(p: np.ndarray, gold: np.ndarray) -> float:
    """The P(Yes) threshold at which the share of ``p >= threshold`` matches ``gold``'s: the
    k-th highest P(Yes), k being the number of gold positives (infinite when there are none)."""
    if not len(p):
        raise ValueError("no training row has a P(Yes) to choose a threshold from")
    k = int(gold.sum())
    return float(np.sort(p)[::-1][k - 1]) if k else np.inf


def clamp_positive_rate(p: np.ndarray, pred: np.ndarray, bound: float) -> np.ndarray:
    """``pred`` with the positive-rate clamp applied over the parsed rows whose P(Yes) ``p`` is
    known (the others keep their label): below ``bound`` positives, the ``int(n * bound)`` rows of
    highest ``p`` are the positives; above ``1 - bound``, the ``int(n * (1 - bound))`` highest.
    Unchanged inside the bounds, for ``bound`` 0, or with no known ``p``."""
    p, out = np.asarray(p, float), np.asarray(pred).copy()
    known = np.flatnonzero(np.isfinite(p) & (out != UNPARSED))
    if not bound or not len(known):
        return out
    rate = float(np.mean(out[known] == 1))
    if bound <= rate <= 1 - bound:
        return out
    share = bound if rate < bound else 1 - bound
    order = known[np.argsort(-p[known], kind="stable")]
    out[known] = 0
    out[order[: int(len(known) * share)]] = 1
    return out


def decide(frame: pd.DataFrame, data: pd.DataFrame, decision: str, bound: float) -> pd.DataFrame:
    """``frame`` (id, p, pred) with ``pred`` set by ``decision``, using ``data``'s training rows
    (id, split, label) for ``train_positive_rate``, then clamped to ``bound`` in each split of
    ``data``. ``attrs`` record the decision, its threshold (NaN for ``answer``), the bound and
    the splits the clamp changed, for the labeling summary."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown labeling decision {decision!r}; known: {list(DECISIONS)}")
    if not 0 <= bound < 0.5:
        raise ValueError(f"the positive-rate bound must be in [0, 0.5); got {bound}")
    out = frame.copy()
    rows = data.set_index("id").loc[frame["id"]]
    p = frame["p"].to_numpy(dtype=float)
    threshold = np.nan
    if decision != "answer":
        known = np.isfinite(p)
        threshold = 0.5
        if decision == "train_positive_rate":
            train = known & (rows["split"] == "train").to_numpy()
            threshold = train_rate_threshold(p[train], rows["label"].to_numpy()[train])
        out["pred"] = np.where(known, p >= threshold, frame["pred"]).astype("int64")
    clamped = []
    pred = out["pred"].to_numpy().copy()
    for split in pd.unique(rows["split"]):
        mask = (rows["split"] == split).to_numpy()
        new = clamp_positive_rate(p[mask], pred[mask], bound)
        if not np.array_equal(new, pred[mask]):
            clamped.append(str(split))
        pred[mask] = new
    out["pred"] = pred.astype("int64")
    out.attrs = {
        "decision": decision,
        "threshold": threshold,
        "positive_rate_bound": bound,
        "clamped": clamped,
    }
    return out

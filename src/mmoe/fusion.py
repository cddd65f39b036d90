"""Fusing the interaction experts' outputs into one prediction per datapoint.

All strategies mix the experts' class probabilities (softmax of their logits):

- ``model``: per-row weights from the fuser (softmax of its R/U/S logits);
- ``average``: equal weights;
- ``weighted_fixed``: fixed weights (the paper's R=0.2, U=0.5, S=0.3);
- ``weighted_frequency``: weights equal to the training shares of R, U and S;
- ``cascaded``: the mean of the R and U experts, unless its confidence (max probability) is below
  a threshold tuned on the validation split, in which case the S expert decides;
- ``oracle``: the row's own interaction type (computed with its gold label) picks the expert:
  an upper bound, not a usable method.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.interactions import INTERACTIONS
from mmoe.metrics import selection_f1

CASCADE_GRID = np.round(np.arange(0.5, 1.0001, 0.025), 3)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def mix(expert_probs: dict[str, np.ndarray], weights: np.ndarray) -> np.ndarray:
    """Weighted sum of the experts' probabilities; ``weights`` is (3,) or (n, 3) over R, U, S."""
    stacked = np.stack([expert_probs[k] for k in INTERACTIONS], axis=1)  # (n, 3, classes)
    weights = np.broadcast_to(np.asarray(weights, float), stacked.shape[:2])
    weights = weights / weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkc->nc", weights, stacked)


def cascade(expert_probs: dict[str, np.ndarray], threshold: float) -> np.ndarray:
    """R and U experts first; the S expert where their mean confidence is below ``threshold``."""
    first = (expert_probs["R"] + expert_probs["U"]) / 2
    unsure = first.max(axis=1) < threshold
    return np.where(unsure[:, None], expert_probs["S"], first)


def tune_cascade(expert_probs: dict[str, np.ndarray], labels: np.ndarray) -> float:
    """The grid threshold with the best validation F1 (the smallest one on ties)."""
    n_classes = expert_probs["R"].shape[1]
    scores = [
        selection_f1(labels, cascade(expert_probs, t).argmax(1), n_classes) for t in CASCADE_GRID
    ]
    return float(CASCADE_GRID[int(np.argmax(scores))])


def oracle(expert_probs: dict[str, np.ndarray], interaction: np.ndarray) -> np.ndarray:
    """Each row's probabilities from the expert of its own interaction type."""
    out = np.empty_like(expert_probs["R"])
    for kind in INTERACTIONS:
        rows = np.asarray(interaction) == kind
        out[rows] = expert_probs[kind][rows]
    return out


def fuse(
    rows: pd.DataFrame,
    expert_logits: dict[str, np.ndarray],
    baseline_logits: np.ndarray,
    fuser_logits: np.ndarray,
    fixed_weights: dict[str, float],
    frequency_weights: dict[str, float],
) -> tuple[pd.DataFrame, dict]:
    """Predicted labels of every strategy for ``rows`` (id, split, label, interaction).

    Returns the predictions (one column per method) and the fitted settings (cascade threshold,
    weights used).
    """
    probs = {k: softmax(v) for k, v in expert_logits.items()}
    is_val = (rows["split"] == "val").to_numpy()
    threshold = tune_cascade(
        {k: v[is_val] for k, v in probs.items()}, rows["label"].to_numpy()[is_val]
    )
    fixed = np.array([fixed_weights[k] for k in INTERACTIONS])
    frequency = np.array([frequency_weights[k] for k in INTERACTIONS])
    fused = {
        "baseline": softmax(baseline_logits),
        "model": mix(probs, softmax(fuser_logits)),
        "average": mix(probs, np.ones(len(INTERACTIONS))),
        "weighted_fixed": mix(probs, fixed),
        "weighted_frequency": mix(probs, frequency),
        "cascaded": cascade(probs, threshold),
        "oracle": oracle(probs, rows["interaction"].to_numpy()),
        **{f"expert_{k}": probs[k] for k in INTERACTIONS},
    }
    predictions = rows[["id", "split"]].copy()
    for method, p in fused.items():
        predictions[method] = p.argmax(axis=1)
    settings = {
        "cascade_threshold": threshold,
        "weights_fixed": dict(zip(INTERACTIONS, fixed.tolist(), strict=True)),
        "weights_frequency": dict(zip(INTERACTIONS, frequency.tolist(), strict=True)),
    }
    return predictions.reset_index(drop=True), settings


def frequency_weights(assignment: pd.DataFrame) -> dict[str, float]:
    """Shares of R, U and S among a scheme's training rows."""
    shares = assignment["interaction"].value_counts(normalize=True)
    return {k: float(shares.get(k, 0.0)) for k in INTERACTIONS}

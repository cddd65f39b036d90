"""Fusing the interaction experts' outputs into one prediction per datapoint.

All strategies mix the experts' class probabilities (softmax of their logits). The experts are
one per type of an expert set (``R``/``U``/``S``, or the short paper's five types):

- ``model``: per-row weights from the fuser (softmax of its type logits); ``model_hard``: the
  fuser's most likely type picks one expert;
- ``model_agreement``: the fuser's weights restricted to the types that the row's unimodal
  outputs allow whatever its label (RUS: ``U`` where the views disagree, ``R``/``S`` where they
  agree), renormalised; ``model_agreement_hard``: its most likely type picks one expert;
- ``proxy``: label-free routing (short paper, section 2.3): each row is typed from its unimodal
  predictions with the single model's prediction standing in for the label, and that type's
  expert decides; ``proxy_soft``: the expert weights are the type's probability when the proxy
  label is drawn from the single model's class probabilities;
- ``average``: equal weights;
- ``weighted_fixed``: fixed weights (the paper's R=0.2, U=0.5, S=0.3; a five-type expert gets
  the weight of its R/U/S class);
- ``weighted_frequency``: weights equal to the training shares of the types;
- ``cascaded``: the mean of the redundancy and uniqueness experts, unless its confidence (max
  probability) is below a threshold tuned on the validation split, in which case the mean of
  the synergy experts decides;
- ``oracle``: the row's own type (computed with its gold label) picks the expert: an upper
  bound, not a usable method.

``mmoe`` (+MMoE, the method) is one label-free router: by default, per fused run, the one with
the best validation F1 (``ROUTERS`` order breaks ties), or a fixed one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.interactions import FIVE_TO_RUS, expert_set_of, proxy_types
from mmoe.metrics import selection_f1

CASCADE_GRID = np.round(np.arange(0.5, 1.0001, 0.025), 3)
# The label-free routers, in tie-break order, and the model each runs beside the experts.
ROUTERS = {
    "model": "fuser",
    "model_hard": "fuser",
    "model_agreement": "fuser",
    "model_agreement_hard": "fuser",
    "proxy": "single model",
    "proxy_soft": "single model",
}
SELECTED = "validation"  # the fusion.method choosing the router on validation F1
MMOE = "mmoe"  # the prediction column of +MMoE


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def mix(
    expert_probs: dict[str, np.ndarray], weights: np.ndarray, normalise: bool = True
) -> np.ndarray:
    """Weighted sum of the experts' probabilities; ``weights`` is (k,) or (n, k) over the
    experts in ``expert_probs``' order, normalised to sum to 1 per row unless ``normalise`` is
    false (raw fuser outputs as weights, as the authors' June 2024 script uses them)."""
    stacked = np.stack(list(expert_probs.values()), axis=1)  # (n, k, classes)
    weights = np.broadcast_to(np.asarray(weights, float), stacked.shape[:2])
    if normalise:
        weights = weights / weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkc->nc", weights, stacked)


def one_hot(types: np.ndarray, order: list[str]) -> np.ndarray:
    """(n, k) indicator of each row's type among ``order``."""
    return (np.asarray(types)[:, None] == np.asarray(order)[None, :]).astype(float)


def rus_class(expert: str) -> str:
    """``R``, ``U`` or ``S``: the class of an expert of either expert set."""
    return FIVE_TO_RUS.get(expert, expert)


CASCADE_RULES = ("mean", "most_confident")


def cascade(
    expert_probs: dict[str, np.ndarray], threshold: float, rule: str = "mean"
) -> np.ndarray:
    """Redundancy and uniqueness experts first, the synergy experts where they are unsure.
    ``mean``: the first experts' mean decides unless its confidence (max probability) is below
    ``threshold``; ``most_confident`` (the authors' script): where every first expert's
    confidence exceeds ``threshold``, the most confident of them decides."""
    if rule not in CASCADE_RULES:
        raise ValueError(f"unknown cascade rule {rule!r}; known: {list(CASCADE_RULES)}")
    first = np.stack([p for k, p in expert_probs.items() if rus_class(k) != "S"])
    synergy = np.mean([p for k, p in expert_probs.items() if rus_class(k) == "S"], axis=0)
    confidence = first.max(axis=2)  # (experts, n)
    if rule == "mean":
        decided = first.mean(axis=0)
        unsure = decided.max(axis=1) < threshold
    else:
        last = len(first) - 1 - confidence[::-1].argmax(axis=0)  # ties: the later (U), as theirs
        decided = first[last, np.arange(first.shape[1])]
        unsure = ~(confidence > threshold).all(axis=0)
    return np.where(unsure[:, None], synergy, decided)


def tune_cascade(
    expert_probs: dict[str, np.ndarray], labels: np.ndarray, rule: str = "mean"
) -> float:
    """The grid threshold with the best validation F1 (the smallest one on ties)."""
    n_classes = next(iter(expert_probs.values())).shape[1]
    scores = [
        selection_f1(labels, cascade(expert_probs, t, rule).argmax(1), n_classes)
        for t in CASCADE_GRID
    ]
    return float(CASCADE_GRID[int(np.argmax(scores))])


def oracle(expert_probs: dict[str, np.ndarray], types: np.ndarray) -> np.ndarray:
    """Each row's probabilities from the expert of its own type."""
    return mix(expert_probs, one_hot(types, list(expert_probs)) + 1e-12)


def label_free_types(rows: pd.DataFrame, experts: list[str], gamma: float) -> np.ndarray:
    """(2, n, k): each row's type, one-hot over ``experts``, were its label 0 and were it 1,
    from its unimodal outputs alone (:func:`mmoe.interactions.proxy_types`)."""
    kinds = expert_set_of(experts)
    return np.stack(
        [one_hot(proxy_types(rows, np.full(len(rows), y), kinds, gamma), experts) for y in (0, 1)]
    )


def proxy_weights(typed: np.ndarray, p_positive: np.ndarray) -> np.ndarray:
    """Label-free routing: each row's probability of each type (``typed``:
    :func:`label_free_types`) when its label is drawn with P(y = 1) = ``p_positive``."""
    p = np.asarray(p_positive, float)[:, None]
    return p * typed[1] + (1 - p) * typed[0]


def routers(
    rows: pd.DataFrame,
    fuser_logits: np.ndarray,
    baseline_logits: np.ndarray,
    experts: list[str],
    gamma: float,
    fuser_weights: str = "softmax",
) -> dict[str, np.ndarray]:
    """Per-row expert weights (n, k) of every label-free router, soft and hard; the fuser's
    weights are the softmax of its logits, or its ``raw`` outputs (left unnormalised). The
    proxies route by the single model (``baseline_logits``, binary): its prediction, or its
    probability of class 1."""
    experts_arr = np.asarray(experts)
    fuser = softmax(fuser_logits) if fuser_weights == "softmax" else np.asarray(fuser_logits)
    baseline = softmax(baseline_logits)
    typed = label_free_types(rows, experts, gamma)
    allowed = fuser * typed.any(axis=0)
    if fuser_weights == "softmax":
        allowed = (allowed + 1e-12) / (allowed + 1e-12).sum(axis=1, keepdims=True)
    routed = {
        "model": fuser,
        "model_hard": one_hot(experts_arr[fuser.argmax(1)], experts),
        "model_agreement": allowed,
        "model_agreement_hard": one_hot(experts_arr[allowed.argmax(1)], experts),
        "proxy": proxy_weights(typed, baseline.argmax(1)),
        "proxy_soft": proxy_weights(typed, baseline[:, 1]),
    }
    return {name: routed[name] for name in ROUTERS}


class NoValidationRows(ValueError):
    """A choice made on validation rows, for models whose logits cover none."""


def select_router(predictions: pd.DataFrame, labels: np.ndarray, method: str) -> tuple[str, dict]:
    """The router of +MMoE and every router's validation F1 (None without validation rows):
    ``method`` itself, or for ``validation`` the router with the best validation F1 (the first
    in ``ROUTERS`` on ties)."""
    is_val = (predictions["split"] == "val").to_numpy()
    scores = {
        name: 100 * selection_f1(labels[is_val], predictions[name].to_numpy()[is_val], 2)
        if is_val.any()
        else None
        for name in ROUTERS
    }
    if method == SELECTED:
        if not is_val.any():
            raise NoValidationRows(
                "the models' logits cover no validation row, so +MMoE's router cannot be chosen "
                f"on validation F1: set fusion.method to one of {', '.join(ROUTERS)}"
            )
        return max(scores, key=scores.get), scores
    if method not in ROUTERS:
        raise ValueError(f"unknown fusion method {method!r}; known: {SELECTED}, {list(ROUTERS)}")
    return method, scores


def strategy_predictions(
    rows: pd.DataFrame,
    expert_logits: dict[str, np.ndarray],
    baseline_logits: np.ndarray,
    routed: dict[str, np.ndarray],
    fixed_weights: dict[str, float],
    frequency_weights: dict[str, float],
    method: str = SELECTED,
    cascade_threshold: float | str = SELECTED,
    combine: str = "probabilities",
    cascade_rule: str = "mean",
    fuser_weights: str = "softmax",
) -> tuple[pd.DataFrame, dict]:
    """Predicted labels of every strategy for ``rows`` (id, split, label, ``type``: the row's
    own type in the expert set, and the unimodal ``y1``, ``y2``, ``p1``, ``p2``).

    ``cascade_threshold``: a number, or ``validation`` (tuned on the validation rows; without
    any, the cascade is not available and has no column). ``combine``: what the average and
    weighted strategies mix, the experts' ``probabilities`` or their raw ``logits``;
    ``cascade_rule``: :func:`cascade`; ``fuser_weights``: that of ``routed`` (:func:`routers`;
    ``raw``: the routers' weights mix the experts unnormalised).

    ``expert_logits`` holds one expert per type, in the fuser's class order. Returns the
    predictions (one column per method, ``mmoe`` the router that ``method`` names or, for
    ``validation``, selects) and the fitted settings (cascade threshold, weights, the router of
    +MMoE and every router's validation F1).
    """
    experts = list(expert_logits)
    probs = {k: softmax(v) for k, v in expert_logits.items()}
    baseline = softmax(baseline_logits)
    is_val = (rows["split"] == "val").to_numpy()
    threshold = cascade_threshold
    if threshold == SELECTED and is_val.any():
        threshold = tune_cascade(
            {k: v[is_val] for k, v in probs.items()}, rows["label"].to_numpy()[is_val], cascade_rule
        )
    fixed = np.array([fixed_weights[rus_class(k)] for k in experts])
    frequency = np.array([frequency_weights.get(k, 0.0) for k in experts])
    averaged = probs if combine == "probabilities" else expert_logits
    normalise = fuser_weights == "softmax"
    fused = {
        "baseline": baseline,
        **{name: mix(probs, weights, normalise) for name, weights in routed.items()},
        "average": mix(averaged, np.ones(len(experts))),
        "weighted_fixed": mix(averaged, fixed),
        "weighted_frequency": mix(averaged, frequency),
        "cascaded": None if threshold == SELECTED else cascade(probs, threshold, cascade_rule),
        "oracle": oracle(probs, rows["type"].to_numpy()),
        **{f"expert_{k}": probs[k] for k in experts},
    }
    not_available = sorted(name for name, p in fused.items() if p is None)
    fused = {name: p for name, p in fused.items() if p is not None}
    predictions = rows[["id", "split"]].copy()
    for name, p in fused.items():
        predictions[name] = p.argmax(axis=1)
    router, val_f1 = select_router(predictions, rows["label"].to_numpy(), method)
    predictions[MMOE] = predictions[router]
    settings = {
        "mmoe_router": router,
        "router_fixed": method != SELECTED,
        "not_available": not_available,
        "router_val_f1": val_f1,
        "cascade_threshold": threshold,
        "weights_fixed": dict(zip(experts, fixed.tolist(), strict=True)),
        "weights_frequency": dict(zip(experts, frequency.tolist(), strict=True)),
    }
    return predictions.reset_index(drop=True), settings


def frequency_weights(assignment: pd.DataFrame) -> dict[str, float]:
    """Shares of each type among a scheme's training rows."""
    shares = assignment["interaction"].value_counts(normalize=True)
    return {k: float(v) for k, v in shares.items()}

"""The families' training loss: cross-entropy or focal loss, optional class weights, on hard
targets (class indices) or soft ones (a probability per class, e.g. the fuser's soft types).

Per row, ``-sum_k w_k q_k (1 - p_k)^gamma log p_k`` with ``q`` the target distribution (one-hot
for a class index), ``p`` the softmax of the logits, ``w`` the class weights (1 without) and
``gamma`` 0 for cross-entropy; the loss is its mean over the rows. With hard targets and no
weights, focal loss is the authors' fuser loss (alpha 1) and, at gamma 0, cross-entropy.
"""

from __future__ import annotations

import numpy as np

LOSSES = ("cross_entropy", "focal")
CLASS_WEIGHTS = ("none", "balanced")
DEFAULT_LOSS = {"loss": "cross_entropy", "focal_gamma": 2.0, "class_weights": "none"}


def target_distribution(targets: np.ndarray, n_classes: int) -> np.ndarray:
    """``targets`` as one probability row per example (class indices become one-hot)."""
    targets = np.asarray(targets)
    if targets.ndim == 2:
        return targets.astype(np.float32)
    return np.eye(n_classes, dtype=np.float32)[targets.astype(int)]


def class_weights(targets: np.ndarray, n_classes: int, kind: str) -> np.ndarray | None:
    """``balanced``: ``n / (n_classes * n_k)`` for class k's (soft) count n_k (0 for a class
    without rows); ``none``: None."""
    if kind not in CLASS_WEIGHTS:
        raise ValueError(f"unknown class weights {kind!r}; known: {list(CLASS_WEIGHTS)}")
    if kind == "none":
        return None
    counts = target_distribution(targets, n_classes).sum(0)
    safe = np.where(counts > 0, counts, 1.0)
    return np.where(counts > 0, counts.sum() / (n_classes * safe), 0.0).astype(np.float32)


def loss_function(hp: dict, train_targets: np.ndarray, n_classes: int):
    """A callable ``(logits, targets) -> loss`` from ``hp``'s ``loss``, ``focal_gamma`` and
    ``class_weights`` (defaults :data:`DEFAULT_LOSS`); ``targets`` as :func:`target_tensor`."""
    import torch

    spec = {**DEFAULT_LOSS, **{k: hp[k] for k in DEFAULT_LOSS if k in hp}}
    if spec["loss"] not in LOSSES:
        raise ValueError(f"unknown loss {spec['loss']!r}; known: {list(LOSSES)}")
    gamma = float(spec["focal_gamma"]) if spec["loss"] == "focal" else 0.0
    weights = class_weights(train_targets, n_classes, spec["class_weights"])
    weight_tensor = None if weights is None else torch.as_tensor(weights)

    def loss(logits, targets):
        return focal_loss(logits, targets, gamma, weight_tensor)

    return loss


def target_tensor(targets: np.ndarray):
    """Class indices as a long tensor; soft targets (one row per example) as a float tensor."""
    import torch

    targets = np.asarray(targets)
    if targets.ndim == 2:
        return torch.as_tensor(targets, dtype=torch.float32)
    return torch.as_tensor(targets, dtype=torch.long)


def focal_loss(logits, targets, gamma: float = 0.0, weights=None):
    """The mean over rows of ``-sum_k w_k q_k (1 - p_k)^gamma log p_k`` (module docstring)."""
    import torch

    log_p = torch.log_softmax(logits.float(), dim=1)
    if targets.dim() == 1:
        q = torch.nn.functional.one_hot(targets, logits.shape[1]).to(log_p.dtype)
    else:
        q = targets.to(log_p.dtype)
    terms = q * log_p
    if gamma:
        terms = terms * (1 - log_p.exp()).pow(gamma)
    if weights is not None:
        terms = terms * weights.to(log_p.device, log_p.dtype)
    return -terms.sum(1).mean()

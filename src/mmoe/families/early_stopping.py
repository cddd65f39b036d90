"""Model selection shared by the training loops (``mlp`` and the LoRA families): the best epoch
by validation (:func:`mmoe.metrics.selection_key`: F1, one-class epochs last; the first best on
ties), the patience rule and the run summary.

The state is a plain dict (``best_key``, ``best_epoch``, ``best``, ``best_record``), so that a
loop that checkpoints can save and resume it with the rest of its state.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mmoe.metrics import selection_key, selection_record


def new_selection() -> dict:
    """The selection before any epoch: nothing best yet."""
    return {"best_key": (False, -1.0), "best_epoch": -1, "best": None, "best_record": {}}


def select_epoch(
    selection: dict,
    epoch: int,
    targets: np.ndarray,
    predicted: np.ndarray,
    n_classes: int,
    snapshot: Callable[[], dict],
) -> dict:
    """Score ``epoch``'s validation predictions; keep ``snapshot()`` (the weights) if they beat
    the best so far. Returns the epoch's record (``val_f1``...)."""
    key = selection_key(targets, predicted, n_classes)
    record = selection_record(targets, predicted, n_classes)
    if key > tuple(selection["best_key"]):
        selection.update(best_key=key, best_epoch=epoch, best=snapshot(), best_record=record)
    return record


def patience_spent(selection: dict, last_epoch: int, patience: int) -> bool:
    """Whether the ``patience`` epochs up to ``last_epoch`` did not improve on the best."""
    return last_epoch >= 0 and last_epoch - selection["best_epoch"] >= patience


def selection_summary(selection: dict, history: list[dict]) -> dict:
    """The run summary's selection part: the best epoch, its scores and every epoch's."""
    record = selection["best_record"]
    return {
        "best_epoch": selection["best_epoch"],
        "best_val_f1": record["val_f1"],
        **{k: v for k, v in record.items() if k != "val_f1"},
        "history": history,
    }

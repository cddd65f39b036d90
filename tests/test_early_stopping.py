"""The model selection shared by the mlp and LoRA loops."""

import numpy as np

from mmoe.families.early_stopping import (
    new_selection,
    patience_spent,
    select_epoch,
    selection_summary,
)

TARGETS = np.array([0, 1, 0, 1])


def test_the_first_best_epoch_is_kept_and_patience_counts_from_it():
    selection, history = new_selection(), []
    predictions = [[0, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 1], [1, 0, 1, 0], [0, 1, 0, 1]]
    stopped = None
    for epoch, predicted in enumerate(predictions):
        record = select_epoch(
            selection, epoch, TARGETS, np.array(predicted), 2, lambda e=epoch: {"w": e}
        )
        history.append({"epoch": epoch, **record})
        if patience_spent(selection, epoch, 2):
            stopped = epoch
            break
    # epoch 0 predicts one class (ranked last); epoch 2 is perfect; epoch 4 ties it: not kept
    assert selection["best_epoch"] == 2 and selection["best"] == {"w": 2}
    assert stopped == 4
    summary = selection_summary(selection, history)
    assert list(summary)[:2] == ["best_epoch", "best_val_f1"] and summary["best_val_f1"] == 1.0
    assert summary["history"] is history and "val_f1" not in list(summary)[2:-1]


def test_no_epoch_yet_spends_no_patience():
    assert not patience_spent(new_selection(), -1, 0)
    assert patience_spent(new_selection(), 0, 1)

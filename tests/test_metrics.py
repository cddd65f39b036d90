import numpy as np
import pandas as pd
import pytest

from mmoe import metrics


def test_binary_scores_by_hand():
    y = np.array([1, 1, 1, 0, 0, 0, 0, 1])
    p = np.array([1, 1, 0, 1, 0, 0, 0, 0])
    # tp=2 fp=1 fn=2 tn=3
    s = metrics.binary_scores(y, p)
    assert s["precision"] == pytest.approx(100 * 2 / 3)
    assert s["recall"] == pytest.approx(50.0)
    assert s["f1"] == pytest.approx(100 * 2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    assert s["accuracy"] == pytest.approx(62.5)
    assert s["n"] == 8


def test_no_positive_predictions_score_zero_not_nan():
    s = metrics.binary_scores(np.array([1, 0]), np.array([0, 0]))
    assert s["precision"] == 0 and s["f1"] == 0


def test_binary_scores_equal_scikit_learns_exactly():
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    rng = np.random.default_rng(0)
    for n in (1, 2, 7, 50, 333):
        for rate in (0.0, 0.3, 1.0):
            y = (rng.random(n) < 0.5).astype(int)
            p = (rng.random(n) < rate).astype(int)
            ours = metrics.binary_scores(y, p)
            theirs = precision_recall_fscore_support(
                y, p, average="binary", pos_label=1, zero_division=0
            )[:3]
            assert [ours[k] for k in ("precision", "recall", "f1")] == [
                100 * float(v) for v in theirs
            ]
            assert ours["accuracy"] == 100 * float(accuracy_score(y, p))


def test_selection_f1_binary_and_macro():
    assert metrics.selection_f1(np.array([1, 0]), np.array([1, 0]), 2) == 1.0
    assert metrics.selection_f1(np.array([0, 1, 2]), np.array([0, 1, 1]), 3) == pytest.approx(
        (1 + 2 / 3 + 0) / 3
    )


def test_evaluate_predictions_overall_and_per_type():
    preds = pd.DataFrame(
        {"id": list("abcd"), "split": ["test"] * 4, "m": [1, 0, 1, 1], "n": [1, 1, 1, 1]}
    )
    typed = pd.DataFrame(
        {"id": list("abcd"), "label": [1, 0, 0, 1], "interaction": ["R", "R", "S", "U"]}
    )
    out = metrics.evaluate_predictions(preds, typed).set_index(["interaction", "method"])
    assert out.loc[("all", "m"), "accuracy"] == 75.0
    assert out.loc[("R", "m"), "accuracy"] == 100.0
    assert out.loc[("S", "m"), "accuracy"] == 0.0
    assert out.loc[("all", "n"), "recall"] == 100.0
    assert out.loc[("all", "n"), "precision"] == 50.0

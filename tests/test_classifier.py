from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

from mmoe.labeling import ViewInput, make_backend
from mmoe.labeling.classifier import TunedLogistic, cross_fit_proba, pooled_proba
from mmoe.labeling.decision import DECISIONS, decide


class RecordingModel:
    """Remembers the rows it was fit on (by a row-id feature) and predicts 0.5."""

    fitted: ClassVar[list[set]] = []

    def fit(self, x, y):
        RecordingModel.fitted.append(set(x[:, 0].astype(int)))
        return self

    def predict_proba(self, x):
        self.seen = set(x[:, 0].astype(int))
        return np.full((len(x), 2), 0.5)


def _indexed_rows(n: int):
    """Features whose first column is the row index (so a recording model can tell which rows
    it saw), alternating labels, and the first 40 rows as the training split; resets the record."""
    RecordingModel.fitted = []
    return np.column_stack([np.arange(n), np.zeros(n)]), np.tile([0, 1], n // 2), np.arange(n) < 40


def test_cross_fitting_never_sees_its_own_fold():
    n = 50
    features, labels, is_train = _indexed_rows(n)
    proba, fold_of = cross_fit_proba(features, labels, is_train, 5, 0, RecordingModel)
    assert not np.isnan(proba).any()
    assert (fold_of[:40] >= 0).all() and (fold_of[40:] == -1).all()
    fold_fits, final_fit = RecordingModel.fitted[:5], RecordingModel.fitted[5]
    for fold, seen in enumerate(fold_fits):
        held = set(np.flatnonzero(fold_of == fold))
        assert held and not held & seen
        assert seen | held == set(range(40))
    assert final_fit == set(range(40))  # val/test rows never used for fitting


def test_classifier_backend_learns_a_separable_view():
    rng = np.random.default_rng(0)
    labels = np.tile([0, 1], 60)
    features = rng.normal(size=(120, 4)) + labels[:, None] * 3
    data = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(120)],
            "split": ["train"] * 80 + ["val"] * 20 + ["test"] * 20,
            "label": labels,
        }
    )
    out = make_backend("classifier", {"folds": 4}, 0).label(
        ViewInput("d", data, "x1", "text", features)
    )
    assert out.columns.tolist() == ["id", "p", "pred"]
    assert (out["pred"] == labels).mean() > 0.95


def test_classifier_backend_needs_aligned_features():
    data = pd.DataFrame({"id": ["a"], "split": ["train"], "label": [1]})
    backend = make_backend("classifier", {}, 0)
    with pytest.raises(ValueError, match="one feature row per datapoint"):
        backend.label(ViewInput("d", data, "x1", "text", np.zeros((2, 3))))
    with pytest.raises(ValueError, match="unknown labeling backend"):
        make_backend("oracle", {}, 0)


class RecordingPath(RecordingModel):
    """A recording path over C = (0.1, 1.0) whose held-out quality favours C = 1."""

    def predict_proba(self, x):
        return np.column_stack([np.full(len(x), 0.9), np.full(len(x), 0.5)])


def tuned_recording() -> TunedLogistic:
    return TunedLogistic((0.1, 1.0), 4, 0, RecordingPath, lambda c: RecordingModel())


def test_nested_cv_never_sees_validation_or_test_labels():
    n = 60
    features, labels, is_train = _indexed_rows(n)
    cross_fit_proba(features, labels, is_train, 5, 0, tuned_recording)
    assert len(RecordingModel.fitted) == 6 * (4 + 1)  # 5 folds + final, each nested
    assert all(seen <= set(range(40)) for seen in RecordingModel.fitted)
    model = tuned_recording().fit(features[:40], labels[:40])
    assert model.c_ == 1.0  # the better held-out log-loss


def test_pooled_tuning_fits_one_path_per_fold_and_never_sees_validation_or_test_rows():
    features, labels, is_train = _indexed_rows(60)
    path = lambda grid, seed: RecordingPath()  # noqa: E731
    proba, fold_of, c = pooled_proba(features, labels, is_train, 5, 0, (0.1, 1.0), path)
    assert len(RecordingModel.fitted) == 5 + 1  # a path per fold, one on all training rows
    assert all(seen <= set(range(40)) for seen in RecordingModel.fitted)
    assert c == 1.0 and (proba == 0.5).all()  # the C of the better out-of-fold log-loss
    assert (fold_of[:40] >= 0).all() and (fold_of[40:] == -1).all()


def test_the_warm_started_path_finds_each_c_as_a_cold_fit_does():
    """Each C's probabilities on the path equal those of its own cold-started pipeline (to the
    solver's tolerance on an ill-conditioned problem)."""
    from mmoe.labeling.classifier import C_GRID, LogisticPath, make_logistic

    rng = np.random.default_rng(3)
    mixing = rng.normal(size=(20, 20)) * np.logspace(0, -2, 20)[:, None]
    x = rng.normal(size=(400, 20)) @ mixing
    y = (x[:, 0] + rng.logistic(size=400) > 0).astype(int)
    path = LogisticPath(C_GRID, 0).fit(x[:300], y[:300]).predict_proba(x[300:])
    for i, c in enumerate(C_GRID):
        cold = make_logistic(c, 0)().fit(x[:300], y[:300]).predict_proba(x[300:])[:, 1]
        assert np.abs(path[:, i] - cold).max() < 5e-3, c  # lbfgs tolerance


def test_permuting_test_labels_changes_no_labeller_output():
    """Leakage guard: either tuning of C and the probabilities ignore val/test labels."""
    rng = np.random.default_rng(1)
    labels = np.tile([0, 1], 60)
    features = rng.normal(size=(120, 4)) + labels[:, None]
    data = pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(120)],
            "split": ["train"] * 80 + ["val"] * 20 + ["test"] * 20,
            "label": labels,
        }
    )
    permuted = data.assign(label=np.r_[labels[:80], rng.permutation(labels[80:])])
    for tuning in ("pooled", "nested"):
        backend = make_backend("classifier", {"folds": 3, "tuning": tuning}, 0)
        a, b = (backend.label(ViewInput("d", d, "x1", "text", features)) for d in (data, permuted))
        pd.testing.assert_frame_equal(a, b)
    for decision in DECISIONS:  # nor does any decision rule with the positive-rate clamp
        pd.testing.assert_frame_equal(
            decide(a, data, decision, 0.45), decide(b, permuted, decision, 0.45)
        )


def test_repeated_rows_are_fit_once_with_their_count_as_weight():
    """A path on rows that repeat (texts shared by many datapoints) fits the distinct (row,
    label) pairs weighted by their counts: the same objective, so each C's probabilities are
    those of a cold pipeline fit on every row (to the solver's tolerance)."""
    from mmoe.labeling.classifier import C_GRID, LogisticPath, distinct_rows, make_logistic

    rng = np.random.default_rng(4)
    base = rng.normal(size=(30, 6))
    pick = rng.integers(0, 30, size=600)
    x = base[pick]
    y = (x[:, 0] + rng.logistic(size=600) > 0).astype(int)  # a row may carry both labels
    xd, yd, counts = distinct_rows(x, y)
    assert counts.sum() == 600 and len(xd) == len(set(zip(pick, y, strict=True)))
    for row, label, count in zip(xd, yd, counts, strict=True):
        assert count == ((x == row).all(1) & (y == label)).sum()
    path = LogisticPath(C_GRID, 0).fit(x, y).predict_proba(base)
    for i, c in enumerate(C_GRID):
        every_row = make_logistic(c, 0)().fit(x, y).predict_proba(base)[:, 1]
        assert np.abs(path[:, i] - every_row).max() < 5e-3, c  # lbfgs tolerance

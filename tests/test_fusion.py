import numpy as np
import pandas as pd
import pytest

from mmoe import fusion


def _logits(p_positive):
    """Logits whose softmax gives P(class 1) = p_positive."""
    p = np.asarray(p_positive, float)
    return np.log(np.column_stack([1 - p, p]))


EXPERTS = {
    "R": _logits([0.9, 0.2, 0.6, 0.55]),
    "U": _logits([0.7, 0.4, 0.3, 0.45]),
    "S": _logits([0.1, 0.9, 0.2, 0.9]),
}


def test_softmax_rows_sum_to_one():
    probs = fusion.softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    np.testing.assert_allclose(probs, [[0.5, 0.5], [1.0, 0.0]])


def test_mix_average_and_fixed_weights():
    probs = {k: fusion.softmax(v) for k, v in EXPERTS.items()}
    average = fusion.mix(probs, np.ones(3))[:, 1]
    np.testing.assert_allclose(average, [(0.9 + 0.7 + 0.1) / 3, 0.5, 1.1 / 3, 1.9 / 3])
    fixed = fusion.mix(probs, np.array([0.2, 0.5, 0.3]))[:, 1]
    np.testing.assert_allclose(fixed[0], 0.2 * 0.9 + 0.5 * 0.7 + 0.3 * 0.1)
    # unnormalised weights are normalised
    np.testing.assert_allclose(fusion.mix(probs, np.array([2, 5, 3]))[:, 1], fixed)


def test_mix_per_row_weights_pick_experts():
    probs = {k: fusion.softmax(v) for k, v in EXPERTS.items()}
    one_hot = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], float)
    np.testing.assert_allclose(fusion.mix(probs, one_hot)[:, 1], [0.9, 0.4, 0.2, 0.9])


def test_cascade_uses_synergy_expert_only_when_unsure():
    probs = {k: fusion.softmax(v) for k, v in EXPERTS.items()}
    # R+U means: 0.8 (conf 0.8), 0.3 (0.7), 0.45 (0.55), 0.5 (0.5)
    out = fusion.cascade(probs, threshold=0.6)[:, 1]
    np.testing.assert_allclose(out, [0.8, 0.3, 0.2, 0.9])
    np.testing.assert_allclose(fusion.cascade(probs, 0.5)[:, 1], [0.8, 0.3, 0.45, 0.5])


def test_tune_cascade_picks_best_validation_threshold():
    probs = {k: fusion.softmax(v) for k, v in EXPERTS.items()}
    labels = np.array([1, 0, 0, 1])  # row 4 is right only when it defers to S
    threshold = fusion.tune_cascade(probs, labels)
    assert threshold == pytest.approx(0.525)  # the smallest threshold that defers row 4
    assert (fusion.cascade(probs, threshold).argmax(1) == labels).all()


def test_oracle_uses_each_rows_own_expert():
    probs = {k: fusion.softmax(v) for k, v in EXPERTS.items()}
    out = fusion.oracle(probs, np.array(["S", "R", "U", "S"]))[:, 1]
    np.testing.assert_allclose(out, [0.1, 0.2, 0.3, 0.9])


def test_fuse_returns_every_strategy():
    rows = pd.DataFrame(
        {
            "id": list("abcd"),
            "split": ["val", "val", "test", "test"],
            "label": [1, 0, 0, 1],
            "interaction": ["R", "U", "S", "S"],
        }
    )
    fuser = np.log(np.array([[0.98, 0.01, 0.01], [0.01, 0.98, 0.01], [0.01, 0.01, 0.98]] * 2)[:4])
    preds, settings = fusion.fuse(
        rows,
        EXPERTS,
        _logits([0.6, 0.6, 0.6, 0.6]),
        fuser,
        {"R": 0.2, "U": 0.5, "S": 0.3},
        {"R": 0.5, "U": 0.25, "S": 0.25},
    )
    assert preds["baseline"].tolist() == [1, 1, 1, 1]
    assert preds["model"].tolist() == [1, 0, 0, 1]  # fuser routes rows to R, U, S, R
    assert preds["oracle"].tolist() == [1, 0, 0, 1]
    assert preds["expert_S"].tolist() == [0, 1, 0, 1]
    assert set(preds.columns) >= {"average", "weighted_fixed", "weighted_frequency", "cascaded"}
    assert settings["weights_fixed"] == {"R": 0.2, "U": 0.5, "S": 0.3}


def test_frequency_weights():
    assignment = pd.DataFrame({"interaction": ["R", "R", "U", "S"]})
    assert fusion.frequency_weights(assignment) == pytest.approx({"R": 0.5, "U": 0.25, "S": 0.25})

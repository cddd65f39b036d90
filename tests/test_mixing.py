import numpy as np
import pandas as pd
import pytest

from mmoe import interactions, mixing


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
    probs = mixing.softmax(np.array([[0.0, 0.0], [1000.0, 0.0]]))
    np.testing.assert_allclose(probs, [[0.5, 0.5], [1.0, 0.0]])


def test_mix_average_and_fixed_weights():
    probs = {k: mixing.softmax(v) for k, v in EXPERTS.items()}
    average = mixing.mix(probs, np.ones(3))[:, 1]
    np.testing.assert_allclose(average, [(0.9 + 0.7 + 0.1) / 3, 0.5, 1.1 / 3, 1.9 / 3])
    fixed = mixing.mix(probs, np.array([0.2, 0.5, 0.3]))[:, 1]
    np.testing.assert_allclose(fixed[0], 0.2 * 0.9 + 0.5 * 0.7 + 0.3 * 0.1)
    # unnormalised weights are normalised
    np.testing.assert_allclose(mixing.mix(probs, np.array([2, 5, 3]))[:, 1], fixed)


def test_mix_per_row_weights_pick_experts():
    probs = {k: mixing.softmax(v) for k, v in EXPERTS.items()}
    one_hot = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 0, 1]], float)
    np.testing.assert_allclose(mixing.mix(probs, one_hot)[:, 1], [0.9, 0.4, 0.2, 0.9])


def test_cascade_uses_synergy_expert_only_when_unsure():
    probs = {k: mixing.softmax(v) for k, v in EXPERTS.items()}
    # R+U means: 0.8 (conf 0.8), 0.3 (0.7), 0.45 (0.55), 0.5 (0.5)
    out = mixing.cascade(probs, threshold=0.6)[:, 1]
    np.testing.assert_allclose(out, [0.8, 0.3, 0.2, 0.9])
    np.testing.assert_allclose(mixing.cascade(probs, 0.5)[:, 1], [0.8, 0.3, 0.45, 0.5])


def test_tune_cascade_picks_best_validation_threshold():
    probs = {k: mixing.softmax(v) for k, v in EXPERTS.items()}
    labels = np.array([1, 0, 0, 1])  # row 4 is right only when it defers to S
    threshold = mixing.tune_cascade(probs, labels)
    assert threshold == pytest.approx(0.525)  # the smallest threshold that defers row 4
    assert (mixing.cascade(probs, threshold).argmax(1) == labels).all()


def test_oracle_uses_each_rows_own_expert():
    probs = {k: mixing.softmax(v) for k, v in EXPERTS.items()}
    out = mixing.oracle(probs, np.array(["S", "R", "U", "S"]))[:, 1]
    np.testing.assert_allclose(out, [0.1, 0.2, 0.3, 0.9])


ROWS = pd.DataFrame(
    {
        "id": list("abcd"),
        "split": ["val", "val", "test", "test"],
        "label": [1, 0, 0, 1],
        "type": ["R", "U", "S", "S"],
        "y1": [1, 1, 1, 0],
        "y2": [1, 0, 1, 0],
        "p1": [0.9, 0.8, 0.7, 0.2],
        "p2": [0.8, 0.1, 0.9, 0.1],
    }
)
FUSER = np.log(np.array([[0.98, 0.01, 0.01], [0.01, 0.98, 0.01], [0.01, 0.01, 0.98]] * 2)[:4])


def _strategies(rows, experts, fuser, fixed, frequency, **settings):
    """strategy_predictions with the routers of ``fuser`` (gamma 0.5; the single model 0.6)."""
    baseline = _logits([0.6] * len(rows))
    routed = mixing.routers(rows, fuser, baseline, list(experts), 0.5)
    return mixing.strategy_predictions(
        rows, experts, baseline, routed, fixed, frequency, **settings
    )


def _fuse(rows=ROWS, **settings):
    weights = ({"R": 0.2, "U": 0.5, "S": 0.3}, {"R": 0.5, "U": 0.25, "S": 0.25})
    return _strategies(rows, EXPERTS, FUSER, *weights, **settings)


def test_fuse_returns_every_strategy():
    preds, settings = _fuse()
    assert preds["baseline"].tolist() == [1, 1, 1, 1]
    assert preds["model"].tolist() == [1, 0, 0, 1]  # fuser routes rows to R, U, S, R
    assert preds["model_hard"].tolist() == [1, 0, 0, 1]
    assert preds["oracle"].tolist() == [1, 0, 0, 1]
    assert preds["expert_S"].tolist() == [0, 1, 0, 1]
    # single model says 1 everywhere: agreeing views on 1 -> R, on 0 -> S; disagreeing -> U
    assert preds["proxy"].tolist() == [1, 0, 1, 1]  # R, U, R, S
    assert set(preds.columns) >= {"average", "weighted_fixed", "weighted_frequency", "cascaded"}
    assert settings["weights_fixed"] == {"R": 0.2, "U": 0.5, "S": 0.3}


def test_mmoe_is_the_router_with_the_best_validation_f1_first_on_ties():
    preds, settings = _fuse()
    # validation rows a (label 1) and b (0): every fuser router gets both right, proxy too
    assert settings["router_val_f1"] == dict.fromkeys(mixing.ROUTERS, 100.0)
    assert settings["mmoe_router"] == "model"  # the first on ties
    assert preds["mmoe"].tolist() == preds["model"].tolist()
    predictions = pd.DataFrame(
        {"split": ["val"] * 3 + ["test"], **{name: [1, 1, 1, 1] for name in mixing.ROUTERS}}
    )
    predictions["proxy"] = [1, 0, 0, 0]  # right on validation only
    labels = np.array([1, 0, 0, 1])
    assert mixing.select_router(predictions, labels, "validation")[0] == "proxy"
    assert mixing.select_router(predictions, labels, "model_hard")[0] == "model_hard"
    with pytest.raises(ValueError, match="unknown fusion method 'oracle'"):
        mixing.select_router(predictions, labels, "oracle")


def test_a_fixed_fusion_method_is_mmoe():
    preds, settings = _fuse(method="proxy")
    assert settings["mmoe_router"] == "proxy" and preds["mmoe"].equals(preds["proxy"])


def test_proxy_soft_weights_follow_the_single_models_probability():
    typed = mixing.label_free_types(ROWS, ["R", "U", "S"], 0.5)
    weights = mixing.proxy_weights(typed, np.array([0.7, 0.7, 0.2, 0.9]))
    np.testing.assert_allclose(
        weights, [[0.7, 0, 0.3], [0, 1, 0], [0.2, 0, 0.8], [0.1, 0, 0.9]], atol=1e-12
    )


def test_model_agreement_keeps_only_types_the_views_allow():
    # rows 1 and 3 agree (R/S allowed), row 2 disagrees (U only): the fuser's U on row 4 is gone
    fuser = np.log(np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8], [0.1, 0.6, 0.3]]))
    routed = mixing.routers(ROWS, fuser, _logits([0.6] * 4), ["R", "U", "S"], 0.5)
    np.testing.assert_allclose(routed["model_agreement"][:, 1], [0, 1, 0, 0], atol=1e-9)
    np.testing.assert_allclose(routed["model_agreement"][0], [2 / 3, 0, 1 / 3], atol=1e-9)
    assert routed["model_agreement_hard"].argmax(1).tolist() == [0, 1, 2, 2]


def test_five_type_experts_fuse_and_cascade():
    experts = dict(zip(interactions.FIVE_TYPES, [_logits([0.9, 0.1, 0.6, 0.4])] * 5, strict=True))
    experts["agreement_synergy"] = _logits([0.1, 0.9, 0.1, 0.9])
    rows = ROWS.assign(type=["agreement_redundancy", "disagreement_unique_x1"] * 2)
    fuser = np.zeros((4, 5))
    preds, settings = _strategies(
        rows, experts, fuser, {"R": 0.2, "U": 0.5, "S": 0.3}, {"agreement_synergy": 1.0}
    )
    assert preds["oracle"].tolist() == [1, 0, 1, 0]
    assert settings["weights_fixed"]["disagreement_unique_x2"] == 0.5
    probs = {k: mixing.softmax(v) for k, v in experts.items()}
    synergy = (probs["agreement_synergy"] + probs["disagreement_synergy"]) / 2
    np.testing.assert_allclose(mixing.cascade(probs, 1.0), synergy)


def test_permuting_test_labels_changes_nothing_chosen_on_validation():
    """Leakage guard: only the oracle (an upper bound) may read test labels."""
    preds, settings = _fuse()
    flipped = ROWS.assign(label=np.where(ROWS["split"] == "test", 1 - ROWS["label"], ROWS["label"]))
    preds_flipped, settings_flipped = _fuse(flipped)
    assert settings == settings_flipped
    usable = [c for c in preds.columns if c != "oracle"]
    pd.testing.assert_frame_equal(preds[usable], preds_flipped[usable])


def test_frequency_weights():
    assignment = pd.DataFrame({"interaction": ["R", "R", "U", "S"]})
    assert mixing.frequency_weights(assignment) == pytest.approx({"R": 0.5, "U": 0.25, "S": 0.25})

"""The authors' fusion arithmetic (their expert_fusion/fusion.py at cdfc359 and mustard_fusion.py of
June 2024) on five test rows, computed here row by row as their scripts do, against the workflow's
strategies under the settings of config/paper-artifacts.yaml."""

import numpy as np
import pandas as pd
import pytest

from mmoe import mixing

R = np.array([[0.2, 1.1], [2.0, -1.0], [0.3, 0.1], [-0.5, 0.4], [5.0, 0.0]])
U = np.array([[1.0, -0.2], [0.1, 0.3], [-2.0, 2.0], [0.6, 0.2], [0.0, 2.0]])
S = np.array([[-0.4, 0.5], [0.5, 0.2], [1.0, -1.2], [2.5, 0.0], [0.0, 2.0]])
FUSER = np.array(
    [[0.1, 1.2, -0.3], [1.5, 0.2, 0.4], [-0.2, 0.1, 2.0], [0.3, 0.3, 0.1], [2.2, 0.5, 0.9]]
)
ROWS = pd.DataFrame(
    {
        "id": list("abcde"),
        "split": "test",
        "label": [1, 0, 1, 0, 1],
        "type": ["R", "U", "S", "U", "R"],
        "y1": [1, 0, 0, 1, 1],
        "y2": [1, 1, 0, 0, 1],
        "p1": [0.8, 0.3, 0.2, 0.7, 0.9],
        "p2": [0.9, 0.6, 0.1, 0.4, 0.8],
    }
)
BASELINE = np.array([[0.0, 1.0]] * 5)


def softmax(v):
    return np.exp(v) / np.sum(np.exp(v))  # theirs: no max shift


def theirs():
    """Each strategy per row, as their scripts compute it."""
    out = {k: [] for k in ("rus", "average", "weighted", "cascaded", "june_rus")}
    for i in range(5):
        logits = {"R": R[i], "U": U[i], "AS": S[i]}
        probs = {k: softmax(v) for k, v in logits.items()}
        weights = dict(zip(("R", "U", "AS"), softmax(FUSER[i]), strict=True))
        out["rus"].append(np.argmax(sum(weights[k] * probs[k] for k in probs)))
        out["average"].append(np.argmax(np.mean([logits[k] for k in logits], axis=0)))
        out["weighted"].append(np.argmax(0.2 * R[i] + 0.5 * U[i] + 0.3 * S[i]))
        pr, pu, pas = probs["R"], probs["U"], probs["AS"]
        if max(pr) > 0.5 and max(pu) > 0.5:
            out["cascaded"].append(np.argmax(pr if max(pr) > max(pu) else pu))
        else:
            out["cascaded"].append(np.argmax(pas))
        # June: the experts in file order AS, R, U times the fuser's raw outputs w[0], w[1], w[2]
        w = FUSER[i]
        out["june_rus"].append(np.argmax(pas * w[0] + pr * w[1] + pu * w[2]))
    return {k: np.array(v) for k, v in out.items()}


def ours(fuser=FUSER, **settings):
    experts = {"R": R, "U": U, "S": S}
    fuser_weights = settings.get("fuser_weights", "softmax")
    routed = mixing.routers(ROWS, fuser, BASELINE, list(experts), 0.5, fuser_weights)
    weights = ({"R": 0.2, "U": 0.5, "S": 0.3}, {"R": 1 / 3, "U": 1 / 3, "S": 1 / 3})
    return mixing.strategy_predictions(ROWS, experts, BASELINE, routed, *weights, **settings)


PAPER_ARTIFACTS = {
    "method": "model",
    "cascade_threshold": 0.5,
    "cascade_rule": "most_confident",
    "combine": "logits",
}


def test_the_authors_fusion_on_five_rows():
    expected = theirs()
    predictions, settings = ours(**PAPER_ARTIFACTS)
    assert predictions["model"].tolist() == expected["rus"].tolist()
    assert predictions["mmoe"].tolist() == expected["rus"].tolist()
    assert predictions["average"].tolist() == expected["average"].tolist()
    assert predictions["weighted_fixed"].tolist() == expected["weighted"].tolist()
    assert predictions["cascaded"].tolist() == expected["cascaded"].tolist()
    assert settings["router_fixed"] and settings["not_available"] == []
    # the fixture tells the arithmetic apart: each of the authors' choices changes some row
    probabilities, _ = ours(**PAPER_ARTIFACTS | {"combine": "probabilities"})
    # at 0.5 with two classes both rules follow the more confident expert; above, they part
    strict, _ = ours(**PAPER_ARTIFACTS | {"cascade_threshold": 0.7})
    mean_rule, _ = ours(**PAPER_ARTIFACTS | {"cascade_threshold": 0.7, "cascade_rule": "mean"})
    assert (
        probabilities[["average", "weighted_fixed"]].to_numpy().tolist()
        != predictions[["average", "weighted_fixed"]].to_numpy().tolist()
    )
    assert mean_rule["cascaded"].tolist() != strict["cascaded"].tolist()


def test_the_june_fusion_raw_weights_in_their_order():
    expected = theirs()["june_rus"]
    permuted = FUSER[:, [1, 2, 0]]  # R's weight is w[1], U's w[2], S's (AS) w[0]
    predictions, _ = ours(permuted, **PAPER_ARTIFACTS, fuser_weights="raw")
    assert predictions["model"].tolist() == expected.tolist()
    assert expected.tolist() != theirs()["rus"].tolist()  # the fixture sees the difference


def test_without_validation_rows_choices_made_on_them_are_not_available():
    with pytest.raises(mixing.NoValidationRows, match=r"set fusion\.method to one of"):
        ours()
    predictions, settings = ours(method="model")
    assert "cascaded" not in predictions and settings["not_available"] == ["cascaded"]
    assert all(v is None for v in settings["router_val_f1"].values())

import numpy as np
import pandas as pd

from mmoe import mixing, routing


def _logits(p_positive):
    p = np.asarray(p_positive, float)
    return np.log(np.column_stack([1 - p, p]))


def test_diagnostics_measure_routers_experts_and_strategies():
    rows = pd.DataFrame(
        {
            "id": list("abcd"),
            "split": ["val", "val", "test", "test"],
            "label": [1, 0, 0, 1],
            "type": ["R", "U", "S", "S"],
            "true_interaction": ["R", "U2", "S", "U1"],
            "y1": [1, 1, 1, 0],
            "y2": [1, 0, 1, 0],
            "p1": [0.9, 0.8, 0.7, 0.2],
            "p2": [0.8, 0.1, 0.9, 0.1],
        }
    )
    experts = {"R": _logits([0.9, 0.2, 0.6, 0.2]), "U": _logits([0.7, 0.4, 0.3, 0.45])}
    experts["S"] = _logits([0.1, 0.9, 0.2, 0.9])
    fuser = np.log(np.array([[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8], [0.8, 0.1, 0.1]]))
    baseline = _logits([0.6, 0.6, 0.6, 0.6])
    routed = mixing.routers(rows, fuser, baseline, list(experts), 0.5)
    weights = ({"R": 0.2, "U": 0.5, "S": 0.3}, {"R": 1.0})
    predictions, _ = mixing.strategy_predictions(rows, experts, baseline, routed, *weights)
    table = routing.diagnostics(rows, experts, baseline, routed, predictions, 0.5)
    value = table.set_index(["split", "measure", "subject", "reference"])["value"]
    assert value["test", "router_accuracy", "model_hard", "auto"] == 50.0  # S right, R for S wrong
    assert value["test", "router_accuracy", "model_hard", "true"] == 50.0  # U1 is U, routed R
    assert value["val", "router_accuracy", "proxy", "auto"] == 100.0  # label-free rule
    assert value["test", "expert_accuracy", "S", "S"] == 100.0
    assert value["test", "expert_accuracy", "R", "S"] == 0.0
    assert value["val", "f1", "oracle", "all"] == 100.0
    # views only: R, U where they disagree (row b), R elsewhere: right on val, wrong on S rows
    assert value["val", "router_accuracy", "views_rule", "auto"] == 100.0
    assert value["test", "router_accuracy", "views_rule", "true"] == 0.0
    assert value["test", "f1", "mmoe", "all"] == value["test", "f1", "model", "all"]  # selected
    # positive rates: gold 1 of 2 test rows; the baseline predicts one class (every row positive)
    assert value["test", "positive_rate", "label", "all"] == 50.0
    assert value["test", "positive_rate", "baseline", "all"] == 100.0
    assert value["test", "positive_rate", "S", "all"] == 50.0
    assert value["val", "positive_rate", "R", "all"] == 50.0
    assert {"model", "model_hard", "proxy", "proxy_soft", "baseline"} <= set(
        table.loc[table["measure"] == "f1", "subject"]
    )

"""Routing diagnostics: where MMoE's loss against its oracle comes from.

For one fused run (validation and test rows) it measures each label-free router's accuracy
against the automatic types (and the true types where the dataset has them), with the views-only
rule beside them, each expert's accuracy on each type's rows, the F1 of every routed strategy,
soft and hard side by side, and the share of rows each model predicts positive (a model that
predicts one class shows as 0 or 100).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.interactions import TRUE_TYPES, expert_set_of, proxy_types
from mmoe.metrics import binary_scores
from mmoe.mixing import MMOE


def diagnostics(
    rows: pd.DataFrame,
    expert_logits: dict[str, np.ndarray],
    baseline_logits: np.ndarray,
    routed: dict[str, np.ndarray],
    predictions: pd.DataFrame,
    gamma: float,
) -> pd.DataFrame:
    """Long table (split, measure, subject, reference, value) for ``rows`` as
    :func:`mmoe.mixing.strategy_predictions` takes them, plus ``true_interaction`` when known;
    ``routed``: :func:`mmoe.mixing.routers`, ``predictions``: the strategies' predictions.

    measures: ``router_accuracy`` (subject: a router, or ``views_rule``: the label-free rule
    that takes the first view's prediction as the label, for RUS "U where the views disagree,
    else R"; reference: ``auto`` or ``true`` types), ``expert_accuracy`` (subject: expert,
    reference: the type whose rows are scored) and ``f1`` (subject: a routed strategy, soft or
    hard, ``mmoe``, ``baseline`` or ``oracle``; reference: ``all``) and ``positive_rate``
    (subject: ``label`` for the gold labels, ``baseline``, each expert, ``mmoe``; reference:
    ``all``).
    """
    experts = list(expert_logits)
    expert_set = expert_set_of(experts)
    views_rule = proxy_types(rows, rows["y1"].to_numpy(), expert_set, gamma)
    picks = {name: np.asarray(experts)[w.argmax(1)] for name, w in routed.items()}
    picks["views_rule"] = np.asarray(views_rule)
    references = {"auto": rows["type"].to_numpy()}
    if "true_interaction" in rows:
        references["true"] = rows["true_interaction"].map(TRUE_TYPES[expert_set])
    labels = rows["label"].to_numpy()
    predicted = {
        "label": labels,
        "baseline": baseline_logits.argmax(1),
        **{expert: logits.argmax(1) for expert, logits in expert_logits.items()},
        MMOE: predictions[MMOE].to_numpy(),
    }
    records = []
    for split in ("val", "test"):
        in_split = (rows["split"] == split).to_numpy()
        for router, picked in picks.items():
            for reference, types in references.items():
                hit = picked[in_split] == np.asarray(types)[in_split]
                records.append((split, "router_accuracy", router, reference, 100 * hit.mean()))
        for expert, logits in expert_logits.items():
            right = logits.argmax(1) == labels
            for kind in experts:
                members = in_split & (references["auto"] == kind)
                if members.any():
                    value = 100 * right[members].mean()
                    records.append((split, "expert_accuracy", expert, kind, value))
        for method in ("baseline", *routed, MMOE, "oracle"):
            picked = predictions[method].to_numpy()[in_split]
            records.append(
                (split, "f1", method, "all", binary_scores(labels[in_split], picked)["f1"])
            )
        for subject, values in predicted.items():
            rate = 100 * (values[in_split] == 1).mean()
            records.append((split, "positive_rate", subject, "all", rate))
    return pd.DataFrame(records, columns=["split", "measure", "subject", "reference", "value"])

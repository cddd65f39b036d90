"""Fusing the experts with every strategy, and scoring the predictions (rules: fusion.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from mmoe import interactions, io
from mmoe.stages.partition import scheme_rows

FUSER = "fuser"
TRUTH = "true_interaction"  # the synthetic generator's type of each row


def _logits(path: str | Path) -> tuple[pd.DataFrame, object]:
    frame = pd.read_parquet(path)
    return frame, frame.filter(like="logit_").to_numpy()


def fuse(
    typed: str | Path,
    experts: dict[str, str | Path],
    baseline: str | Path,
    fuser: str | Path,
    partition_dir: str | Path,
    fixed_weights: dict[str, float],
    gamma: float,
    method: str,
    out: str | Path,
    settings_out: str | Path,
    data: str | Path | None = None,
    routing_out: str | Path | None = None,
    cascade_threshold: float | str = "validation",
    combine: str = "probabilities",
    cascade_rule: str = "mean",
    fuser_weights: str = "softmax",
) -> pd.DataFrame:
    """Every fusion strategy's predictions for the validation and test rows (``gamma``: the
    dataset's agreement threshold, for the label-free routers; ``method``: the router of +MMoE,
    or ``validation``; ``cascade_threshold``, ``combine``, ``cascade_rule``, ``fuser_weights``:
    :func:`mmoe.mixing.strategy_predictions`). With ``routing_out``, also the routing diagnostics
    (:func:`mmoe.routing.diagnostics`), against the true types where ``data`` has them."""
    from mmoe import mixing, routing

    rows, base = _logits(baseline)
    expert_logits = {}
    for kind, path in {**experts, FUSER: fuser}.items():
        other, values = _logits(path)
        if not other["id"].equals(rows["id"]):
            raise ValueError(f"{path}: rows differ from {baseline}")
        expert_logits[kind] = values
    fuser_logits = expert_logits.pop(FUSER)
    meta = pd.read_parquet(typed).set_index("id")
    own_type = interactions.TYPE_COLUMNS[interactions.expert_set_of(list(experts))]
    columns = {"label": "label", "type": own_type, **{c: c for c in ("y1", "y2", "p1", "p2")}}
    if data is not None and TRUTH in pq.read_schema(data).names:
        meta = meta.join(pd.read_parquet(data, columns=["id", TRUTH]).set_index("id"))
        columns[TRUTH] = TRUTH
    rows = rows.assign(**{k: rows["id"].map(meta[c]).to_numpy() for k, c in columns.items()})
    weights = mixing.frequency_weights(scheme_rows(partition_dir, "train"))
    try:
        predictions, settings = mixing.strategy_predictions(
            rows, expert_logits, base, fuser_logits, fixed_weights, weights, gamma, method,
            cascade_threshold, combine, cascade_rule, fuser_weights,
        )  # fmt: skip
    except mixing.NoValidationRows as error:
        raise mixing.NoValidationRows(f"{baseline}: {error}") from error
    for name in settings["not_available"]:
        print(f"{name}: not available (chosen on validation rows; the logits cover none)")
    print(f"+MMoE router: {settings['mmoe_router']} (validation F1 {settings['router_val_f1']})")
    io.write_parquet(predictions, out)
    io.write_json(settings, settings_out)
    if routing_out is not None:
        diagnostics = routing.diagnostics(
            rows, expert_logits, base, fuser_logits, predictions, gamma
        )
        io.write_csv(diagnostics, routing_out)
    return predictions


def evaluate(predictions: str | Path, typed: str | Path, out: str | Path) -> pd.DataFrame:
    """Binary P/R/F1/accuracy of every method, per split, overall and per interaction type."""
    from mmoe import metrics

    scores = metrics.evaluate_predictions(pd.read_parquet(predictions), pd.read_parquet(typed))
    io.write_csv(scores, out)
    return scores

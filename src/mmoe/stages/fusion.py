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
    *,
    typed: str | Path,
    partition: str | Path,
    experts: list[str | Path],
    types: list[str],
    fuser: str | Path,
    baseline: str | Path,
    fusion: dict,
    gamma: float,
    predictions: str | Path,
    settings: str | Path,
    data: str | Path | None = None,
    routing: str | Path | None = None,
    logits_name: str | None = None,
) -> pd.DataFrame:
    """Every fusion strategy's predictions for the validation and test rows, from the logits of
    the single model (``baseline``), the ``fuser`` and the ``experts`` (one per type of
    ``types``; with ``logits_name``, folders holding that file, as the multitask experts).
    ``fusion``: the settings of :func:`mmoe.mixing.strategy_predictions` (fixed_weights, method,
    cascade_threshold, cascade_rule, combine, fuser_weights); ``gamma``: the dataset's agreement
    threshold, for the label-free routers. With ``routing``, also the routing diagnostics
    (:func:`mmoe.routing.diagnostics`), against the true types where ``data`` has them."""
    from mmoe import mixing
    from mmoe.routing import diagnostics

    if logits_name:
        experts = [Path(path, logits_name) for path in experts]
    rows, base = _logits(baseline)
    expert_logits = {}
    for kind, path in {**dict(zip(types, experts, strict=True)), FUSER: fuser}.items():
        other, values = _logits(path)
        if not other["id"].equals(rows["id"]):
            raise ValueError(f"{path}: rows differ from {baseline}")
        expert_logits[kind] = values
    fuser_logits = expert_logits.pop(FUSER)
    meta = pd.read_parquet(typed).set_index("id")
    own_type = interactions.TYPE_COLUMNS[interactions.expert_set_of(types)]
    columns = {"label": "label", "type": own_type, **{c: c for c in ("y1", "y2", "p1", "p2")}}
    if data is not None and TRUTH in pq.read_schema(data).names:
        meta = meta.join(pd.read_parquet(data, columns=["id", TRUTH]).set_index("id"))
        columns[TRUTH] = TRUTH
    rows = rows.assign(**{k: rows["id"].map(meta[c]).to_numpy() for k, c in columns.items()})
    weights = mixing.frequency_weights(scheme_rows(partition, "train"))
    routed = mixing.routers(rows, fuser_logits, base, types, gamma, fusion["fuser_weights"])
    try:
        fused, fitted = mixing.strategy_predictions(
            rows, expert_logits, base, routed, frequency_weights=weights, **fusion
        )
    except mixing.NoValidationRows as error:
        raise mixing.NoValidationRows(f"{baseline}: {error}") from error
    for name in fitted["not_available"]:
        print(f"{name}: not available (chosen on validation rows; the logits cover none)")
    print(f"+MMoE router: {fitted['mmoe_router']} (validation F1 {fitted['router_val_f1']})")
    io.write_parquet(fused, predictions)
    io.write_json(fitted, settings)
    if routing is not None:
        # the diagnostics read the softmax routers, whatever weights the strategies mix by
        if fusion["fuser_weights"] != "softmax":
            routed = mixing.routers(rows, fuser_logits, base, types, gamma)
        table = diagnostics(rows, expert_logits, base, routed, fused, gamma)
        io.write_csv(table, routing)
    return fused


def evaluate(*, predictions: str | Path, typed: str | Path, scores: str | Path) -> pd.DataFrame:
    """Binary P/R/F1/accuracy of every method, per split, overall and per interaction type."""
    from mmoe import metrics

    table = metrics.evaluate_predictions(pd.read_parquet(predictions), pd.read_parquet(typed))
    io.write_csv(table, scores)
    return table

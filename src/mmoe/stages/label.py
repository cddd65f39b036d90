"""Unimodal predictions y1, y2 and image captions (rules: label.smk)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mmoe import io
from mmoe.stages.rows import feature_widths, read_features, read_unimodal


def label_unimodal(
    dataset: str,
    data: str | Path,
    features: str | Path | None,
    view: str,
    kind: str,
    labeling: dict,
    seed: int,
    out: str | Path,
    encoder: str | None = None,
) -> pd.DataFrame:
    """Unimodal predictions for one view by the classifier backend (cross-fitted on features,
    checked against ``data``; their width too with the ``encoder`` that made them) or read by
    the precomputed backend (no ``features``), labeled by the ``labeling`` block's decision rule
    and positive-rate bound."""
    from mmoe.labeling import ViewInput, make_backend
    from mmoe.labeling.decision import decide

    frame = pd.read_parquet(data)
    array = None
    if features is not None:
        width = feature_widths({view: kind}, {view: encoder}).get(view)
        array = read_features(features, data, len(frame), width)
    backend = make_backend(labeling["backend"], labeling.get("params", {}), seed)
    result = decide(
        backend.label(ViewInput(dataset, frame, view, kind, array)), frame, *decision_rule(labeling)
    )
    io.write_parquet(result, out)
    return result


def label_shard(
    dataset: str,
    data: str | Path,
    view: str,
    kind: str,
    labeling: dict,
    seed: int,
    cache_dir: str | Path,
    n_shards: int,
    shard: int,
    out: str | Path,
    stats_out: str | Path,
) -> pd.DataFrame:
    """One shard of one view labeled by a chat-model backend (``openai`` or ``vllm``), with the
    row cache in ``cache_dir``; its throughput goes to ``stats_out``."""
    from mmoe.labeling import ViewInput
    from mmoe.labeling.jobs import label_view_shard

    view_input = ViewInput(dataset, pd.read_parquet(data), view, kind)
    result = label_view_shard(
        view_input, labeling["backend"], labeling.get("params", {}), seed, cache_dir, n_shards,
        shard,
    )  # fmt: skip
    io.write_json(result.attrs.get("stats", {}), stats_out)
    io.write_parquet(result, out)
    return result


def decision_rule(labeling: dict) -> tuple[str, float]:
    """The ``labeling`` block's decision rule and positive-rate bound (defaults: the backend's
    answer, the authors' bound)."""
    from mmoe.labeling.decision import POSITIVE_RATE_BOUND

    bound = labeling.get("positive_rate_bound", POSITIVE_RATE_BOUND)
    return labeling.get("decision", "answer"), bound


def gather_labels(
    data: str | Path,
    shards: list[str | Path],
    out: str | Path,
    decision: str = "answer",
    bound: float = 0.0,
) -> pd.DataFrame:
    """Merge a view's shards back into the data's row order (every row exactly once) and set
    each row's label by the ``decision`` rule and positive-rate ``bound``
    (:mod:`mmoe.labeling.decision`)."""
    from mmoe.labeling.decision import decide
    from mmoe.labeling.sharding import merge_shards

    frame = pd.read_parquet(data, columns=["id", "split", "label"])
    result = decide(
        merge_shards([pd.read_parquet(p) for p in shards], frame["id"]), frame, decision, bound
    )
    io.write_parquet(result, out)
    return result


def labeling_summary(
    dataset: str,
    data: str | Path,
    unimodal: dict[str, str | Path],
    max_unparsed: float,
    out: str | Path,
) -> pd.DataFrame:
    """Per-view labeling summary; warns of a view whose labels of a split are one class; fails
    when too many answers parsed to neither label."""
    from mmoe.labeling.summary import check_unparsed, one_class_warnings, summarise_labels

    frame = pd.read_parquet(data)
    outputs = {v: read_unimodal(p, data, frame["id"]) for v, p in unimodal.items()}
    summary = summarise_labels(frame, outputs)
    print(summary.to_string(index=False))
    for warning in one_class_warnings(summary, dataset):
        print(warning, file=sys.stderr)
    io.write_csv(summary, out)
    check_unparsed(summary, max_unparsed, dataset)
    return summary


def caption_view(
    dataset: str,
    data: str | Path,
    view: str,
    captioning: dict,
    seed: int,
    cache_dir: str | Path,
    out: str | Path,
) -> pd.DataFrame:
    """A description of every image of ``view`` (id, caption) by a chat-model backend, so that
    text-only families can use the image view."""
    from mmoe.labeling import ViewInput
    from mmoe.labeling.jobs import caption_images

    view_input = ViewInput(dataset, pd.read_parquet(data), view, "image")
    result = caption_images(
        view_input, captioning["backend"], captioning.get("params", {}), seed, cache_dir
    )
    io.write_parquet(result, out)
    return result

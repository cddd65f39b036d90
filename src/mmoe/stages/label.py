"""Unimodal predictions y1, y2 and image captions (rules: label.smk)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mmoe import io
from mmoe.stages.rows import read_unimodal, read_view_features


def label_unimodal(
    *,
    dataset: str,
    data: str | Path,
    view: str,
    kind: str,
    labeling: dict,
    seed: int,
    labels: str | Path,
    features: str | Path | None = None,
    shards: list[str | Path] | None = None,
    encoder: str | None = None,
) -> pd.DataFrame:
    """Unimodal predictions for one view, labeled by the ``labeling`` block's decision rule and
    positive-rate bound: by the classifier backend (cross-fitted on ``features``, checked
    against ``data``; their width too with the ``encoder`` that made them), read by the
    precomputed backend, or gathered from the ``shards`` of a chat backend (openai, vllm)."""
    from mmoe.labeling import CHAT_BACKENDS, ViewInput, make_backend
    from mmoe.labeling.decision import decide
    from mmoe.labeling.sharding import merge_shards

    frame = pd.read_parquet(data)
    if labeling["backend"] in CHAT_BACKENDS:
        answers = merge_shards([pd.read_parquet(p) for p in shards], frame["id"])
    else:
        array = None
        if features is not None:
            array = read_view_features(features, data, len(frame), view, kind, encoder)
        backend = make_backend(labeling["backend"], labeling.get("params", {}), seed)
        answers = backend.label(ViewInput(dataset, frame, view, kind, array))
    result = decide(answers, frame, labeling["decision"], labeling["positive_rate_bound"])
    io.write_parquet(result, labels)
    return result


def label_shard(
    *,
    dataset: str,
    data: str | Path,
    view: str,
    kind: str,
    labeling: dict,
    seed: int,
    cache_dir: str | Path,
    shard: int,
    labels: str | Path,
    stats: str | Path,
) -> pd.DataFrame:
    """Shard ``shard`` of ``labeling["shards"]`` of one view labeled by a chat-model backend
    (``openai`` or ``vllm``), with the row cache in ``cache_dir``; its throughput goes to
    ``stats``."""
    from mmoe.labeling import ViewInput
    from mmoe.labeling.jobs import label_view_shard

    view_input = ViewInput(dataset, pd.read_parquet(data), view, kind)
    result = label_view_shard(
        view_input, labeling["backend"], labeling.get("params", {}), seed, cache_dir,
        labeling["shards"], shard,
    )  # fmt: skip
    io.write_json(result.attrs.get("stats", {}), stats)
    io.write_parquet(result, labels)
    return result


def labeling_summary(
    *,
    dataset: str,
    data: str | Path,
    x1: str | Path,
    x2: str | Path,
    labeling: dict,
    summary: str | Path,
) -> pd.DataFrame:
    """Per-view labeling summary of the unimodal predictions ``x1``, ``x2``; warns of a view
    whose labels of a split are one class; fails when more answers than the ``labeling``
    block's ``max_unparsed_rate`` parsed to neither label."""
    from mmoe.labeling.summary import check_unparsed, one_class_warnings, summarise_labels

    frame = pd.read_parquet(data)
    outputs = {v: read_unimodal(p, data, frame["id"]) for v, p in {"x1": x1, "x2": x2}.items()}
    table = summarise_labels(frame, outputs)
    print(table.to_string(index=False))
    for warning in one_class_warnings(table, dataset):
        print(warning, file=sys.stderr)
    io.write_csv(table, summary)
    check_unparsed(table, labeling["max_unparsed_rate"], dataset)
    return table


def caption_view(
    *,
    dataset: str,
    data: str | Path,
    view: str,
    captioning: dict,
    seed: int,
    cache_dir: str | Path,
    captions: str | Path,
) -> pd.DataFrame:
    """A description of every image of ``view`` (id, caption) by a chat-model backend, so that
    text-only families can use the image view."""
    from mmoe.labeling import ViewInput
    from mmoe.labeling.jobs import caption_images

    view_input = ViewInput(dataset, pd.read_parquet(data), view, "image")
    result = caption_images(
        view_input, captioning["backend"], captioning.get("params", {}), seed, cache_dir
    )
    io.write_parquet(result, captions)
    return result

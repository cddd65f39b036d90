"""Experts trained on several datasets' pooled partitions, paper RQ4 (rules: multitask.smk)."""

from __future__ import annotations

from pathlib import Path

from mmoe import io, pooling
from mmoe.stages.partition import scheme_rows
from mmoe.stages.rows import EVAL_SPLITS, load_views
from mmoe.stages.training import fit_and_save, run_params, write_logits


def train_multitask_expert(
    *,
    family: str,
    params: dict,
    members: dict[str, dict],
    expert: str,
    seed: int,
    model: str | Path,
    logits: str | Path,
    threads: int = 1,
) -> dict:
    """Train the expert of type ``expert`` on the union of that type's training rows in several
    datasets, early-stopped on their pooled validation rows, into ``model`` (torch on
    ``threads`` threads); then write its logits for each dataset's validation and test rows as
    ``logits/<dataset>.parquet``.

    ``members`` maps each dataset to its ``data``, ``partition`` folder, ``features`` (x1, x2;
    none for a family that reads the raw views),
    view ``kinds`` and optional ``captions`` and feature ``encoders`` (their widths are then
    checked); :mod:`mmoe.pooling` pools them.
    """
    import torch

    torch.set_num_threads(threads)
    out_dir, logits_dir = model, logits
    train, val, evals = {}, {}, {}
    for name, member in members.items():
        views = load_views(
            member["data"],
            member["features"],
            member["kinds"],
            member.get("captions"),
            member.get("encoders"),
        )
        chosen = views.frame["id"].isin(scheme_rows(member["partition"], "train", expert).index)
        if chosen.any():
            train[name] = views.examples(chosen.to_numpy(), "label")
        val[name] = views.examples(views.split("val"), "label")
        rows = views.split(*EVAL_SPLITS)
        evals[name] = (views.examples(rows), views.frame.loc[rows])
    if not train:
        raise ValueError(f"no training rows of type {expert!r} in any of {sorted(members)}")
    per_dataset = {name: len(examples) for name, examples in train.items()}
    fitted, summary = fit_and_save(
        family, params, pooling.pool(train, val), pooling.pool(val), 2, seed, out_dir,
        n_train_per_dataset=per_dataset,
    )  # fmt: skip
    with io.atomic_path(logits_dir) as tmp:
        tmp.mkdir()
        for name, (examples, rows) in evals.items():
            pooled = pooling.pool({name: examples}, val)
            write_logits(fitted, params, out_dir, pooled, rows, tmp / f"{name}.parquet")
    fitted.discard_checkpoint(run_params(params, out_dir), out_dir)
    return summary

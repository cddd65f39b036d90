"""The single model, the interaction experts and the fuser (rules: training.smk).

Each ``fit_*`` trains one model of a family, saves it, reloads it from disk and writes its logits
for every validation and test row; they differ only in the rows and targets they train and select
on. The rules' functions (``train_baseline``, ``train_expert``, ``train_fuser``,
``train_scheme``: :data:`TASKS`) load the job's rows and call them.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import interactions, io
from mmoe.families import FAMILIES, Examples, get_family
from mmoe.stages.partition import scheme_rows
from mmoe.stages.rows import EVAL_SPLITS, Views, load_views


def supports_init_from(family: str) -> bool:
    """Whether ``family`` can start training from a saved model of its own (``init_from``):
    the shared start of the experts. LoRA families share their pretrained base instead."""
    return getattr(FAMILIES[family], "supports_init_from", False)


def reads_features(family: str) -> bool:
    """Whether ``family`` reads the views' frozen features (the LoRA families read the raw views:
    their jobs need no embedding)."""
    return getattr(FAMILIES[family], "reads_features", False)


def fit_single_model(
    family: str, params: dict, views: Views, seed: int, out_dir: str | Path, logits_out: str | Path
) -> dict:
    """The single model: every training row, gold labels; selected on every validation row."""
    train = views.examples(views.split("train"), "label")
    val = views.examples(views.split("val"), "label")
    return fit_and_predict(family, params, views, train, val, 2, seed, out_dir, logits_out)


def fit_expert(
    family: str,
    params: dict,
    views: Views,
    partition_dir: str | Path,
    expert: str,
    seed: int,
    out_dir: str | Path,
    logits_out: str | Path,
    init_from: str | Path | None = None,
    type_aware: bool = False,
) -> dict:
    """The expert of type ``expert``: the scheme's training rows of that type, gold labels;
    selected on the scheme's validation rows of that type (``type_aware``, if any) or on every
    validation row; started from the saved single model ``init_from`` when given (families that
    :func:`supports_init_from` only). A type without training rows leaves that start as it is."""
    if init_from and not supports_init_from(family):
        raise ValueError(f"family {family!r} cannot start from a saved model (init_from)")
    chosen = views.frame["id"].isin(scheme_rows(partition_dir, "train", expert).index)
    if not chosen.any():
        if init_from is None:
            raise ValueError(
                f"{partition_dir}: no training rows of type {expert!r}, and no single model to "
                "start from (experts.shared_start, for families that support it)"
            )
        print(f"no training rows of type {expert!r}: the expert is its start, the single model")
        return unchanged_start(family, params, views, init_from, out_dir, logits_out)
    train = views.examples(chosen.to_numpy(), "label")
    own = views.frame["id"].isin(scheme_rows(partition_dir, "val", expert).index).to_numpy()
    val_rows = own if type_aware and own.any() else views.split("val")
    val = views.examples(val_rows, "label")
    params = {**params, "init_from": str(init_from)} if init_from else params
    return fit_and_predict(family, params, views, train, val, 2, seed, out_dir, logits_out)


def fit_fuser(
    family: str,
    params: dict,
    views: Views,
    partition_dir: str | Path,
    seed: int,
    out_dir: str | Path,
    logits_out: str | Path,
    types: Sequence[str] = interactions.INTERACTIONS,
    probabilities: str | Path | None = None,
    soft_targets: str | Path | None = None,
    loss: dict | None = None,
) -> dict:
    """The fuser, a classifier over the scheme's ``types`` (its classes, in this order): the
    scheme's training rows with their types as targets; selected on the scheme's validation rows
    and types. With ``probabilities`` (the typed rows), it also reads each row's unimodal
    probabilities as a feature block ``p``; with ``soft_targets`` (the typed rows), its training
    targets are the rows' soft R/U/S types (:func:`interactions.soft_rus`; the hard type where a
    view has no probability). ``loss``: the family's loss settings
    (:data:`mmoe.families.losses.DEFAULT_LOSS`)."""
    if probabilities is not None:
        views = with_probabilities(views, probabilities)
    params = {**params, **(loss or {})}
    codes = {interaction: code for code, interaction in enumerate(types)}
    sets = []
    for split in ("train", "val"):
        assigned = scheme_rows(partition_dir, split)["interaction"]
        unknown = sorted(set(assigned) - set(codes))
        if unknown:
            raise ValueError(f"{partition_dir}: types {unknown} are not the fuser's {list(types)}")
        targets = views.frame["id"].map(assigned).map(codes)
        rows = targets.notna().to_numpy()
        if not rows.any():
            raise ValueError(f"{partition_dir}: no {split} rows")
        frame = views.frame.assign(target=targets.fillna(-1).astype(int).to_numpy())
        sets.append(Views(frame, views.features, views.kinds).examples(rows, "target"))
    train, val = sets
    if soft_targets is not None:
        if tuple(types) != interactions.INTERACTIONS:
            raise ValueError(f"soft fuser targets are R/U/S types; the fuser's are {list(types)}")
        train = with_soft_targets(train, soft_targets)
    return fit_and_predict(family, params, views, train, val, len(codes), seed, out_dir, logits_out)


def fuser_soft_targets(scheme: str, targets: str) -> bool:
    """Whether ``scheme``'s fuser trains on soft types when ``targets`` is ``soft``: schemes of
    R/U/S experts whose rows keep their own type (not ``random``, whose shuffled types are the
    control, nor the five-type schemes)."""
    sampling, expert_set = interactions.scheme_spec(scheme)
    return targets == "soft" and expert_set == "rus" and sampling != "random"


def with_soft_targets(train: Examples, typed: str | Path) -> Examples:
    """``train`` with soft R/U/S targets from the typed rows' p1, p2 and gold label; a row
    without both probabilities keeps its hard type (one-hot)."""
    meta = pd.read_parquet(typed, columns=["id", "p1", "p2", "label"]).set_index("id")
    rows = meta.loc[train.ids]
    soft = interactions.soft_rus(rows["p1"], rows["p2"], rows["label"])
    hard = np.eye(len(interactions.INTERACTIONS))[train.targets]
    known = np.isfinite(soft).all(axis=1)
    return dataclasses.replace(train, targets=np.where(known[:, None], soft, hard))


def unchanged_start(family, params, views: Views, init_from, out_dir, logits_out) -> dict:
    """A copy of the saved model ``init_from`` as the output model, with its logits."""
    with io.atomic_path(out_dir) as tmp:
        shutil.copytree(init_from, tmp)
        summary = json.loads((tmp / "summary.json").read_text())
        summary.update(n_train=0, fine_tuned=False)
        io.write_json(summary, tmp / "summary.json")
    write_eval_logits(get_family(family), params, out_dir, views, logits_out)
    return summary


def with_probabilities(views: Views, typed: str | Path) -> Views:
    """``views`` with the feature block ``p`` = (p1, p2) of the typed rows; 0.5 (no information)
    where a view's answer gave no probability."""
    meta = pd.read_parquet(typed, columns=["id", "p1", "p2"]).set_index("id")
    p = meta.reindex(views.frame["id"]).to_numpy(dtype=float)
    return Views(views.frame, {**views.features, "p": np.nan_to_num(p, nan=0.5)}, views.kinds)


def fit_and_predict(
    family, params, views: Views, train: Examples, val: Examples, n_classes, seed, out_dir, logits
) -> dict:
    """Fit and save a model, then reload it and write its logits for the evaluation rows; the
    epoch checkpoints go only once both are committed."""
    model, summary = fit_and_save(family, params, train, val, n_classes, seed, out_dir)
    write_eval_logits(model, params, out_dir, views, logits)
    model.discard_checkpoint(run_params(params, out_dir), out_dir)
    return summary


def fit_and_save(family, params, train, val, n_classes, seed, out_dir, **extra) -> tuple:
    """Fit ``family`` and save it, with a ``summary.json`` of the run (plus ``extra``), to
    ``out_dir`` atomically; returns the family and the summary."""
    model = get_family(family)
    with io.atomic_path(out_dir) as tmp:
        summary = model.fit(train, val, n_classes, tmp, run_params(params, out_dir), seed)
        summary.update(n_train=len(train), n_val=len(val), parameters=model.parameter_counts(tmp))
        summary.update(extra)
        io.write_json(summary, tmp / "summary.json")
    return model, summary


def run_params(params: dict, out_dir: str | Path) -> dict:
    """``params`` with the epoch checkpoints' folder beside ``out_dir``: Snakemake removes a
    declared output before rerunning an interrupted job, so a resubmitted job resumes from them
    (families that checkpoint)."""
    out_dir = Path(out_dir)
    return {"checkpoint_dir": str(out_dir.parent / f".{out_dir.name}.checkpoint"), **params}


def write_eval_logits(model, params, model_dir, views: Views, out) -> pd.DataFrame:
    """:func:`write_logits` of every validation and test row of ``views``."""
    rows = views.split(*EVAL_SPLITS)
    return write_logits(model, params, model_dir, views.examples(rows), views.frame.loc[rows], out)


def write_logits(model, params, model_dir, examples, rows: pd.DataFrame, out) -> pd.DataFrame:
    """Write (id, split, logit_k...) for ``examples``, whose order is that of ``rows``."""
    logits = model.predict(Path(model_dir), examples, params)
    result = rows[["id", "split"]].reset_index(drop=True)
    for k in range(logits.shape[1]):
        result[f"logit_{k}"] = np.asarray(logits[:, k], dtype=float)
    io.write_parquet(result, out)
    return result


def job_views(
    data, x1, x2, kinds: dict, encoders: dict, caption_x1=None, caption_x2=None, threads=1
) -> Views:
    """The job's rows, the views' features (checked against ``kinds`` and ``encoders``; none
    for a family that does not read them: ``x1``, ``x2`` None) and the captions of captioned
    image views; torch on ``threads`` threads."""
    import torch

    torch.set_num_threads(threads)
    captions = {v: p for v, p in {"x1": caption_x1, "x2": caption_x2}.items() if p}
    features = {v: p for v, p in {"x1": x1, "x2": x2}.items() if p}
    return load_views(data, features, kinds, captions, encoders)


def expert_start(expert_training: dict, single_model) -> dict:
    """:func:`fit_expert`'s start and selection from the ``experts`` settings."""
    return {"init_from": single_model, "type_aware": expert_training["type_aware_selection"]}


def fuser_settings(fuser_training: dict, fuser_probabilities: bool, soft_targets: bool, typed):
    """:func:`fit_fuser`'s inputs from the ``fusion`` settings: the typed rows as the fuser's
    probabilities and/or soft targets, and its loss settings."""
    return {
        "probabilities": typed if fuser_probabilities else None,
        "soft_targets": typed if soft_targets else None,
        "loss": {k: v for k, v in fuser_training.items() if k != "targets"},
    }


def train_baseline(
    *, family, params, kinds, encoders, seed, data, model, logits, x1=None, x2=None,
    caption_x1=None, caption_x2=None, threads=1,
) -> dict:  # fmt: skip
    """Rule train_baseline: :func:`fit_single_model` on the job's rows."""
    views = job_views(data, x1, x2, kinds, encoders, caption_x1, caption_x2, threads)
    return fit_single_model(family, params, views, seed, model, logits)


def train_expert(
    *, family, params, kinds, encoders, seed, data, partition, expert, expert_training,
    model, logits, x1=None, x2=None, single_model=None, caption_x1=None, caption_x2=None,
    threads=1,
) -> dict:  # fmt: skip
    """Rule train_expert: :func:`fit_expert` of type ``expert`` on the job's rows."""
    views = job_views(data, x1, x2, kinds, encoders, caption_x1, caption_x2, threads)
    start = expert_start(expert_training, single_model)
    return fit_expert(family, params, views, partition, expert, seed, model, logits, **start)


def train_fuser(
    *, family, params, kinds, encoders, seed, data, partition, types, fuser_training,
    fuser_probabilities, soft_targets, model, logits, x1=None, x2=None, typed=None,
    caption_x1=None, caption_x2=None, threads=1,
) -> dict:  # fmt: skip
    """Rule train_fuser: :func:`fit_fuser` over the scheme's ``types`` on the job's rows."""
    views = job_views(data, x1, x2, kinds, encoders, caption_x1, caption_x2, threads)
    settings = fuser_settings(fuser_training, fuser_probabilities, soft_targets, typed)
    return fit_fuser(family, params, views, partition, seed, model, logits, types, **settings)


def train_scheme(
    *, family, params, kinds, encoders, seed, data, partition, types, expert_training,
    fuser_training, fuser_probabilities, soft_targets, experts, expert_logits, fuser,
    fuser_logits, x1=None, x2=None, typed=None, single_model=None, caption_x1=None,
    caption_x2=None, threads=1,
) -> None:  # fmt: skip
    """Rules train_<expert set>_scheme: the scheme's experts (one per type), then its fuser, in
    one job, so that Python, torch and the rows load once."""
    views = job_views(data, x1, x2, kinds, encoders, caption_x1, caption_x2, threads)
    start = expert_start(expert_training, single_model)
    for expert, out_dir, out in zip(types, experts, expert_logits, strict=True):
        print(f"expert {expert}", flush=True)
        fit_expert(family, params, views, partition, expert, seed, out_dir, out, **start)
    print("fuser", flush=True)
    settings = fuser_settings(fuser_training, fuser_probabilities, soft_targets, typed)
    fit_fuser(family, params, views, partition, seed, fuser, fuser_logits, types, **settings)


# The training rules' ``task`` param -> its function (scripts/train_model.py).
TASKS = {
    "single_model": train_baseline,
    "expert": train_expert,
    "fuser": train_fuser,
    "scheme": train_scheme,
}

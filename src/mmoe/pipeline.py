"""Stage functions: what each workflow rule does, callable (and tested) without Snakemake.

Each function reads its input files, calls the science modules and writes its outputs atomically.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import interactions, io
from mmoe.families import Examples, get_family

BASELINE = "all"
FUSER = "fuser"
EVAL_SPLITS = ("val", "test")


def synthesize(cfg: dict, out_dir: str | Path, seed: int) -> None:
    """Generate the synthetic source: PNGs and ``table.parquet`` in ``out_dir``."""
    from mmoe.datasets.synthetic import generate_synthetic

    with io.atomic_path(out_dir) as tmp:
        images = Path(out_dir) / "images"
        frame = generate_synthetic(
            tmp / "images", cfg["n"], cfg["mixture"], cfg["splits"], seed, cfg.get("image_size", 32)
        )
        frame["x1"] = [str(images / Path(p).name) for p in frame["x1"]]
        frame.to_parquet(tmp / "table.parquet", index=False)


def ingest(
    name: str,
    cfg: dict,
    source: str | Path,
    out: str | Path,
    seed: int,
    dropped: str | Path | None = None,
) -> pd.DataFrame:
    """Adapt, validate and write a dataset's normalised table; nothing is written if invalid.

    ``dropped`` receives the report (id, line, reason) of rows dropped under ``on_invalid: drop``.
    """
    from mmoe.datasets import read_dataset

    frame, report = read_dataset(name, cfg, source, seed)
    io.write_parquet(frame, out)
    if dropped is not None:
        io.write_csv(report, dropped)
    return frame


def embed_view(
    data: str | Path, view: str, kind: str, text_model: str | Path, out: str | Path
) -> None:
    """Frozen features of one view, aligned with ``data``'s rows."""
    from mmoe import embed

    frame = pd.read_parquet(data)
    io.write_npy(embed.embed_view(frame[view].tolist(), kind, text_model), out)


def label_unimodal(
    dataset: str,
    data: str | Path,
    features: str | Path,
    view: str,
    kind: str,
    labeling: dict,
    seed: int,
    out: str | Path,
) -> pd.DataFrame:
    """Unimodal predictions for one view with the configured backend."""
    from mmoe.labeling import ViewInput, make_backend

    frame = pd.read_parquet(data)
    backend = make_backend(labeling["backend"], labeling.get("params", {}), seed)
    result = backend.label(ViewInput(dataset, frame, view, kind, np.load(features)))
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


def gather_labels(data: str | Path, shards: list[str | Path], out: str | Path) -> pd.DataFrame:
    """Merge a view's shards back into the data's row order (every row exactly once)."""
    from mmoe.labeling.sharding import merge_shards

    ids = pd.read_parquet(data, columns=["id"])["id"]
    result = merge_shards([pd.read_parquet(p) for p in shards], ids)
    io.write_parquet(result, out)
    return result


def summarise_labels(
    dataset: str,
    data: str | Path,
    unimodal: dict[str, str | Path],
    max_unparsed: float,
    out: str | Path,
) -> pd.DataFrame:
    """Per-view labeling summary; fails when too many answers parsed to neither label."""
    from mmoe.labeling.summary import check_unparsed, labeling_summary

    summary = labeling_summary(
        pd.read_parquet(data), {v: pd.read_parquet(p) for v, p in unimodal.items()}
    )
    print(summary.to_string(index=False))
    io.write_csv(summary, out)
    check_unparsed(summary, max_unparsed, dataset)
    return summary


def partition(
    data: str | Path,
    unimodal: dict[str, str | Path],
    gamma: float,
    schemes: dict[str, str | Path],
    seed: int,
    typed_out: str | Path,
    counts_out: str | Path,
) -> pd.DataFrame:
    """Type every row, write each scheme's hive-partitioned training rows and the counts."""
    frame = pd.read_parquet(data)
    typed = interactions.label_interactions(
        frame, {v: pd.read_parquet(p) for v, p in unimodal.items()}, gamma
    )
    train = typed[typed["split"] == "train"]
    assignments = {s: interactions.scheme_assignment(train, s, seed) for s in schemes}
    for scheme, path in schemes.items():
        interactions.write_partition(assignments[scheme], path)
    counts = interactions.count_types(typed, assignments)
    io.write_parquet(typed, typed_out)
    io.write_csv(counts, counts_out)
    print(counts.to_string(index=False))
    return counts


def _examples(frame: pd.DataFrame, features: dict[str, np.ndarray], kinds: dict, rows, target=None):
    index = np.flatnonzero(rows)
    picked = frame.iloc[index]
    examples = Examples.from_frame(
        picked, kinds, {v: f[index] for v, f in features.items()}, target
    )
    examples.captions = {
        view: picked[f"caption_{view}"].tolist()
        for view in kinds
        if f"caption_{view}" in picked.columns
    }
    return examples


def _load(
    data: str | Path, features: dict[str, str | Path], captions: dict[str, str | Path] | None = None
):
    """The data table (with a ``caption_<view>`` column per captioned view) and the features."""
    frame = pd.read_parquet(data)
    for view, path in (captions or {}).items():
        described = pd.read_parquet(path).set_index("id")["caption"]
        column = frame["id"].map(described)
        if column.isna().any():
            missing = frame.loc[column.isna(), "id"].tolist()
            raise ValueError(f"{path}: no caption for {len(missing)} row(s), e.g. {missing[:5]}")
        frame[f"caption_{view}"] = column
    return frame, {v: np.load(p) for v, p in features.items()}


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


def train_model(
    family: str,
    params: dict,
    data: str | Path,
    features: dict[str, str | Path],
    kinds: dict,
    typed: str | Path,
    role: str,
    partition_dir: str | Path | None,
    seed: int,
    out_dir: str | Path,
    logits_out: str | Path,
    captions: dict[str, str | Path] | None = None,
) -> dict:
    """Train an expert (``role`` R/U/S on its partition), the baseline (``all``: every training
    row) or the fuser (``fuser``: a 3-way R/U/S classifier on the scheme's training rows), then
    reload the saved model and write its logits for every validation and test row. Image views
    with ``captions`` files reach the family as text descriptions too."""
    frame, feats = _load(data, features, captions)
    types = pd.read_parquet(typed).set_index("id")
    if role == BASELINE:
        members = frame["split"] == "train"
    else:
        assignment = _assignment(partition_dir, role)
        members = frame["id"].isin(assignment.index)
    if role == FUSER:
        codes = {k: i for i, k in enumerate(interactions.INTERACTIONS)}
        scheme_types = types["interaction"].copy()
        scheme_types.update(assignment["interaction"])
        frame = frame.assign(target=frame["id"].map(scheme_types).map(codes).to_numpy())
        n_classes = len(codes)
    else:
        frame = frame.assign(target=frame["label"])
        n_classes = 2
    if not members.any():
        raise ValueError(f"no training rows for role {role!r} in {partition_dir or typed}")
    train = _examples(frame, feats, kinds, members.to_numpy(), "target")
    val = _examples(frame, feats, kinds, (frame["split"] == "val").to_numpy(), "target")
    model, summary = _fit_and_save(family, params, train, val, n_classes, seed, out_dir)
    predict_logits(model, params, out_dir, frame, feats, kinds, logits_out)
    return summary


def train_multitask_expert(
    family: str,
    params: dict,
    members: dict[str, dict],
    role: str,
    seed: int,
    out_dir: str | Path,
    logits_dir: str | Path,
) -> dict:
    """Train one expert of type ``role`` (R/U/S) on the union of that type's partitions in several
    datasets (paper RQ4), early-stopped on their pooled validation rows; then write its logits for
    each dataset's validation and test rows as ``logits_dir/<dataset>.parquet``.

    ``members`` maps each dataset to its ``data``, ``partition`` folder, ``features`` (x1, x2),
    view ``kinds`` and optional ``captions``; :mod:`mmoe.multitask` pools them.
    """
    from mmoe import multitask

    train, val, evals = {}, {}, {}
    for name, member in members.items():
        frame, feats = _load(member["data"], member["features"], member.get("captions"))
        chosen = frame["id"].isin(_assignment(member["partition"], role).index).to_numpy()
        split = frame["split"]
        if chosen.any():
            train[name] = _examples(frame, feats, member["kinds"], chosen, "label")
        val[name] = _examples(frame, feats, member["kinds"], (split == "val").to_numpy(), "label")
        rows = split.isin(EVAL_SPLITS).to_numpy()
        evals[name] = (_examples(frame, feats, member["kinds"], rows), frame.loc[rows])
    if not train:
        raise ValueError(f"no training rows for role {role!r} in any of {sorted(members)}")
    pooled_train, pooled_val = multitask.pool(train, val), multitask.pool(val)
    per_dataset = {name: len(examples) for name, examples in train.items()}
    model, summary = _fit_and_save(
        family, params, pooled_train, pooled_val, 2, seed, out_dir, n_train_per_dataset=per_dataset
    )
    with io.atomic_path(logits_dir) as tmp:
        tmp.mkdir()
        for name, (examples, rows) in evals.items():
            pooled = multitask.pool({name: examples}, val)
            _write_logits(model, params, out_dir, pooled, rows, tmp / f"{name}.parquet")
    return summary


def _assignment(partition_dir: str | Path, role: str) -> pd.DataFrame:
    """A scheme's training rows (indexed by id): all of them for the fuser, else type ``role``."""
    assignment = interactions.read_partition(partition_dir).set_index("id")
    return assignment if role == FUSER else assignment[assignment["interaction"] == role]


def _fit_and_save(family, params, train, val, n_classes, seed, out_dir, **extra):
    """Fit ``family`` and save it, with a ``summary.json`` of the run (plus ``extra``), to
    ``out_dir`` atomically.

    Epoch checkpoints live beside the declared output, which Snakemake removes before it reruns
    an interrupted job: a resubmitted job resumes from them (families that checkpoint).
    """
    model = get_family(family)
    out_dir = Path(out_dir)
    run_params = {"checkpoint_dir": str(out_dir.parent / f".{out_dir.name}.checkpoint"), **params}
    with io.atomic_path(out_dir) as tmp:
        summary = model.fit(train, val, n_classes, tmp, run_params, seed)
        summary.update(n_train=len(train), n_val=len(val), parameters=model.parameter_counts(tmp))
        summary.update(extra)
        io.write_json(summary, tmp / "summary.json")
    return model, summary


def predict_logits(
    model,
    params: dict,
    model_dir: str | Path,
    frame: pd.DataFrame,
    features: dict[str, np.ndarray],
    kinds: dict,
    out: str | Path,
) -> pd.DataFrame:
    """Logits of a saved model for every validation and test row of ``frame``."""
    rows = frame["split"].isin(EVAL_SPLITS).to_numpy()
    examples = _examples(frame, features, kinds, rows)
    return _write_logits(model, params, model_dir, examples, frame.loc[rows], out)


def _write_logits(model, params, model_dir, examples, rows: pd.DataFrame, out) -> pd.DataFrame:
    """Write (id, split, logit_k...) for ``examples``, whose order is that of ``rows``."""
    logits = model.predict(Path(model_dir), examples, params)
    result = rows[["id", "split"]].reset_index(drop=True)
    for k in range(logits.shape[1]):
        result[f"logit_{k}"] = logits[:, k].astype(float)
    io.write_parquet(result, out)
    return result


def _logits(path: str | Path) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.read_parquet(path)
    return frame, frame.filter(like="logit_").to_numpy()


def fuse(
    typed: str | Path,
    experts: dict[str, str | Path],
    baseline: str | Path,
    fuser: str | Path,
    partition_dir: str | Path,
    fixed_weights: dict[str, float],
    out: str | Path,
    settings_out: str | Path,
) -> pd.DataFrame:
    """Every fusion strategy's predictions for the validation and test rows."""
    from mmoe import fusion

    rows, base = _logits(baseline)
    expert_logits = {}
    for kind, path in {**experts, FUSER: fuser}.items():
        other, values = _logits(path)
        if not other["id"].equals(rows["id"]):
            raise ValueError(f"{path}: rows differ from {baseline}")
        expert_logits[kind] = values
    fuser_logits = expert_logits.pop(FUSER)
    meta = pd.read_parquet(typed).set_index("id")
    rows = rows.assign(
        label=rows["id"].map(meta["label"]).to_numpy(),
        interaction=rows["id"].map(meta["interaction"]).to_numpy(),
    )
    weights = fusion.frequency_weights(interactions.read_partition(partition_dir))
    predictions, settings = fusion.fuse(
        rows, expert_logits, base, fuser_logits, fixed_weights, weights
    )
    io.write_parquet(predictions, out)
    io.write_json(settings, settings_out)
    return predictions


def evaluate(predictions: str | Path, typed: str | Path, out: str | Path) -> pd.DataFrame:
    """Binary P/R/F1/accuracy of every method, per split, overall and per interaction type."""
    from mmoe import metrics

    scores = metrics.evaluate_predictions(pd.read_parquet(predictions), pd.read_parquet(typed))
    io.write_csv(scores, out)
    return scores


def dataset_pid(
    data: str | Path,
    features: dict[str, str | Path],
    typed: str | Path,
    predictions: dict[str, str | Path],
    seed: int,
    out: str | Path,
) -> dict:
    """PID (bits) of the two views, k-means-discretised once over all rows, with: the gold label
    on all rows and on each interaction type's rows; and, per family in ``predictions`` (a fused
    predictions file), the single model's and the +MMoE predictions on the rows they cover (the
    thesis' model quantification). Returns (and writes) ``{subset: pid}``."""
    from mmoe import pid

    frame, feats = _load(data, features)
    k = pid.default_k(len(frame))
    codes = [pid.discretise(feats[view], k, seed) for view in ("x1", "x2")]

    def decompose(index: np.ndarray, y) -> dict:
        return pid.codes_pid(codes[0][index], codes[1][index], y) | {"k1": k, "k2": k}

    label = frame["label"].to_numpy()
    kinds = frame["id"].map(pd.read_parquet(typed).set_index("id")["interaction"]).to_numpy()
    result = {"all rows": decompose(np.arange(len(frame)), label)}
    for kind in interactions.INTERACTIONS:
        index = np.flatnonzero(kinds == kind)
        if index.size:
            result[f"{kind} rows"] = decompose(index, label[index])
    position = pd.Series(np.arange(len(frame)), index=frame["id"])
    for family, path in predictions.items():
        fused = pd.read_parquet(path)
        index = position[fused["id"]].to_numpy()
        for column, name in (("baseline", "single model"), ("model", "+MMoE")):
            result[f"{family} {name} predictions"] = decompose(index, fused[column])
    io.write_json(result, out)
    return result


def _read_json(path: str | Path) -> dict:
    return json.loads(Path(path).read_text())


def _parameter_counts(models: list[dict]) -> pd.DataFrame:
    """One row per trained model record (dataset, family, role, seed, path) with its total size."""
    totals = [_read_json(Path(m["path"]) / "summary.json")["parameters"]["total"] for m in models]
    return pd.DataFrame(models).assign(total=totals)


def build_tables(
    runs: list[dict],
    multitask_runs: list[dict],
    groups: dict[str, list[str]],
    models: list[dict],
    files: dict[str, dict[str, str | Path]],
    reported: str | Path,
    paper_models: dict,
    schemes: dict[str, str],
    tables_dir: str | Path,
    figures_dir: str | Path,
) -> None:
    """Every table (Markdown + CSV + LaTeX) and figure from the per-run and per-dataset files.

    ``runs``: metric files (dataset, family, scheme, seed, path); ``multitask_runs``: those of the
    multitask experts (group, dataset, family, seed, path) of ``groups`` (group -> datasets);
    ``models``: model folders
    (dataset, family, role, seed, path); ``files``: per dataset its ``counts``, ``typed``, ``pid``
    and, where there are reference types, ``data`` (synthetic truth) and ``human`` (annotations);
    ``schemes``: the ``main`` scheme and the one of the ``five_types`` table.
    """
    from mmoe import figures, tables

    scores = tables.load_metrics(runs)
    paper = tables.load_reported(reported)
    typed = {d: pd.read_parquet(f["typed"]) for d, f in files.items()}
    counts = {d: pd.read_csv(f["counts"]) for d, f in files.items()}
    main = schemes["main"]
    references = {
        key: {d: (typed[d], read(f[key])) for d, f in files.items() if key in f}
        for key, read in (("data", pd.read_parquet), ("human", pd.read_csv))
    }
    built = {
        "main_results": (
            tables.main_results(scores, paper, paper_models, main),
            ["precision", "recall", "f1"],
        ),
        "fusion_ablation": (tables.fusion_ablation(scores, paper, paper_models, main), ["f1"]),
        "per_interaction": (
            tables.per_interaction(scores, paper, paper_models, main),
            ["accuracy", "f1"],
        ),
        "partition_ablation": (
            tables.partition_ablation(scores, counts, paper),
            ["f1"],
        ),
        "five_types": (
            tables.five_types(scores, typed, paper, schemes["five_types"]),
            ["single_model_f1", "expert_f1"],
        ),
        "parameters": (tables.parameters(scores, _parameter_counts(models), main), ["f1"]),
        "rus_agreement": (
            tables.categorisation(references["data"], references["human"], paper),
            [],
        ),
        "multitask": (
            tables.multitask(
                scores, tables.load_metrics(multitask_runs), counts, groups, paper, main
            ),
            ["f1", "s_expert_accuracy"],
        ),
        "dataset_summary": (tables.dataset_summary(typed), []),
        "pid": (
            tables.pid_table({d: _read_json(f["pid"]) for d, f in files.items()}),
            [],
        ),
    }
    for name, (stats, columns) in built.items():
        decimals = 3 if name == "pid" else 2  # bits
        tables.write_table(stats, columns, Path(tables_dir) / name, decimals)
    figures_dir = Path(figures_dir)
    figures.per_interaction_bars(built["per_interaction"][0], figures_dir / "per_interaction.png")
    figures.parameters_vs_f1(built["parameters"][0], figures_dir / "parameters.png")
    figures.pid_bars(built["pid"][0], figures_dir / "pid.png")

"""Aggregate per-run metric files into the paper's tables (mean and std over seeds)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from mmoe import io
from mmoe.datasets.validate import DataValidationError, Problem
from mmoe.interactions import (
    FIVE_TO_RUS,
    FIVE_TYPES,
    INTERACTIONS,
    TRUE_TYPES,
    scheme_experts,
)
from mmoe.mixing import MMOE, ROUTERS, rus_class

MISSING = "–"
FUSION_ROWS = {
    MMOE: "+MMoE (the selected router)",
    "model": "model-based",
    "model_hard": "model-based, hard",
    "model_agreement": "model-based within the views' (dis)agreement",
    "model_agreement_hard": "model-based within the views' (dis)agreement, hard",
    "proxy": "label-free types, single model as label proxy",
    "proxy_soft": "label-free types, single model as label proxy, soft",
    "average": "average",
    "weighted_fixed": "weighted (fixed 0.2/0.5/0.3)",
    "weighted_frequency": "weighted (training frequency)",
    "cascaded": "cascaded",
    "baseline": "no fusion (single model)",
    "oracle": "oracle (upper bound)",
}
PAPER_FUSION_KEYS = {
    "model": "model_based",
    "average": "average",
    "weighted_fixed": "weighted",
    "cascaded": "cascaded",
    "baseline": "baseline",
}
PAPER_RQ1_KEYS = {"ALBEF": "albef_experts"}  # paper model -> its per-interaction scores (Fig. 7)
PAPER_DATASET = "mustard"  # the ablations, RQ1, RQ3 and the five-type table are MUStARD-only
# The key of ``reported`` under which the tables stage records, per dataset, the paper's dataset
# it reproduces (its config's ``paper_dataset``), whose numbers fill its paper columns.
PAPER_NAMES = "paper_datasets"
KEYS = ["dataset", "family", "scheme"]
MODELS = {"baseline": "single model", MMOE: "+MMoE"}
# The model each router runs beside the experts (fusion.ROUTERS) as a role of parameter_counts.
ROUTER_ROLES = {"fuser": "fuser", "single model": "all"}
SPLITS = ["train", "val", "test"]


def load_metrics(runs: list[dict]) -> pd.DataFrame:
    """Concatenate metric CSVs; each run dict has a ``path`` and keys (dataset, family, seed...)
    that become columns. No runs give an empty frame."""
    frames = [
        pd.read_csv(run["path"]).assign(**{k: v for k, v in run.items() if k != "path"})
        for run in runs
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def load_selected(fused: list[dict]) -> pd.DataFrame:
    """The router of +MMoE of each fused run (dataset, family, seed, ``settings``: its file)."""
    return pd.DataFrame(
        [
            {
                **{k: run[k] for k in ("dataset", "family", "seed")},
                "router": json.loads(Path(run["settings"]).read_text())["mmoe_router"],
            }
            for run in fused
        ]
    )


def load_reported(path: str | Path) -> dict:
    """The papers' reported numbers (``paper/reported.yaml``)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def mean_std(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean, std (ddof=1; NaN, i.e. undefined, for a single seed) and seed count of ``columns``
    grouped ``by``."""
    grouped = frame.groupby(by, sort=False)[columns]
    out = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    return out.join(grouped.size().rename("seeds")).reset_index()


def fmt(mean: float, std: float) -> str:
    """``mean ± std`` with two decimals; a dash for a missing mean or an undefined std."""
    if pd.isna(mean):
        return MISSING
    return f"{mean:.2f} ± {MISSING if pd.isna(std) else f'{std:.2f}'}"


def paper_value(value: object, decimals: int = 2) -> str:
    """A reported number as text, or a dash where the paper has none."""
    return MISSING if value is None or pd.isna(value) else f"{float(value):.{decimals}f}"


def _dig(tree: dict, *keys: object) -> object:
    """``tree[k1][k2]...``, or None as soon as a key is missing or None."""
    for key in keys:
        if not isinstance(tree, dict) or key is None:
            return None
        tree = tree.get(key)
    return tree


def _per_row(stats: pd.DataFrame, function) -> list:
    """``function`` applied to each row (as a dict) of ``stats``."""
    return [function(row) for row in stats.to_dict("records")]


def paper_name(reported: dict, dataset: str) -> str:
    """The paper's name of ``dataset`` (:data:`PAPER_NAMES`; by default its own)."""
    return reported.get(PAPER_NAMES, {}).get(dataset, dataset)


def is_paper_dataset(reported: dict, dataset: str) -> bool:
    """Whether ``dataset`` reproduces the paper's MUStARD, the dataset of its ablations."""
    return paper_name(reported, dataset) == PAPER_DATASET


def with_trivial(
    stats: pd.DataFrame, trivial: pd.DataFrame, name_column: str, columns: list[str]
) -> pd.DataFrame:
    """``stats`` with each dataset's trivial classifiers (:func:`mmoe.typing_chain.
    trivial_scores`) after its own rows: named in ``name_column``, family a dash, ``columns``
    as means with an undefined std (they are computed once: seeds 1)."""
    extra = trivial[["dataset", "method", *columns]].rename(
        columns={"method": name_column, **{c: f"{c}_mean" for c in columns}}
    )
    extra = extra.assign(family=MISSING, seeds=1, **{f"{c}_std": np.nan for c in columns})
    out = pd.concat([stats, extra[extra["dataset"].isin(stats["dataset"])]], ignore_index=True)
    counts = stats.select_dtypes(
        "integer"
    ).columns  # counts stay whole where trivial rows lack them
    out[counts] = out[counts].astype("Int64")
    return out.sort_values("dataset", kind="stable", ignore_index=True)


def _test_overall(metrics: pd.DataFrame) -> pd.DataFrame:
    return metrics[(metrics["split"] == "test") & (metrics["interaction"] == "all")]


def main_results(
    metrics: pd.DataFrame,
    selected: pd.DataFrame,
    reported: dict,
    paper_models: dict,
    scheme: str,
) -> pd.DataFrame:
    """Table 1: baseline vs +MMoE per dataset and family, test split, with the routers of +MMoE
    (``selected``: :func:`load_selected`) and how many seeds chose each."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["precision", "recall", "f1"])
    routers = selected.groupby(["dataset", "family"])["router"].agg(
        lambda chosen: ", ".join(f"{r} ×{n}" for r, n in chosen.value_counts().items())
    )
    stats["routers"] = [
        routers.get((d, f)) if m == MMOE else None
        for d, f, m in zip(stats["dataset"], stats["family"], stats["method"], strict=True)
    ]
    stats["method"] = stats["method"].map(MODELS)
    paper = reported.get("table1_main_results", {})

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = name if row["method"] == MODELS["baseline"] else f"{name}+MMoE"
        return paper_value(_dig(paper, paper_name(reported, row["dataset"]), name and key, "f1"))

    stats["paper_f1"] = _per_row(stats, reference)
    return stats


def fusion_ablation(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Table 3: test F1 of each fusion strategy per dataset and family (oracle last)."""
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(FUSION_ROWS)]
    stats = mean_std(rows, ["dataset", "family", "method"], ["f1"])
    paper = reported.get("table3_fusion_ablation", {})

    def reference(row) -> str:
        key = (
            PAPER_FUSION_KEYS.get(row["method"])
            if is_paper_dataset(reported, row["dataset"])
            else None
        )
        return paper_value(_dig(paper, key, paper_models.get(row["family"])))

    stats["paper_f1"] = _per_row(stats, reference)
    stats["upper_bound"] = stats["method"] == "oracle"
    stats["order"] = stats["method"].map(list(FUSION_ROWS).index)
    stats["method"] = stats["method"].map(FUSION_ROWS)
    return stats.sort_values(["dataset", "family", "order"]).drop(columns="order")


def _baseline_vs_expert(metrics: pd.DataFrame, scheme: str, types: dict[str, str]) -> pd.DataFrame:
    """Test rows of the baseline and of the matching expert per type (``types``: type -> R/U/S)."""
    rows = metrics[(metrics["split"] == "test") & (metrics["scheme"] == scheme)]
    picked = pd.concat(
        rows[(rows["interaction"] == kind) & rows["method"].isin(["baseline", f"expert_{expert}"])]
        for kind, expert in types.items()
    )
    model = np.where(picked["method"] == "baseline", "single model", "expert")
    return picked.assign(model=model)


def per_interaction(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str
) -> pd.DataFrame:
    """Figure 7: per interaction type on the test split, the baseline vs the matching expert."""
    picked = _baseline_vs_expert(metrics, scheme, {k: k for k in INTERACTIONS})
    stats = mean_std(picked, ["dataset", "family", "interaction", "model"], ["accuracy", "f1", "n"])
    stats = stats.sort_values(["dataset", "family"], kind="stable").drop(columns="n_std")
    stats = stats.rename(columns={"n_mean": "n"}).astype({"n": int})
    paper = reported.get("rq1_per_interaction", {})
    role = {"single model": "baseline", "expert": "expert"}

    def reference(row) -> str:
        name = paper_models.get(row["family"])
        key = PAPER_RQ1_KEYS.get(name) if is_paper_dataset(reported, row["dataset"]) else None
        return paper_value(_dig(paper, key, row["interaction"], role[row["model"]]))

    stats["paper_accuracy"] = _per_row(stats, reference)
    return stats


def partition_ablation(
    metrics: pd.DataFrame, counts: dict[str, pd.DataFrame], reported: dict
) -> pd.DataFrame:
    """Table 2: per partition scheme, training counts of R/U/S and +MMoE test F1."""
    rows = _test_overall(metrics)
    stats = mean_std(rows[rows["method"] == MMOE], ["dataset", "family", "scheme"], ["f1"])
    paper = reported.get("table2_partition_ablation", {})
    stats.insert(3, "experts", [len(scheme_experts(s)) for s in stats["scheme"]])
    for kind in INTERACTIONS:
        stats[f"n_{kind}"] = [
            _partition_count(counts[d], s, kind)
            for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
        ]
    stats["paper_f1"] = [
        paper_value(_dig(paper, s, "f1") if is_paper_dataset(reported, d) else None)
        for d, s in zip(stats["dataset"], stats["scheme"], strict=True)
    ]
    return stats


def _partition_count(counts: pd.DataFrame, scheme: str, kind: str) -> int:
    """Training rows of R/U/S class ``kind`` in ``scheme``'s partition (five types folded)."""
    rows = counts[(counts["scheme"] == scheme) & (counts["split"] == "train_partition")]
    return int(rows.loc[rows["interaction"].map(rus_class) == kind, "n"].sum())


def five_types(
    metrics: pd.DataFrame, typed: dict[str, pd.DataFrame], reported: dict, schemes: list[str]
) -> pd.DataFrame:
    """Short paper Table 2: rows per five-type, and test F1 of the single model vs the expert of
    the type. Per dataset and family, the first of ``schemes`` it ran decides the expert: its own
    where that scheme has five-type experts, else that of its R/U/S group (:data:`FIVE_TO_RUS`)."""
    picks = []
    for _, rows in metrics.groupby(["dataset", "family"], sort=False):
        scheme = next(s for s in schemes if (rows["scheme"] == s).any())
        own = scheme_experts(scheme) == FIVE_TYPES
        types = {t: t for t in FIVE_TYPES} if own else FIVE_TO_RUS
        picks.append(_baseline_vs_expert(rows, scheme, types))
    picked = pd.concat(picks)
    stats = mean_std(picked, ["dataset", "family", "scheme", "interaction", "model"], ["f1"])
    wide = stats.pivot_table(
        index=["dataset", "family", "scheme", "interaction"],
        columns="model",
        values=["f1_mean", "f1_std"],
        sort=False,
    )
    wide.columns = [f"{model.replace(' ', '_')}_{stat}" for stat, model in wide.columns]
    scores = [f"{m}_f1_{stat}" for m in ("single_model", "expert") for stat in ("mean", "std")]
    wide = wide.reset_index().rename(columns={"interaction": "five_type"})
    wide = wide.reindex(
        columns=["dataset", "family", "scheme", "five_type", *scores]
    )  # all, even if unscored
    counts = pd.DataFrame(
        [
            {"dataset": d, "five_type": t, "n": int((frame["five_type"] == t).sum())}
            for d, frame in typed.items()
            for t in FIVE_TYPES
        ]
    )
    out = counts.merge(wide, on=["dataset", "five_type"], how="left")
    paper = reported.get("short_paper_table2_five_types", {})
    for column, decimals in (("n", 0), ("single", 2), ("expert", 2)):
        out[f"paper_{column}"] = [
            paper_value(_dig(paper, t, column) if is_paper_dataset(reported, d) else None, decimals)
            for d, t in zip(out["dataset"], out["five_type"], strict=True)
        ]
    return out


def parameter_counts(models: list[dict]) -> pd.DataFrame:
    """One row per trained model: the record's keys (dataset, family, role, seed, path) and the
    counts its family saved in ``summary.json``: ``total``, ``trainable`` (what training updated)
    and ``frozen`` (the rest: a LoRA family's pretrained backbone, 0 for the MLP)."""
    summaries = [json.loads((Path(m["path"]) / "summary.json").read_text()) for m in models]
    frame = pd.DataFrame(models)
    frame["total"] = [s["parameters"]["total"] for s in summaries]
    frame["trainable"] = [s["parameters"]["trainable"] for s in summaries]
    return frame.assign(frozen=frame["total"] - frame["trainable"])


def parameters(
    metrics: pd.DataFrame, counts: pd.DataFrame, selected: pd.DataFrame, scheme: str
) -> pd.DataFrame:
    """Figure 8: parameters run at inference vs test F1, single model and +MMoE.

    ``counts`` is :func:`parameter_counts` of the baseline (role ``all``), the experts and the
    fuser; ``selected`` the router of +MMoE per run (:func:`load_selected`). +MMoE runs every
    expert and the model its router reads (:data:`mmoe.mixing.ROUTERS`: the fuser, or the single
    model for the proxy routers); ``active`` counts them, their shared frozen backbone (one per
    family) once, and ``trainable`` what training updated: means over seeds, whose routers may
    differ.
    """
    sizes = counts.groupby(["dataset", "family", "role"])[["trainable", "frozen"]].max()
    experts = [r for r in sizes.index.unique("role") if r not in ("all", "fuser")]

    def run(dataset: str, family: str, method: str, roles: list[str]) -> dict:
        models = sizes.loc[[(dataset, family, role) for role in roles]]
        trainable = int(models["trainable"].sum())
        active = trainable + int(models["frozen"].max())
        return {"dataset": dataset, "family": family, "method": method, "active": active,
                "trainable": trainable}  # fmt: skip

    pairs = sizes.index.droplevel("role").unique()
    runs = [run(d, f, MODELS["baseline"], ["all"]) for d, f in pairs] + [
        run(d, f, MODELS[MMOE], [*experts, ROUTER_ROLES[ROUTERS[r]]])
        for d, f, r in zip(selected["dataset"], selected["family"], selected["router"], strict=True)
    ]
    keys = ["dataset", "family", "method"]
    size = pd.DataFrame(runs).groupby(keys, as_index=False)[["active", "trainable"]].mean()
    rows = _test_overall(metrics)
    rows = rows[(rows["scheme"] == scheme) & rows["method"].isin(MODELS)]
    stats = mean_std(rows.assign(method=rows["method"].map(MODELS)), keys, ["f1"])
    counts = ["active", "trainable"]
    table = stats.merge(size, on=keys, how="left")
    table[counts] = table[counts].round().astype("Int64")  # whole parameters
    return table[[*keys, *counts, "f1_mean", "f1_std", "seeds"]]


def routing_diagnostics(fused: list[dict]) -> pd.DataFrame:
    """Routing diagnostics (:func:`mmoe.routing.diagnostics`) on the test split, mean and std over
    seeds per dataset, family, scheme, measure, subject and reference; ``fused``: the fused runs
    (dataset, family, scheme, seed) with their ``routing`` file."""
    keys = ("dataset", "family", "scheme", "seed")
    frame = load_metrics([{**{k: r[k] for k in keys}, "path": r["routing"]} for r in fused])
    test = frame[frame["split"] == "test"]
    by = ["dataset", "family", "scheme", "measure", "subject", "reference"]
    return mean_std(test, by, ["value"])


MULTITASK_EXPERTS = {"single": "single-dataset", "pooled": "pooled"}
MULTITASK_COLUMNS = [
    *("group", "dataset", "family", "experts", "n_train_S", "f1_mean", "f1_std"),
    *("s_expert_accuracy_mean", "s_expert_accuracy_std", "seeds", "paper_f1"),
]


def multitask(
    single: pd.DataFrame,
    pooled: pd.DataFrame,
    counts: dict[str, pd.DataFrame],
    groups: dict[str, list[str]],
    reported: dict,
    scheme: str,
) -> pd.DataFrame:
    """RQ4: per group member and family, +MMoE test F1 and the synergy expert's test accuracy on
    S rows, with the dataset's own experts vs experts trained on the group's pooled partitions.

    ``single``/``pooled``: metrics of the single-dataset runs and of the multitask runs (with a
    ``group`` column); ``n_train_S`` is the synergy expert's number of training rows.
    """
    if pooled.empty:
        return pd.DataFrame(columns=MULTITASK_COLUMNS)
    single = single[single["scheme"] == scheme]
    runs = []
    for group in groups:
        mine = pooled[pooled["group"] == group]
        own = single.merge(mine[["dataset", "family"]].drop_duplicates(), on=["dataset", "family"])
        runs += [
            own.assign(group=group, experts=MULTITASK_EXPERTS["single"]),
            mine.assign(experts=MULTITASK_EXPERTS["pooled"]),
        ]
    test = pd.concat(runs, ignore_index=True)
    test = test[test["split"] == "test"]
    keys = ["group", "dataset", "family", "experts", "seed"]
    f1 = test[(test["interaction"] == "all") & (test["method"] == MMOE)].set_index(keys)["f1"]
    synergy = test[(test["interaction"] == "S") & (test["method"] == "expert_S")]
    accuracy = synergy.set_index(keys)["accuracy"].rename("s_expert_accuracy")
    per_seed = pd.concat([f1, accuracy], axis=1).reset_index()
    stats = mean_std(per_seed, keys[:-1], ["f1", "s_expert_accuracy"])
    n_synergy = {d: _partition_count(c, scheme, "S") for d, c in counts.items()}
    pooled_name = MULTITASK_EXPERTS["pooled"]
    stats["n_train_S"] = [
        sum(n_synergy[m] for m in groups[g]) if e == pooled_name else n_synergy[d]
        for g, d, e in zip(stats["group"], stats["dataset"], stats["experts"], strict=True)
    ]
    paper = _dig(reported, "rq4_multitask", "overall_f1") or {}
    paper_keys = {MULTITASK_EXPERTS["single"]: "single_dataset", pooled_name: "pooled"}
    stats["paper_f1"] = [
        paper_value(paper.get(paper_keys[e]) if is_paper_dataset(reported, d) else None)
        for d, e in zip(stats["dataset"], stats["experts"], strict=True)
    ]
    return stats.sort_values(["group", "dataset", "family"], kind="stable")[MULTITASK_COLUMNS]


def agreement(predicted: pd.Series, reference: pd.Series) -> dict:
    """Agreement of predicted R/U/S types with reference ones (aligned Series, U1/U2 count as U).

    Per-type accuracy is per predicted type (the paper annotates a sample of each predicted type).
    """
    from sklearn.metrics import f1_score

    reference = reference.replace(TRUE_TYPES["rus"])
    right = predicted.to_numpy() == reference.to_numpy()
    return {
        "n": len(reference),
        "accuracy": float(right.mean() * 100),
        "macro_f1": float(
            f1_score(reference, predicted, average="macro", labels=list(INTERACTIONS)) * 100
        ),
        "chance": float(reference.value_counts(normalize=True).max() * 100),
        **{
            f"accuracy_{k}": float(right[predicted.to_numpy() == k].mean() * 100)
            if (predicted == k).any()
            else np.nan
            for k in INTERACTIONS
        },
    }


def rus_agreement(typed: pd.DataFrame, data: pd.DataFrame) -> dict:
    """Agreement of the automatic R/U/S types with the synthetic data's ``true_interaction``."""
    truth = typed["id"].map(data.set_index("id")["true_interaction"])
    return agreement(typed["interaction"], truth)


def read_annotations(path: str | Path, dataset: str, typed: pd.DataFrame) -> pd.DataFrame:
    """A human annotation CSV (columns id, type) of ``dataset``; an id that is not one of its
    datapoints (``typed``), or that repeats, is a :class:`DataValidationError` naming the rows."""
    annotations = pd.read_csv(path, dtype={"id": str})
    missing = sorted({"id", "type"} - set(annotations.columns))
    if missing:
        raise DataValidationError(dataset, path, [Problem("table", f"missing column(s) {missing}")])
    ids = annotations["id"]
    problems = pd.concat(
        [
            pd.Series(
                "id is not a datapoint of the dataset", index=ids.index[~ids.isin(typed["id"])]
            ),
            pd.Series("duplicate id", index=ids.index[ids.duplicated()]),
        ]
    ).sort_index()
    if len(problems):
        rows = [Problem(f"id={ids[i]!r} (line {i + 2})", m) for i, m in problems.items()]
        raise DataValidationError(dataset, path, rows)
    return annotations


def human_agreement(typed: pd.DataFrame, path: str | Path, dataset: str) -> dict:
    """Agreement of the automatic R/U/S types with a human annotation CSV (columns id, type)."""
    typed = typed.astype({"id": str})
    merged = read_annotations(path, dataset, typed).merge(typed[["id", "interaction"]], on="id")
    return agreement(merged["interaction"], merged["type"])


def categorisation(
    synthetic: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    human: dict[str, tuple[pd.DataFrame, str | Path]],
    reported: dict,
) -> pd.DataFrame:
    """RQ3: one row per (dataset, reference): synthetic truth (``synthetic``: dataset -> typed rows
    and data), and human annotations if any (``human``: dataset -> typed rows and the CSV)."""
    rows = [
        {"dataset": d, "reference": "true_interaction", **rus_agreement(t, x)}
        for d, (t, x) in synthetic.items()
    ] + [
        {"dataset": d, "reference": "human", **human_agreement(t, a, d)}
        for d, (t, a) in human.items()
    ]
    out = pd.DataFrame(rows)
    paper = reported.get("rq3_categorization_vs_human", {})
    is_paper = [
        is_paper_dataset(reported, r["dataset"]) and r["reference"] == "human" for r in rows
    ]
    out["paper_macro_f1"] = [paper_value(paper.get("f1_overall") if p else None) for p in is_paper]
    for kind in INTERACTIONS:
        out[f"paper_accuracy_{kind}"] = [
            paper_value(_dig(paper, "accuracy", kind) if p else None) for p in is_paper
        ]
    return out


def dataset_summary(typed: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Rows per split, share of positive labels and of each R/U/S type (percent)."""
    records = []
    for dataset, frame in typed.items():
        for split, rows in frame.groupby(pd.Categorical(frame["split"], SPLITS), observed=True):
            shares = rows["interaction"].value_counts(normalize=True)
            records.append(
                {
                    "dataset": dataset,
                    "split": split,
                    "n": len(rows),
                    "positive": float(rows["label"].mean() * 100),
                    **{f"share_{k}": float(shares.get(k, 0.0) * 100) for k in INTERACTIONS},
                }
            )
    return pd.DataFrame(records)


def pid_table(pids: dict[str, dict]) -> pd.DataFrame:
    """PID (bits) per dataset and subset (all rows, each type's rows, models' predictions)."""
    columns = ["R", "U1", "U2", "S", "I_total", "k1", "k2", "n"]
    return pd.DataFrame(
        [
            {"dataset": d, "subset": subset, **{c: p[c] for c in columns}}
            for d, subsets in pids.items()
            for subset, p in sorted(subsets.items(), key=_subset_order)
        ]
    )


def _subset_order(item: tuple[str, dict]) -> tuple[int, str]:
    """All rows first, then the R, U, S rows, then models' predictions by name."""
    order = ["all rows", *(f"{kind} rows" for kind in INTERACTIONS)]
    name = item[0]
    return (order.index(name) if name in order else len(order), name)


def formatted(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """``stats`` with each ``column_mean``/``column_std`` pair merged into a ``mean ± std`` cell
    and the other numbers rounded to ``decimals`` (missing ones shown as a dash)."""
    shown = stats.copy()
    for column in columns:
        cells = [
            fmt(m, s) for m, s in zip(stats[f"{column}_mean"], stats[f"{column}_std"], strict=True)
        ]
        at = shown.columns.get_loc(f"{column}_mean")
        shown = shown.drop(columns=[f"{column}_mean", f"{column}_std"])
        shown.insert(at, column, cells)
    for column in shown.select_dtypes("float").columns:
        shown[column] = [MISSING if pd.isna(v) else f"{v:.{decimals}f}" for v in shown[column]]
    return shown.astype(object).fillna(MISSING)  # object: a nullable integer takes the dash


def to_markdown(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """Markdown with ``mean ± std`` cells for the given metric columns."""
    shown = formatted(stats, columns, decimals)
    return shown.to_markdown(index=False, disable_numparse=True) + "\n"


def to_latex(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """A LaTeX ``tabular`` with ``mean $\\pm$ std`` cells."""
    shown = formatted(stats, columns, decimals)
    text = shown.to_latex(index=False, escape=True)
    return text.replace("±", r"$\pm$").replace(MISSING, "--")


def write_table(
    stats: pd.DataFrame, columns: list[str], stem: str | Path, decimals: int = 2
) -> None:
    """Write ``stem``.csv (numbers), ``stem``.md and ``stem``.tex (``mean ± std``)."""
    io.write_csv(stats, f"{stem}.csv")
    io.write_text(to_markdown(stats, columns, decimals), f"{stem}.md")
    io.write_text(to_latex(stats, columns, decimals), f"{stem}.tex")

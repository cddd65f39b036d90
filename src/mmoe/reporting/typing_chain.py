"""The typing chain, link by link, on the test split: how well each view's labeller reads the
label (and, on synthetic data, its view's cue), how well the automatic types match reference
types, how well the fuser predicts the types, and what the single model, +MMoE and the oracle
router score; with the trivial classifiers and the models whose predictions are one class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe.interactions import FIVE_TO_RUS, TRUE_TYPES, TYPE_COLUMNS, scheme_spec
from mmoe.mixing import MMOE

VIEWS = ("x1", "x2")
CHAIN_MODELS = {"baseline": "single", MMOE: "mmoe", "oracle": "oracle"}
MODEL_NAMES = {"baseline": "single model", MMOE: "+MMoE", "oracle": "oracle"}
TEST = "test"


def trivial_scores(typed: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per dataset, test precision, recall and F1 of predicting every row positive, and of
    predicting the training split's majority class (a tie counts as positive)."""
    from mmoe.metrics import binary_scores

    records = []
    for dataset, frame in typed.items():
        test = frame.loc[frame["split"] == TEST, "label"].to_numpy()
        majority = int(frame.loc[frame["split"] == "train", "label"].mean() >= 0.5)
        classifiers = {
            "all positive": 1,
            f"majority class ({'positive' if majority else 'negative'})": majority,
        }
        for name, value in classifiers.items():
            scores = binary_scores(test, np.full(len(test), value))
            records.append({"dataset": dataset, "method": name, **scores})
    return pd.DataFrame(records, columns=["dataset", "method", "precision", "recall", "f1"])


def true_cues(data: pd.DataFrame) -> pd.DataFrame:
    """Each synthetic row's cue per view (``x1``: the colour, ``x2``: the sentiment), indexed
    by id, from its ``true_interaction`` and ``label``."""
    from mmoe.datasets.synthetic import cues

    pairs = [cues(k, int(y)) for k, y in zip(data["true_interaction"], data["label"], strict=True)]
    return pd.DataFrame(pairs, columns=list(VIEWS), index=data["id"].to_numpy())


def labeller_links(typed: pd.DataFrame, data: pd.DataFrame | None) -> dict[str, float]:
    """Test accuracy (%) of each view's unimodal label, and with ``data`` (synthetic) how often
    it equals its view's cue (``cue_x1``, ``cue_x2``)."""
    test = typed[typed["split"] == TEST]
    out = {
        f"labeller_{v}": float(100 * (test[f"y{i}"] == test["label"]).mean())
        for i, v in enumerate(VIEWS, 1)
    }
    if data is not None:
        cue = true_cues(data).loc[test["id"]]
        for i, view in enumerate(VIEWS, 1):
            out[f"cue_{view}"] = float(100 * (test[f"y{i}"].to_numpy() == cue[view]).mean())
    return out


def type_agreement(
    typed: pd.DataFrame, scheme: str, data: pd.DataFrame | None, human: pd.DataFrame | None
) -> tuple[str | None, float]:
    """The reference of the automatic types and their agreement with it (%): on the test split
    the synthetic truth (``data``) in ``scheme``'s expert set, else every row of the human R/U/S
    annotations (``human``: columns id, type; five-types folded to R/U/S); ``(None, nan)``
    without either."""
    expert_set = scheme_spec(scheme)[1]
    if data is not None:
        test = typed[typed["split"] == TEST]
        truth = test["id"].map(data.set_index("id")["true_interaction"])
        right = test[TYPE_COLUMNS[expert_set]] == truth.map(TRUE_TYPES[expert_set])
        return "true_interaction", float(100 * right.mean())
    if human is not None:
        merged = human.astype({"id": str}).merge(typed.astype({"id": str}), on="id")
        auto = merged[TYPE_COLUMNS[expert_set]].replace(FIVE_TO_RUS)
        return "human", float(100 * (auto == merged["type"].replace(TRUE_TYPES["rus"])).mean())
    return None, np.nan


def one_class_runs(fused: list[dict]) -> pd.DataFrame:
    """Per fused run (dataset, family, scheme, seed, ``predictions``: its file) and model of
    :data:`CHAIN_MODELS`, whether its test predictions are all one class."""
    records = []
    for run in fused:
        frame = pd.read_parquet(run["predictions"])
        test = frame[frame["split"] == TEST]
        for method in CHAIN_MODELS:
            records.append(
                {
                    **{k: run[k] for k in ("dataset", "family", "scheme", "seed")},
                    "method": method,
                    "one_class": bool(test[method].nunique() <= 1),
                }
            )
    return pd.DataFrame(
        records, columns=["dataset", "family", "scheme", "seed", "method", "one_class"]
    )


def one_class_marks(flags: pd.DataFrame, by: list[str]) -> pd.Series:
    """Per ``by`` group of :func:`one_class_runs`, the models whose test predictions were one
    class and in how many seeds (e.g. ``single model ×2``); empty when none."""

    def mark(group: pd.DataFrame) -> str:
        counts = group[group["one_class"]].groupby("method", sort=False).size()
        return ", ".join(f"{MODEL_NAMES.get(m, m)} ×{n}" for m, n in counts.items())

    return flags.groupby(by, sort=False)[["method", "one_class"]].apply(mark).rename("one_class")


def with_one_class_seeds(stats: pd.DataFrame, flags: pd.DataFrame, scheme: str) -> pd.DataFrame:
    """Table 1 (``stats``: dataset, family, method named as :data:`MODEL_NAMES`) with
    ``one_class_seeds``: per row, in how many seeds of ``scheme`` (``flags``:
    :func:`one_class_runs`) its test predictions are one class."""
    mine = flags[flags["scheme"] == scheme]
    mine = mine.assign(method=mine["method"].map(MODEL_NAMES))
    counts = mine.groupby(["dataset", "family", "method"])["one_class"].sum()
    keys = zip(stats["dataset"], stats["family"], stats["method"], strict=True)
    return stats.assign(one_class_seeds=pd.array([counts.get(k) for k in keys], dtype="Int64"))


def fuser_accuracy(fused: list[dict]) -> pd.DataFrame:
    """Per fused run, the fuser's test accuracy (%) against the automatic types
    (``fuser_auto``) and the true ones (``fuser_true``, NaN without), read from its routing
    diagnostics (:func:`mmoe.routing.diagnostics`, router ``model``)."""
    records = []
    for run in fused:
        routing = pd.read_csv(run["routing"])
        rows = routing[
            (routing["split"] == TEST)
            & (routing["measure"] == "router_accuracy")
            & (routing["subject"] == "model")
        ].set_index("reference")["value"]
        records.append(
            {
                **{k: run[k] for k in ("dataset", "family", "scheme", "seed")},
                "fuser_auto": rows.get("auto", np.nan),
                "fuser_true": rows.get("true", np.nan),
            }
        )
    columns = ["dataset", "family", "scheme", "seed", "fuser_auto", "fuser_true"]
    return pd.DataFrame(records, columns=columns)


def typing_chain(
    metrics: pd.DataFrame,
    fused: list[dict],
    typed: dict[str, pd.DataFrame],
    truth: dict[str, pd.DataFrame],
    human: dict[str, pd.DataFrame],
) -> pd.DataFrame:
    """One row per dataset, family and fused scheme: the labellers' test accuracy per view and,
    where ``truth`` (synthetic data) has them, how often they follow their view's cue; the
    automatic types' agreement with the reference types (``truth``, else ``human``
    annotations); the fuser's accuracy against the automatic and the true types; single model,
    +MMoE and oracle test F1 (mean and std over seeds); and the models whose test predictions
    are one class (``one_class``)."""
    from mmoe.reporting.render import mean_std

    keys = ["dataset", "family", "scheme"]
    per_seed = fuser_accuracy(fused)
    test = metrics[(metrics["split"] == TEST) & (metrics["interaction"] == "all")]
    for method, name in CHAIN_MODELS.items():
        scores = test[test["method"] == method][[*keys, "seed", "f1"]]
        per_seed = per_seed.merge(
            scores.rename(columns={"f1": f"{name}_f1"}), on=[*keys, "seed"], how="left"
        )
    measured = ["fuser_auto", "fuser_true", *(f"{n}_f1" for n in CHAIN_MODELS.values())]
    stats = mean_std(per_seed, keys, measured)
    links = []
    for dataset, scheme in stats[["dataset", "scheme"]].drop_duplicates().itertuples(False):
        data = truth.get(dataset)
        reference, agreement = type_agreement(typed[dataset], scheme, data, human.get(dataset))
        links.append(
            {
                "dataset": dataset,
                "scheme": scheme,
                **dict.fromkeys(("labeller_x1", "labeller_x2", "cue_x1", "cue_x2"), np.nan),
                **labeller_links(typed[dataset], data),
                "reference": reference,
                "types_vs_reference": agreement,
            }
        )
    table = pd.DataFrame(links).merge(stats, on=["dataset", "scheme"])
    marks = one_class_marks(one_class_runs(fused), keys).reset_index()
    table = table.merge(marks, on=keys, how="left").fillna({"one_class": ""})
    first = [*keys, "labeller_x1", "labeller_x2", "cue_x1", "cue_x2"]
    rest = [c for c in table.columns if c not in first]
    return table[first + rest].sort_values(keys, kind="stable", ignore_index=True)


def read_human(path: str | Path, dataset: str, typed: pd.DataFrame) -> pd.DataFrame:
    """The human annotations of ``dataset`` checked as the RQ3 table checks them."""
    from mmoe.reporting.agreement import read_annotations

    return read_annotations(path, dataset, typed.astype({"id": str}))

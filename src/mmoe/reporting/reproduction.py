"""The paper_reproduction table: per dataset and family, each cell of the paper that the run
rebuilds (Table 1 P/R/F1, Table 3's fusion strategies, Table 2's type counts, RQ1's per-type
scores), the number rebuilt, the difference and whether it is exact (to the paper's two
decimals) or within 0.05; and the typing against a reference partition made elsewhere (ids
identical per split and type)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe import external
from mmoe.interactions import INTERACTIONS
from mmoe.reporting.paper import PAPER_FUSION_KEYS, dig, is_paper_dataset, paper_name
from mmoe.reporting.render import mean_std
from mmoe.reporting.results import test_overall

WITHIN = 0.05  # the tolerance, in F1 points
COLUMNS = ["dataset", "family", "section", "cell", "paper", "rebuilt", "difference", "status"]
TABLE1_METRICS = ("precision", "recall", "f1")


def status(paper: float | None, rebuilt: float | None) -> str:
    """``exact`` (equal at two decimals), ``within 0.05``, ``differs``, or ``not rebuilt``."""
    if rebuilt is None or pd.isna(rebuilt):
        return "not rebuilt"
    if paper is None or pd.isna(paper):
        return "no paper value"
    if round(float(rebuilt), 2) == round(float(paper), 2):
        return "exact"
    return f"within {WITHIN}" if abs(rebuilt - paper) <= WITHIN + 1e-9 else "differs"


def _cell(dataset, family, section, cell, paper, rebuilt) -> dict:
    paper = None if paper is None else float(paper)
    rebuilt = None if rebuilt is None or pd.isna(rebuilt) else float(rebuilt)
    difference = None if paper is None or rebuilt is None else rebuilt - paper
    values = (dataset, family, section, cell, paper, rebuilt, difference, status(paper, rebuilt))
    return dict(zip(COLUMNS, values, strict=True))


def _score(rows: pd.DataFrame, method: str, metric: str) -> float | None:
    picked = rows.loc[rows["method"] == method, metric]
    return float(picked.mean()) if len(picked) else None


def model_cells(
    metrics: pd.DataFrame, reported: dict, paper_models: dict, scheme: str, counts: dict
) -> list[dict]:
    """Tables 1-3 and RQ1 cells of every family that names a ``paper_model`` (means over seeds)."""
    cells = []
    test = metrics[(metrics["split"] == "test") & (metrics["scheme"] == scheme)]
    overall = test_overall(test)
    table1 = reported.get("table1_main_results", {})
    table3 = reported.get("table3_fusion_ablation", {})
    rq1 = reported.get("rq1_per_interaction", {})
    for (dataset, family), rows in overall.groupby(["dataset", "family"], sort=True):
        name = paper_models.get(family)
        if name is None:
            continue
        paper = dig(table1, paper_name(reported, dataset))
        for method, key in (("baseline", name), ("mmoe", f"{name}+MMoE")):
            label = "single model" if method == "baseline" else "+MMoE"
            for metric in TABLE1_METRICS:
                reference, rebuilt = dig(paper, key, metric), _score(rows, method, metric)
                cells.append(
                    _cell(dataset, family, "Table 1", f"{label} {metric}", reference, rebuilt)
                )
        if not is_paper_dataset(reported, dataset):
            continue
        for method, key in PAPER_FUSION_KEYS.items():
            reference, rebuilt = dig(table3, key, name), _score(rows, method, "f1")
            cells.append(_cell(dataset, family, "Table 3", f"{key} F1", reference, rebuilt))
        for interaction, model in [(k, m) for k in INTERACTIONS for m in ("baseline", "expert")]:
            typed = test[(test["dataset"] == dataset) & (test["family"] == family)]
            typed = typed[typed["interaction"] == interaction]
            method = "baseline" if model == "baseline" else f"expert_{interaction}"
            reference = dig(rq1, "albef_experts", interaction, model) if name == "ALBEF" else None
            rebuilt = _score(typed, method, "f1")
            cells.append(
                _cell(dataset, family, "RQ1", f"{interaction} rows: {model} F1", reference, rebuilt)
            )
    for dataset, frame in counts.items():
        if not is_paper_dataset(reported, dataset):
            continue
        train = frame[(frame["scheme"] == scheme) & (frame["split"] == "train_partition")]
        for interaction in INTERACTIONS:
            n = train.loc[train["interaction"] == interaction, "n"].sum()
            paper = dig(reported, "table2_partition_ablation", "rus", f"n_{interaction}")
            cells.append(
                _cell(dataset, "–", "Table 2", f"training rows of {interaction}", paper, n)
            )
    return cells


def reference_types(dataset: str, files: dict[str, list[str]]) -> pd.Series:
    """id -> type of a partition made elsewhere (type -> files of ids), refusing an id typed
    twice."""
    types: dict[str, str] = {}
    for interaction, paths in files.items():
        for path in paths:
            records = external.read_records(path)
            for key in external.record_ids(path, records, external.default_id(records)):
                if key in types:
                    raise external.ExternalFileError(
                        f"dataset '{dataset}': {path}: id {key!r} is typed {interaction} here and "
                        f"{types[key]} in another reference_partition file"
                    )
                types[key] = interaction
    return pd.Series(types, dtype=object)


def reference_typing(
    dataset: str, typed: pd.DataFrame, files: dict[str, list[str]]
) -> pd.DataFrame:
    """The dataset's typed rows, indexed by id, with the reference partition's type of each in
    ``reference`` (NaN where it has none), refusing reference ids that are not its rows."""
    ours = typed.assign(id=typed["id"].astype(str)).set_index("id")
    theirs = reference_types(dataset, files)
    unknown = sorted(set(theirs.index) - set(ours.index))
    if unknown:
        raise external.ExternalFileError(
            f"dataset '{dataset}': reference_partition ids not among its rows: {unknown[:10]}"
        )
    return ours.assign(reference=theirs.reindex(ours.index))


def typing_cells(references: dict[str, pd.DataFrame]) -> list[dict]:
    """Per dataset with a reference partition (its :func:`reference_typing`), split and type: the
    rows each typing gives that type (``paper``: the reference's count, ``rebuilt``: ours) and,
    in ``difference``, how many ids are in one and not the other; ``exact`` when none."""
    cells = []
    for dataset, typing in references.items():
        for split in pd.unique(typing["split"]):
            rows = typing[typing["split"] == split]
            for interaction in INTERACTIONS:
                mine = set(rows.index[rows["interaction"] == interaction])
                other = set(rows.index[rows["reference"] == interaction])
                differ = len(mine ^ other)
                counted = f"{split} {interaction}: ids"
                cell = _cell(dataset, "–", "typing", counted, len(other), len(mine))
                cell.update(difference=float(differ))
                cell["status"] = "exact" if differ == 0 else f"{differ} ids differ"
                cells.append(cell)
    return cells


def paper_reproduction(
    metrics: pd.DataFrame,
    counts: dict[str, pd.DataFrame],
    references: dict[str, pd.DataFrame],
    reported: dict,
    paper_models: dict,
    scheme: str,
) -> pd.DataFrame:
    """Every rebuilt cell beside the paper's, then the typing against the reference partitions
    (per dataset, its :func:`reference_typing`)."""
    cells = model_cells(metrics, reported, paper_models, scheme, counts)
    cells += typing_cells(references)
    frame = pd.DataFrame(cells, columns=COLUMNS)
    for column in ("paper", "rebuilt", "difference"):
        frame[column] = pd.to_numeric(frame[column]).astype(float).replace({None: np.nan})
    return frame


def label_sources(
    references: dict[str, pd.DataFrame],
    labelers: dict[str, str],
    metrics: pd.DataFrame,
    scheme: str,
) -> pd.DataFrame:
    """Per dataset with a reference partition (its :func:`reference_typing`), and per family it
    trains: who made the labels, the share of rows (all, test) typed as in the reference, the
    training rows of each type, and the test F1 of the single model and of +MMoE with the gain
    (means over seeds)."""
    rows = []
    test = test_overall(metrics)
    test = test[test["scheme"] == scheme]
    for dataset, typing in references.items():
        same = (typing["interaction"] == typing["reference"]).to_numpy()
        is_test = (typing["split"] == "test").to_numpy()
        train = typing.loc[typing["split"] == "train", "interaction"].value_counts()
        common = {
            "dataset": dataset,
            "labels": labelers.get(dataset),
            "agreement": 100 * float(same.mean()),
            "agreement_test": 100 * float(same[is_test].mean()),
            **{f"n_{interaction}": int(train.get(interaction, 0)) for interaction in INTERACTIONS},
        }
        scores = test[test["dataset"] == dataset]
        wide = scores.pivot_table(index=["family", "seed"], columns="method", values="f1")
        if wide.empty or not {"baseline", "mmoe"} <= set(wide.columns):
            rows.append(common)
            continue
        per_seed = wide[["baseline", "mmoe"]].assign(gain=wide["mmoe"] - wide["baseline"])
        stats = mean_std(per_seed.reset_index(), ["family"], ["baseline", "mmoe", "gain"])
        rows += [{**common, **record} for record in stats.to_dict("records")]
    return pd.DataFrame(rows).reindex(columns=LABEL_SOURCE_COLUMNS)


LABEL_SOURCE_COLUMNS = [
    *("dataset", "labels", "agreement", "agreement_test", "n_R", "n_U", "n_S", "family"),
    *(f"{m}_{s}" for m in ("baseline", "mmoe", "gain") for s in ("mean", "std")),
    "seeds",
]

"""Per-datapoint interaction types from unimodal predictions, and the training partitions.

Hard scheme (the MMoE paper): with unimodal predictions y1, y2 and gold label y,
``R`` if y1 = y2 = y, ``U`` if exactly one of them equals y (``unique_view`` says which),
``S`` if neither does. An unparsed prediction (-1) never equals y.

Soft scheme (the short paper): the two views agree when the L1 distance of their probability
vectors, ``|| (1-p1, p1) - (1-p2, p2) ||_1 = 2 |p1 - p2|``, is at most ``gamma``. Five types:
``agreement_redundancy`` / ``agreement_synergy`` (agreeing views whose mean probability is right /
wrong), ``disagreement_unique_x1`` / ``disagreement_unique_x2`` (the view that puts more
probability on y), ``disagreement_synergy`` (disagreeing views that are both wrong).
``soft_interaction`` folds them back into R, U and S.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds

from mmoe.io import atomic_path

INTERACTIONS = ("R", "U", "S")
FIVE_TYPES = (
    "agreement_redundancy",
    "agreement_synergy",
    "disagreement_unique_x1",
    "disagreement_unique_x2",
    "disagreement_synergy",
)
FIVE_TO_RUS = {
    "agreement_redundancy": "R",
    "agreement_synergy": "S",
    "disagreement_unique_x1": "U",
    "disagreement_unique_x2": "U",
    "disagreement_synergy": "S",
}
# The synthetic generator's types (``true_interaction``) in each expert set.
TRUE_TYPES = {
    "rus": {"R": "R", "U1": "U", "U2": "U", "S": "S"},
    "five": {
        "R": "agreement_redundancy",
        "U1": "disagreement_unique_x1",
        "U2": "disagreement_unique_x2",
        "S": "agreement_synergy",
    },
}
EXPERT_SETS = {"rus": INTERACTIONS, "five": FIVE_TYPES}  # one expert per type of the set
TYPE_COLUMNS = {"rus": "interaction", "five": "five_type"}  # each set's column in the typed table
# Partition schemes: name -> (how rows are assigned, expert set). ``rus``: each row's own type;
# ``rus_balanced``: every type downsampled to the smallest; ``random``: the types' sizes with
# members drawn at random; ``soft``: the soft types.
SCHEMES = {
    "rus": ("rus", "rus"),
    "rus_balanced": ("rus_balanced", "rus"),
    "random": ("random", "rus"),
    "soft": ("soft", "rus"),
    "five": ("rus", "five"),
    "five_balanced": ("rus_balanced", "five"),
    "five_random": ("random", "five"),
}
UNSCORED = "unscored"  # five-type of a row whose answer parsed to no probability


def confident(p1: np.ndarray, p2: np.ndarray, threshold: float) -> np.ndarray:
    """Rows whose both views are confident: ``|P(y=1) - P(y=0)| = |2p - 1| > threshold`` for
    each view with a known probability (a row without one is kept). ``threshold`` 0 keeps all."""
    if not threshold:
        return np.ones(len(p1), bool)
    keep = np.ones(len(p1), bool)
    for p in (np.asarray(p1, float), np.asarray(p2, float)):
        keep &= ~(np.abs(2 * p - 1) <= threshold)  # NaN compares False: kept
    return keep


def classify_rus(y1: np.ndarray, y2: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hard interaction type per row, and the correct view for ``U`` rows (else '')."""
    right1, right2 = np.asarray(y1) == np.asarray(y), np.asarray(y2) == np.asarray(y)
    interaction = np.where(right1 & right2, "R", np.where(right1 ^ right2, "U", "S"))
    unique_view = np.where(right1 & ~right2, "x1", np.where(right2 & ~right1, "x2", ""))
    return interaction.astype(object), unique_view.astype(object)


def classify_five(p1: np.ndarray, p2: np.ndarray, y: np.ndarray, gamma: float) -> np.ndarray:
    """Five-type scheme from probabilities P(y=1) of both views and a threshold ``gamma``."""
    p1, p2, y = np.asarray(p1, float), np.asarray(p2, float), np.asarray(y)
    if np.isnan(p1).any() or np.isnan(p2).any():
        raise ValueError("the soft scheme needs a probability for every row; found NaN")
    agree = 2 * np.abs(p1 - p2) <= gamma
    on_y1, on_y2 = np.where(y == 1, p1, 1 - p1), np.where(y == 1, p2, 1 - p2)
    mean_right = (on_y1 + on_y2) / 2 > 0.5
    any_right = (on_y1 > 0.5) | (on_y2 > 0.5)
    agreed = np.where(mean_right, "agreement_redundancy", "agreement_synergy")
    unique = np.where(on_y1 >= on_y2, "disagreement_unique_x1", "disagreement_unique_x2")
    disagreed = np.where(any_right, unique, "disagreement_synergy")
    return np.where(agree, agreed, disagreed).astype(object)


def soft_rus(p1: np.ndarray, p2: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Soft R/U/S types (one row of P(R), P(U), P(S) per datapoint) from the views'
    probabilities, each view right with probability ``P(y_v = y)`` independently:
    ``P(R) = a b``, ``P(U) = a (1 - b) + (1 - a) b``, ``P(S) = (1 - a)(1 - b)``."""
    y = np.asarray(y)
    a, b = (np.where(y == 1, p, 1 - p) for p in (np.asarray(p1, float), np.asarray(p2, float)))
    return np.stack([a * b, a * (1 - b) + (1 - a) * b, (1 - a) * (1 - b)], axis=1)


def expert_set_of(experts: list[str]) -> str:
    """The name of the expert set whose types are ``experts``."""
    for name, types in EXPERT_SETS.items():
        if set(experts) == set(types):
            return name
    raise ValueError(f"experts {experts} are no expert set; known: {EXPERT_SETS}")


def proxy_types(rows: pd.DataFrame, proxy: np.ndarray, expert_set: str, gamma: float) -> np.ndarray:
    """Label-free types (short paper, section 2.3): each row typed from its unimodal outputs
    (``y1``, ``y2``; ``p1``, ``p2`` for the five types) with ``proxy``, e.g. a multimodal model's
    prediction, in place of the gold label. With binary labels, RUS: views that disagree are
    ``U``; agreeing views are ``R`` if the proxy agrees with them, else ``S``."""
    if expert_set == "rus":
        return classify_rus(rows["y1"].to_numpy(), rows["y2"].to_numpy(), proxy)[0]
    return classify_five(rows["p1"].to_numpy(), rows["p2"].to_numpy(), proxy, gamma)


def label_interactions(
    data: pd.DataFrame, unimodal: dict[str, pd.DataFrame], gamma: float
) -> pd.DataFrame:
    """Join both views' unimodal outputs to the data and type every row (all splits)."""
    out = data[["id", "split", "label"]].copy()
    for view, suffix in (("x1", "1"), ("x2", "2")):
        frame = unimodal[view]
        if not frame["id"].astype(str).equals(out["id"].astype(str)):
            raise ValueError(
                f"unimodal predictions for {view} do not match the data's rows (ids/order)"
            )
        out[f"p{suffix}"] = frame["p"].to_numpy()
        out[f"y{suffix}"] = frame["pred"].to_numpy().astype(int)
    out["interaction"], out["unique_view"] = classify_rus(out["y1"], out["y2"], out["label"])
    scored = out["p1"].notna() & out["p2"].notna()
    out["five_type"] = UNSCORED
    out.loc[scored, "five_type"] = classify_five(
        out.loc[scored, "p1"], out.loc[scored, "p2"], out.loc[scored, "label"], gamma
    )
    out["soft_interaction"] = out["five_type"].map(FIVE_TO_RUS).fillna(UNSCORED)
    return out


def scheme_spec(scheme: str) -> tuple[str, str]:
    """How ``scheme`` assigns rows, and its expert set (:data:`SCHEMES`)."""
    if scheme not in SCHEMES:
        raise ValueError(f"unknown partition scheme {scheme!r}; known: {', '.join(SCHEMES)}")
    return SCHEMES[scheme]


def scheme_experts(scheme: str) -> tuple[str, ...]:
    """The types of ``scheme``'s expert set: one expert each, in the fuser's class order."""
    return EXPERT_SETS[scheme_spec(scheme)[1]]


def scheme_assignment(train: pd.DataFrame, scheme: str, seed: int) -> pd.DataFrame:
    """The rows of ``scheme`` (:data:`SCHEMES`) with their ``interaction`` column, a type of the
    scheme's expert set: R/U/S (the soft scheme folds its five types into them) or the five
    types of the short paper."""
    rng = np.random.default_rng(seed)
    sampling, expert_set = scheme_spec(scheme)
    column = "soft_interaction" if sampling == "soft" else TYPE_COLUMNS[expert_set]
    rows = train[["id", "label"]].assign(interaction=train[column].to_numpy())
    unscored = rows.loc[rows["interaction"] == UNSCORED, "id"].tolist()
    if unscored:
        raise ValueError(
            f"the {scheme} scheme needs both views' probabilities; "
            f"{len(unscored)} row(s) have none, e.g. {unscored[:5]}"
        )
    if sampling == "random" or not len(rows):
        return rows.assign(interaction=rng.permutation(rows["interaction"].to_numpy()))
    if sampling == "rus_balanced":
        # downsampled to the smallest type that has rows: an empty type stays empty (its expert
        # is its start, the single model), as in the unbalanced scheme
        smallest = rows["interaction"].value_counts().min()
        picks = [
            group.iloc[np.sort(rng.choice(len(group), size=int(smallest), replace=False))]
            for _, group in rows.groupby("interaction", sort=True)
        ]
        return pd.concat(picks).sort_index()
    return rows


def write_partition(rows: pd.DataFrame, path: str | Path) -> None:
    """Write rows as hive-partitioned parquet: ``path/interaction=R/...`` (atomically)."""
    table = pa.Table.from_pandas(rows.reset_index(drop=True), preserve_index=False)
    with atomic_path(path) as tmp:
        ds.write_dataset(
            table,
            tmp,
            format="parquet",
            partitioning=ds.partitioning(pa.schema([("interaction", pa.string())]), flavor="hive"),
            basename_template="part-{i}.parquet",
        )


def read_partition(path: str | Path, interaction: str | None = None) -> pd.DataFrame:
    """Read a hive-partitioned scheme; optionally only one interaction type."""
    dataset = ds.dataset(path, format="parquet", partitioning="hive")
    flt = None if interaction is None else ds.field("interaction") == interaction
    frame = dataset.to_table(filter=flt).to_pandas()
    frame["interaction"] = frame["interaction"].astype(str)
    return frame.sort_values("id", kind="stable").reset_index(drop=True)


def count_types(typed: pd.DataFrame, assignments: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Counts per split and type for the hard types, plus training counts per scheme."""
    records = [
        {"scheme": "rus", "split": split, "interaction": interaction, "n": int(n)}
        for (split, interaction), n in typed.groupby(["split", "interaction"]).size().items()
    ]
    for scheme, rows in assignments.items():
        for interaction, n in rows["interaction"].value_counts().items():
            records.append(
                {
                    "scheme": scheme,
                    "split": "train_partition",
                    "interaction": interaction,
                    "n": int(n),
                }
            )
    return (
        pd.DataFrame(records).sort_values(["scheme", "split", "interaction"]).reset_index(drop=True)
    )

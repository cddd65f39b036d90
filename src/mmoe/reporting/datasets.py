"""Per-dataset tables: rows, label balance and type shares per split; PID."""

from __future__ import annotations

import pandas as pd

from mmoe.interactions import INTERACTIONS

SPLITS = ["train", "val", "test"]


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
    order = ["all rows", *(f"{interaction} rows" for interaction in INTERACTIONS)]
    name = item[0]
    return (order.index(name) if name in order else len(order), name)

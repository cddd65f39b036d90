"""Interaction types of every row and each scheme's partition (rules: partition.smk)."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mmoe import interactions, io
from mmoe.stages.rows import read_unimodal

# A scheme assigns types to the training rows (the experts' and the fuser's training targets) and,
# the same way, to the validation rows (their model-selection targets).
PARTITIONED_SPLITS = ("train", "val")


class PartitionError(ValueError):
    """A scheme left without rows in a split."""


def partition_interactions(
    *,
    dataset: str,
    data: str | Path,
    x1: str | Path,
    x2: str | Path,
    gamma: float,
    confidence_filter: float,
    schemes: list[str],
    partitions: list[str | Path],
    seed: int,
    typed: str | Path,
    counts: str | Path,
) -> pd.DataFrame:
    """Type every row from the unimodal predictions ``x1``, ``x2``; write each scheme's
    hive-partitioned train and validation rows (with a ``split`` column) into its folder of
    ``partitions`` and the type ``counts``. Training rows that a view labels with no more
    confidence than ``confidence_filter`` (:func:`interactions.confident`) are left out of the
    partitions; the ``typed`` table marks them (``confident``)."""
    frame = pd.read_parquet(data)
    unimodal = {v: read_unimodal(p, data, frame["id"]) for v, p in {"x1": x1, "x2": x2}.items()}
    rows = interactions.label_interactions(frame, unimodal, gamma)
    rows["confident"] = interactions.confident(rows["p1"], rows["p2"], confidence_filter)
    kept = rows["confident"] | (rows["split"] != "train")
    print(f"confidence filter {confidence_filter}: {int((~kept).sum())} training row(s) left out")
    assignments = {
        scheme: {
            split: interactions.scheme_assignment(
                rows[kept & (rows["split"] == split)], scheme, seed
            )
            for split in PARTITIONED_SPLITS
        }
        for scheme in schemes
    }
    check_assignments(assignments, rows, dataset)
    for scheme, path in zip(schemes, partitions, strict=True):
        interactions.write_partition(
            pd.concat([part.assign(split=split) for split, part in assignments[scheme].items()]),
            path,
        )
    table = interactions.count_types(rows, {s: a["train"] for s, a in assignments.items()})
    io.write_parquet(rows, typed)
    io.write_csv(table, counts)
    print(table.to_string(index=False))
    return table


def check_assignments(assignments: dict, typed: pd.DataFrame, dataset: str) -> None:
    """Report each scheme's empty types; raise :class:`PartitionError` for a scheme with no row
    in a split, naming the dataset, scheme and the split's type counts."""
    for scheme, splits in assignments.items():
        experts = interactions.scheme_experts(scheme)
        for split, rows in splits.items():
            sizes = rows["interaction"].value_counts().reindex(experts, fill_value=0)
            counts = ", ".join(f"{kind} {n}" for kind, n in sizes.items())
            if not len(rows):
                typed_counts = typed.loc[typed["split"] == split, "interaction"].value_counts()
                raise PartitionError(
                    f"dataset '{dataset}', scheme {scheme}: no {split} row left ({counts}; "
                    f"{split} rows typed {typed_counts.to_dict()}); check the labeling summary "
                    "(a labeller of one class?) and the confidence filter"
                )
            empty = sizes.index[sizes == 0].tolist()
            if empty:
                print(
                    f"WARNING: dataset '{dataset}', scheme {scheme}: no {split} row of type(s) "
                    f"{empty} ({counts})",
                    file=sys.stderr,
                )


def scheme_rows(partition_dir: str | Path, split: str, interaction: str | None = None):
    """A scheme's rows of ``split`` (indexed by id), optionally only those of one type."""
    rows = interactions.read_partition(partition_dir, interaction).set_index("id")
    return rows[rows["split"] == split]

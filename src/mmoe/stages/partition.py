"""Interaction types of every row and each scheme's partition (rules: partition.smk)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import interactions, io
from mmoe.stages.rows import read_unimodal

# A scheme assigns types to the training rows (the experts' and the fuser's training targets) and,
# the same way, to the validation rows (their model-selection targets).
PARTITIONED_SPLITS = ("train", "val")


def partition_interactions(
    data: str | Path,
    unimodal: dict[str, str | Path],
    gamma: float,
    schemes: dict[str, str | Path],
    seed: int,
    typed_out: str | Path,
    counts_out: str | Path,
) -> pd.DataFrame:
    """Type every row; write each scheme's hive-partitioned train and validation rows (with a
    ``split`` column) and the counts."""
    frame = pd.read_parquet(data)
    typed = interactions.label_interactions(
        frame, {v: read_unimodal(p, data, frame["id"]) for v, p in unimodal.items()}, gamma
    )
    assignments = {
        scheme: {
            split: interactions.scheme_assignment(typed[typed["split"] == split], scheme, seed)
            for split in PARTITIONED_SPLITS
        }
        for scheme in schemes
    }
    for scheme, path in schemes.items():
        rows = pd.concat(
            [assigned.assign(split=split) for split, assigned in assignments[scheme].items()]
        )
        interactions.write_partition(rows, path)
    counts = interactions.count_types(typed, {s: a["train"] for s, a in assignments.items()})
    io.write_parquet(typed, typed_out)
    io.write_csv(counts, counts_out)
    print(counts.to_string(index=False))
    return counts


def scheme_rows(partition_dir: str | Path, split: str, interaction: str | None = None):
    """A scheme's rows of ``split`` (indexed by id), optionally only those of one type."""
    rows = interactions.read_partition(partition_dir, interaction).set_index("id")
    return rows[rows["split"] == split]

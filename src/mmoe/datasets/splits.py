"""Seeded, stratified assignment of rows to train/val(/test)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe.datasets.validate import parse_labels


def stratified_split(labels: pd.Series, fractions: dict[str, float], seed: int) -> pd.Series:
    """Assign each row to a split so that every split keeps the label balance.

    ``fractions`` maps split names to fractions summing to 1; the first split takes the remainder.
    """
    from sklearn.model_selection import train_test_split  # here: the workflow's start-up skips it

    names = list(fractions)
    total = sum(fractions.values())
    if not np.isclose(total, 1.0):
        raise ValueError(f"split fractions {fractions} sum to {total}, expected 1")
    assignment = pd.Series(names[0], index=labels.index, dtype=object)
    remaining = labels.index.to_numpy()
    left = 1.0
    for name in names[1:]:
        share = fractions[name] / left
        if share <= 0:
            continue
        strata = labels.loc[remaining]
        try:
            keep, take = train_test_split(
                remaining, test_size=share, random_state=seed, stratify=strata
            )
        except ValueError as error:
            sizes = strata.value_counts().sort_index().to_dict()
            raise ValueError(
                f"{len(remaining)} rows are too few to split {share:.0%} of them into {name!r} "
                f"with every stratum in both parts (rows per stratum: {sizes}; {error}): "
                "use more rows or larger split fractions"
            ) from error
        assignment.loc[take] = name
        remaining = keep
        left -= fractions[name]
    return assignment


def split_valid_labels(labels: pd.Series, fractions: dict[str, float], seed: int) -> pd.Series:
    """:func:`stratified_split` of the rows whose label parses as 0/1.

    The other rows go to the first split, so that validation reports them instead of the splitter.
    """
    parsed = parse_labels(labels)
    valid = parsed.notna()
    assignment = pd.Series(next(iter(fractions)), index=labels.index, dtype=object)
    if valid.any():
        assignment[valid] = stratified_split(parsed[valid].astype(int), fractions, seed)
    return assignment

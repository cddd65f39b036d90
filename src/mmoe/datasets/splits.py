"""Seeded, stratified assignment of rows to train/val(/test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split


def stratified_split(labels: pd.Series, fractions: dict[str, float], seed: int) -> pd.Series:
    """Assign each row to a split so that every split keeps the label balance.

    ``fractions`` maps split names to fractions summing to 1; the first split takes the remainder.
    """
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
        keep, take = train_test_split(
            remaining, test_size=share, random_state=seed, stratify=labels.loc[remaining]
        )
        assignment.loc[take] = name
        remaining = keep
        left -= fractions[name]
    return assignment

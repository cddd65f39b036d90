"""The papers' reported numbers (``paper/reported.yaml``) as the tables' paper columns."""

from __future__ import annotations

import pandas as pd

from mmoe.reporting.render import MISSING

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


def paper_value(value: object, decimals: int = 2) -> str:
    """A reported number as text, or a dash where the paper has none."""
    return MISSING if value is None or pd.isna(value) else f"{float(value):.{decimals}f}"


def dig(tree: dict, *keys: object) -> object:
    """``tree[k1][k2]...``, or None as soon as a key is missing or None."""
    for key in keys:
        if not isinstance(tree, dict) or key is None:
            return None
        tree = tree.get(key)
    return tree


def paper_name(reported: dict, dataset: str) -> str:
    """The paper's name of ``dataset`` (:data:`PAPER_NAMES`; by default its own)."""
    return reported.get(PAPER_NAMES, {}).get(dataset, dataset)


def is_paper_dataset(reported: dict, dataset: str) -> bool:
    """Whether ``dataset`` reproduces the paper's MUStARD, the dataset of its ablations."""
    return paper_name(reported, dataset) == PAPER_DATASET

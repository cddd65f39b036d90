"""Figures of the paper, drawn from the aggregated tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe.interactions import INTERACTIONS
from mmoe.io import atomic_path


def per_interaction_bars(stats: pd.DataFrame, out: str | Path, metric: str = "accuracy") -> int:
    """Figure 7: grouped bars (single model vs expert) per interaction type, one panel per
    dataset/family; error bars are the std over seeds. Returns the number of bars drawn."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = list(stats.groupby(["dataset", "family"], sort=True))
    fig, axes = plt.subplots(
        1, max(len(panels), 1), figsize=(4.2 * max(len(panels), 1), 3.6), squeeze=False
    )
    bars = 0
    width = 0.38
    for ax, ((dataset, family), group) in zip(axes[0], panels, strict=False):
        for offset, model in ((-width / 2, "single model"), (width / 2, "expert")):
            rows = group[group["model"] == model].set_index("interaction").reindex(INTERACTIONS)
            positions = [i + offset for i in range(len(INTERACTIONS))]
            ax.bar(
                positions,
                rows[f"{metric}_mean"],
                width,
                yerr=rows[f"{metric}_std"],
                capsize=3,
                label=model,
            )
            bars += int(rows[f"{metric}_mean"].notna().sum())
        ax.set_xticks(range(len(INTERACTIONS)), [f"{k}" for k in INTERACTIONS])
        ax.set_xlabel("interaction type (test split)")
        ax.set_ylabel(f"{metric} (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{dataset} / {family}")
        ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120, format="png")
    plt.close(fig)
    return bars

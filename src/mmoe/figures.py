"""Figures of the paper, drawn from the aggregated tables; each builder returns what it drew."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe.interactions import INTERACTIONS
from mmoe.io import atomic_path

PID_TERMS = {
    "R": "redundancy R",
    "U1": "uniqueness U1 (x1)",
    "U2": "uniqueness U2 (x2)",
    "S": "synergy S",
}
MARKERS = {  # method -> (marker, legend text)
    "single model": ("o", "single model"),
    "+MMoE": ("s", "+MMoE (experts + router model, all run)"),
}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _panels(n: int, width: float = 4.4, height: float = 3.8):
    """A figure with ``n`` panels side by side (at least one)."""
    fig, axes = _pyplot().subplots(1, max(n, 1), figsize=(width * max(n, 1), height), squeeze=False)
    return fig, axes[0]


def _save(fig, out: str | Path) -> None:
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, dpi=120, format="png", bbox_inches="tight")
    _pyplot().close(fig)


def per_interaction_bars(stats: pd.DataFrame, out: str | Path, metric: str = "accuracy") -> int:
    """Figure 7: grouped bars (single model vs expert) per interaction type, one panel per
    dataset/family; error bars are the std over seeds. Returns the number of bars drawn."""
    panels = list(stats.groupby(["dataset", "family"], sort=True))
    fig, axes = _panels(len(panels))
    bars = 0
    width = 0.38
    for ax, ((dataset, family), group) in zip(axes, panels, strict=False):
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
        sizes = group.groupby("interaction")["n"].max().reindex(INTERACTIONS)
        ax.set_xticks(
            range(len(INTERACTIONS)),
            [f"{k}\n(n={n:.0f})" for k, n in zip(INTERACTIONS, sizes.fillna(0), strict=True)],
        )
        ax.set_xlabel("interaction type (test split, n rows)")
        ax.set_ylabel(f"{metric} (%)")
        ax.set_ylim(0, 100)
        ax.set_title(f"{dataset} / {family}")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=2, fontsize=8)
    _save(fig, out)
    return bars


def parameters_vs_f1(stats: pd.DataFrame, out: str | Path) -> int:
    """Figure 8: test F1 against the parameters run at inference (``active``), one panel per
    dataset: per family the single model and the mixture. Returns the points drawn."""
    from matplotlib.ticker import EngFormatter, LogLocator, NullFormatter

    panels = list(stats.groupby("dataset", sort=True))
    fig, axes = _panels(len(panels), width=5.2)
    colours = {f: f"C{i}" for i, f in enumerate(sorted(stats["family"].unique()))}
    points = 0
    for ax, (dataset, group) in zip(axes, panels, strict=False):
        group = group[group["active"].notna()]  # imported models of unknown size: not drawn
        if group.empty:
            ax.text(0.5, 0.5, "parameter counts unknown", ha="center", transform=ax.transAxes)
            ax.set_title(dataset)
            continue
        for (family, method), rows in group.groupby(["family", "method"], sort=True):
            marker, label = MARKERS[method]
            ax.errorbar(
                rows["active"],
                rows["f1_mean"],
                yerr=rows["f1_std"],
                fmt=marker,
                color=colours[family],
                capsize=3,
                markersize=8,
                label=f"{family}: {label}",
            )
            points += len(rows)
        ax.set_xscale("log")
        sizes = group["active"]
        wide = sizes.max() > 100 * sizes.min()  # over two decades: label decades only
        ax.xaxis.set_major_locator(LogLocator(subs=(1.0,) if wide else (1.0, 2.0, 5.0)))
        ax.xaxis.set_major_formatter(EngFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.margins(x=0.15)
        ax.set_xlabel("parameters run at inference (count, log scale)")
        ax.set_ylabel("test F1 (%)")
        ax.set_title(dataset)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    _save(fig, out)
    return points


def pid_bars(stats: pd.DataFrame, out: str | Path) -> int:
    """Stacked bars of the PID terms (bits), one panel per dataset and one bar per subset.

    Returns the number of bar segments drawn.
    """
    panels = list(stats.groupby("dataset", sort=True))
    widest = max(len(group) for _, group in panels)
    fig, axes = _panels(len(panels), width=max(2.5 + 0.9 * widest, 4.4), height=5.0)
    for ax, (dataset, group) in zip(axes, panels, strict=False):
        bottom = pd.Series(0.0, index=group.index)
        for term, label in PID_TERMS.items():
            ax.bar(group["subset"], group[term], bottom=bottom, label=label, width=0.6)
            bottom = bottom + group[term]
        for tick in ax.get_xticklabels():
            tick.set(rotation=40, ha="right", rotation_mode="anchor")
        ax.set_xlabel("rows (gold label) or a model's predictions")
        ax.set_ylabel("information about the label (bits)")
        ax.set_title(f"{dataset}: partial information decomposition")
    axes[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    _save(fig, out)
    return len(PID_TERMS) * len(stats)

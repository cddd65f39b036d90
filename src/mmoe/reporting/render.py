"""Rendering a table: ``mean ± std`` cells, Markdown, LaTeX and CSV files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io

MISSING = "–"


def mean_std(frame: pd.DataFrame, by: list[str], columns: list[str]) -> pd.DataFrame:
    """Mean, std (ddof=1; NaN, i.e. undefined, for a single seed) and seed count of ``columns``
    grouped ``by``."""
    grouped = frame.groupby(by, sort=False)[columns]
    out = grouped.mean().add_suffix("_mean").join(grouped.std(ddof=1).add_suffix("_std"))
    return out.join(grouped.size().rename("seeds")).reset_index()


def fmt(mean: float, std: float) -> str:
    """``mean ± std`` with two decimals; a dash for a missing mean or an undefined std."""
    if pd.isna(mean):
        return MISSING
    return f"{mean:.2f} ± {MISSING if pd.isna(std) else f'{std:.2f}'}"


def formatted(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> pd.DataFrame:
    """``stats`` with each ``column_mean``/``column_std`` pair merged into a ``mean ± std`` cell
    and the other numbers rounded to ``decimals`` (missing ones shown as a dash)."""
    shown = stats.copy()
    for column in columns:
        cells = [
            fmt(m, s) for m, s in zip(stats[f"{column}_mean"], stats[f"{column}_std"], strict=True)
        ]
        at = shown.columns.get_loc(f"{column}_mean")
        shown = shown.drop(columns=[f"{column}_mean", f"{column}_std"])
        shown.insert(at, column, cells)
    for column in shown.select_dtypes("float").columns:
        shown[column] = [MISSING if pd.isna(v) else f"{v:.{decimals}f}" for v in shown[column]]
    return shown.astype(object).fillna(MISSING)  # object: a nullable integer takes the dash


def to_markdown(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """Markdown with ``mean ± std`` cells for the given metric columns."""
    shown = formatted(stats, columns, decimals)
    return shown.to_markdown(index=False, disable_numparse=True) + "\n"


def to_latex(stats: pd.DataFrame, columns: list[str], decimals: int = 2) -> str:
    """A LaTeX ``tabular`` with ``mean $\\pm$ std`` cells."""
    shown = formatted(stats, columns, decimals)
    text = shown.to_latex(index=False, escape=True)
    return text.replace("±", r"$\pm$").replace(MISSING, "--")


def write_table(
    stats: pd.DataFrame, columns: list[str], stem: str | Path, decimals: int = 2
) -> None:
    """Write ``stem``.csv (numbers), ``stem``.md and ``stem``.tex (``mean ± std``)."""
    io.write_csv(stats, f"{stem}.csv")
    io.write_text(to_markdown(stats, columns, decimals), f"{stem}.md")
    io.write_text(to_latex(stats, columns, decimals), f"{stem}.tex")

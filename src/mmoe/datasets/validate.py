"""Validation of the normalised datapoint table (``data.parquet``).

Adapters may add a ``source_problem`` column describing what was malformed in a source row
(reported like any other problem, then dropped from the table).

Every problem is reported with the source file, the row (id and line where known) and what is
wrong; nothing is dropped, coerced or guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SPLITS = ("train", "val", "test")
VIEWS = ("x1", "x2")
VIEW_KINDS = ("text", "image")
REQUIRED_COLUMNS = ("id", "split", "x1", "x2", "label")
MAX_LISTED = 20


@dataclass(frozen=True)
class Problem:
    """One offending row: where it is and what is wrong with it."""

    row: str
    message: str


class DataValidationError(ValueError):
    """Raised when a dataset's source has invalid rows; lists the first offending rows."""

    def __init__(self, dataset: str, source: str | Path, problems: list[Problem]):
        self.dataset = dataset
        self.source = str(source)
        self.problems = problems
        listed = "\n".join(f"  - {p.row}: {p.message}" for p in problems[:MAX_LISTED])
        rest = len(problems) - MAX_LISTED
        more = f"\n  ... and {rest} more" if rest > 0 else ""
        super().__init__(
            f"dataset '{dataset}': {len(problems)} invalid row(s) in {self.source}:\n{listed}{more}"
        )


def row_name(frame: pd.DataFrame, index: int) -> str:
    """Name a row by id and, where the adapter recorded it, its line in the source file."""
    row = frame.iloc[index]
    where = f"id={row['id']!r}" if "id" in frame.columns else f"row {index}"
    if "source_line" in frame.columns and pd.notna(row["source_line"]):
        where += f" (line {int(row['source_line'])})"
    return where


def _label_problem(value: object) -> str | None:
    value = value.item() if isinstance(value, np.generic) else value
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "missing label"
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating) and value in (0, 1):
        return None
    return f"label {value!r} is not binary (expected 0/1 or true/false)"


def _text_problem(value: object, view: str) -> str | None:
    if not isinstance(value, str):
        return f"{view} is not text (got {type(value).__name__})"
    if not value.strip():
        return f"{view} is empty"
    return None


def _image_problem(value: object, view: str, root: Path) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"{view} has no image path"
    path = Path(value) if Path(value).is_absolute() else root / value
    if not path.is_file():
        return f"{view} image {str(path)!r} does not exist"
    return None


def find_problems(
    frame: pd.DataFrame, view_kinds: dict[str, str], image_root: Path = Path(".")
) -> list[Problem]:
    """Return every problem in ``frame``, in row order (table-level problems first)."""
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        return [Problem("table", f"missing column(s) {', '.join(missing)}")]
    problems: list[Problem] = []
    present = set(frame["split"].dropna().unique())
    for split in SPLITS:
        if split not in present:
            problems.append(Problem("table", f"split '{split}' is empty"))
    duplicated = frame["id"].duplicated(keep="first")
    for index in range(len(frame)):
        row = frame.iloc[index]
        found = [row.get("source_problem") or None]
        if duplicated.iloc[index]:
            found.append(f"duplicate id {row['id']!r}")
        if row["split"] not in SPLITS:
            found.append(f"unknown split {row['split']!r} (expected one of {', '.join(SPLITS)})")
        found.append(_label_problem(row["label"]))
        for view in VIEWS:
            kind = view_kinds[view]
            if kind == "text":
                found.append(_text_problem(row[view], view))
            else:
                found.append(_image_problem(row[view], view, image_root))
        problems.extend(Problem(row_name(frame, index), msg) for msg in found if msg)
    return problems


def validate(
    frame: pd.DataFrame,
    dataset: str,
    source: str | Path,
    view_kinds: dict[str, str],
    image_root: Path = Path("."),
) -> pd.DataFrame:
    """Raise :class:`DataValidationError` if ``frame`` has problems, else return it normalised.

    Normalising only changes dtypes of already valid values (bool labels become 0/1 integers).
    """
    problems = find_problems(frame, view_kinds, image_root)
    if problems:
        raise DataValidationError(dataset, source, problems)
    out = frame.drop(columns=["source_problem"], errors="ignore")
    out["id"] = out["id"].astype(str)
    out["label"] = out["label"].astype(int)
    return out.reset_index(drop=True)

"""Validation of the normalised datapoint table (``data.parquet``).

Adapters may add columns that locate a row in its source (``source_file``, ``source_line``) and a
``source_problem`` column describing what was malformed in a source row; these are reported with
the row like any other problem. A true ``source_unparsed`` marks a row the adapter could not split
into its fields: only its source problem is reported (its fields' problems would follow from it).

Checks are vectorised over columns; image files are opened once per distinct path. By default any
problem fails validation and nothing is dropped, coerced or guessed; with ``on_invalid="drop"``
the offending rows are dropped and listed in a report instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image, UnidentifiedImageError

SPLITS = ("train", "val", "test")
VIEWS = ("x1", "x2")
REQUIRED_COLUMNS = ("id", "split", "x1", "x2", "label")
ON_INVALID = ("fail", "drop")
REPORT_COLUMNS = ["id", "line", "reason"]
MAX_LISTED = 20
NO_ROWS = "no rows"


@dataclass(frozen=True)
class Problem:
    """One offending row (or the whole table): where it is and what is wrong with it."""

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


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def parse_labels(values: pd.Series) -> pd.Series:
    """Labels as 0.0/1.0, NaN where missing or not binary (booleans, 0/1 or their text)."""
    if pd.api.types.is_numeric_dtype(values):
        numbers = values.astype(float)
    else:
        text = values.astype("str").str.strip().str.lower()
        numbers = pd.to_numeric(text.replace({"true": "1", "false": "0"}), errors="coerce")
    return numbers.where(numbers.isin([0, 1]))


def _label_problems(values: pd.Series, labels: pd.Series) -> pd.Series:
    missing = values.isna() | values.astype("str").str.strip().eq("")
    bad = labels.isna()
    return pd.Series(
        [
            "missing label"
            if gone
            else f"label {_plain(value)!r} is not binary (expected 0/1 or true/false)"
            for value, gone in zip(values[bad], missing[bad], strict=True)
        ],
        index=values.index[bad],
        dtype=object,
    )


def _text_problems(values: pd.Series, view: str) -> pd.Series:
    if isinstance(values.dtype, pd.StringDtype):
        is_text = values.notna()
    else:
        is_text = values.map(lambda v: isinstance(v, str))
    blank = values.where(is_text, "x").astype("str").str.strip().eq("")
    problems = pd.Series(None, index=values.index, dtype=object)
    problems[blank] = f"{view} is empty"
    problems[values.isna()] = f"{view} is missing"
    other = ~is_text & values.notna()
    problems[other] = [f"{view} is not text (got {type(v).__name__})" for v in values[other]]
    return problems.dropna()


def image_problem(path: str) -> str | None:
    """Why ``path`` is not a readable image file, or None when it is one."""
    if not Path(path).is_file():
        return "does not exist"
    try:
        image = Image.open(path)
    except UnidentifiedImageError:
        return "is not an image"
    except OSError as error:
        return f"cannot be opened ({error})"
    with image:
        try:
            image.verify()
        except Exception as error:  # verify() raises assorted errors (SyntaxError, ...)
            return f"is not a valid image ({type(error).__name__}: {error})"
    return None


def _image_problems(values: pd.Series, view: str, root: Path) -> pd.Series:
    problems = _text_problems(values, view).map(lambda _: f"{view} has no image path")
    paths = values.drop(problems.index).astype("str")
    relative = ~paths.str.startswith("/")
    paths[relative] = str(root) + "/" + paths[relative]
    found = {path: image_problem(path) for path in paths.unique()}
    bad = paths[paths.map(found).notna()]
    images = pd.Series([f"{view} image {p!r} {found[p]}" for p in bad], index=bad.index)
    return pd.concat([problems, images])


def _id_problems(frame: pd.DataFrame) -> pd.Series:
    ids, splits = frame["id"], frame["split"]
    duplicated = ids.duplicated(keep="first") & ids.notna()
    first_split = splits.groupby(ids, sort=False).transform("first")
    messages = [
        f"duplicate id {_plain(i)!r}"
        + ("" if split == first else f" (in two splits: {first!r} and {split!r})")
        for i, split, first in zip(
            ids[duplicated], splits[duplicated], first_split[duplicated], strict=True
        )
    ]
    problems = pd.Series(messages, index=ids.index[duplicated], dtype=object)
    missing = ids.index[ids.isna()]
    empty = ids.index[ids.notna() & ids.astype("str").str.strip().eq("")]
    return pd.concat(
        [
            pd.Series("missing id", index=missing, dtype=object),
            pd.Series("empty id", index=empty, dtype=object),
            problems,
        ]
    )


def _split_problems(splits: pd.Series) -> pd.Series:
    bad = ~splits.isin(SPLITS)
    expected = ", ".join(SPLITS)
    return pd.Series(
        [f"unknown split {_plain(s)!r} (expected one of {expected})" for s in splits[bad]],
        index=splits.index[bad],
        dtype=object,
    )


def _source_problems(frame: pd.DataFrame) -> pd.Series:
    if "source_problem" not in frame.columns:
        return pd.Series(dtype=object)
    problems = frame["source_problem"]
    return problems[problems.notna() & problems.astype("str").ne("")]


def _row_problems(
    frame: pd.DataFrame, view_kinds: dict[str, str], labels: pd.Series, image_root: Path
) -> pd.Series:
    """Each offending row's problems joined by ``; `` (``frame`` has a RangeIndex), in row order."""
    found = [
        _source_problems(frame),
        _id_problems(frame),
        _split_problems(frame["split"]),
        _label_problems(frame["label"], labels),
    ]
    for view in VIEWS:
        if view_kinds[view] == "text":
            found.append(_text_problems(frame[view], view))
        else:
            found.append(_image_problems(frame[view], view, image_root))
    problems = pd.concat(found)
    if "source_unparsed" in frame.columns:
        unparsed = frame["source_unparsed"].fillna(False).astype(bool)
        problems = problems[~problems.index.isin(frame.index[unparsed])]
        problems = pd.concat([problems, _source_problems(frame)[unparsed]])
    return problems.groupby(level=0, sort=True).agg("; ".join)


def _table_problems(frame: pd.DataFrame) -> list[Problem]:
    if frame.empty:
        return [Problem("table", NO_ROWS)]
    present = set(frame["split"].dropna().unique())
    return [Problem("table", f"split '{s}' is empty") for s in SPLITS if s not in present]


def _row_names(frame: pd.DataFrame, positions: np.ndarray) -> list[str]:
    """Name rows by source file, id and line, as far as the adapter recorded them."""
    rows = frame.iloc[positions]
    names = [f"id={_plain(i)!r}" for i in rows["id"]]
    if "source_line" in rows.columns:
        names = [
            f"{name} (line {int(line)})" if pd.notna(line) else name
            for name, line in zip(names, rows["source_line"], strict=True)
        ]
    if "source_file" in rows.columns:
        names = [f"{file}: {name}" for name, file in zip(names, rows["source_file"], strict=True)]
    return names


def validate_rows(
    frame: pd.DataFrame,
    dataset: str,
    source: str | Path,
    view_kinds: dict[str, str],
    image_root: Path = Path("."),
    on_invalid: str = "fail",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Validate ``frame``; return it normalised and the report of dropped rows.

    Raises :class:`DataValidationError` on any problem, or (``on_invalid="drop"``) drops the
    offending rows, listing them in the report (columns ``id``, ``line``, ``reason``), and raises
    only for problems of the whole table. Normalising turns labels into 0/1 integers.
    """
    if on_invalid not in ON_INVALID:
        raise ValueError(f"dataset '{dataset}': on_invalid must be one of {ON_INVALID}")
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise DataValidationError(
            dataset, source, [Problem("table", f"missing column(s) {', '.join(missing)}")]
        )
    frame = frame.reset_index(drop=True)
    labels = parse_labels(frame["label"])
    problems = _row_problems(frame, view_kinds, labels, image_root)
    positions = problems.index.to_numpy()
    report = pd.DataFrame(
        {
            "id": frame["id"].iloc[positions].astype("str").to_numpy(),
            "line": frame["source_line"].iloc[positions].to_numpy()
            if "source_line" in frame.columns
            else pd.NA,
            "reason": problems.to_numpy(),
        },
        columns=REPORT_COLUMNS,
    )
    if on_invalid == "drop":
        frame = frame.drop(index=positions)
        labels = labels.drop(index=positions)
        problems = problems.iloc[:0]
    table = _table_problems(frame)
    if table or len(problems):
        names = _row_names(frame, problems.index.to_numpy())
        rows = [Problem(n, m) for n, m in zip(names, problems, strict=True)]
        raise DataValidationError(dataset, source, table + rows)
    frame = frame.drop(columns=["source_problem", "source_unparsed"], errors="ignore")
    frame = frame.reset_index(drop=True)
    frame["id"] = frame["id"].astype("str")
    frame["label"] = labels.astype(int).to_numpy()
    return frame, report

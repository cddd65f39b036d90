"""Bring-your-own table: CSV/TSV, JSON Lines or parquet, with a column mapping in the config.

``columns`` maps ``id``, ``x1``, ``x2``, ``label`` and, optionally, ``split`` to the file's columns.
Without a split column, rows get a seeded split stratified by label with the ``splits`` fractions.
Relative image paths are taken from ``image_root`` (default: the table's folder). CSV and TSV rows
carry the line they start on; lines that cannot be parsed, short and long rows become invalid rows
(:mod:`mmoe.datasets.delimited`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from mmoe.datasets.delimited import read_rows, rows_frame
from mmoe.datasets.sources import (
    add_problems,
    invalid_utf8_lines,
    mark_undecodable,
    normalise_splits,
    read_text,
    records_frame,
    under,
)
from mmoe.datasets.splits import split_valid_labels

FIELDS = ("id", "split", "x1", "x2", "label")
DEFAULT_FRACTIONS = {"train": 0.8, "val": 0.1, "test": 0.1}
SEPARATORS = {".csv": ",", ".tsv": "\t"}


def _check_columns(path: Path, present: list[str], wanted: list[str]) -> None:
    missing = [c for c in wanted if c not in present]
    if missing:
        raise ValueError(f"{path}: no column(s) {', '.join(map(repr, missing))} (has {present})")


def _read_csv(path: Path, columns: dict[str, str]) -> tuple[pd.DataFrame, list[int]]:
    bad_lines = invalid_utf8_lines(path)
    header, rows = read_rows(path, SEPARATORS[path.suffix.lower()])
    _check_columns(path, header, list(columns.values()))
    repeated = sorted({c for c in columns.values() if header.count(c) > 1})
    if repeated:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, repeated))} appear twice")
    return rows_frame(header, rows, columns), bad_lines


def _read_jsonl(path: Path, columns: dict[str, str]) -> tuple[pd.DataFrame, list[int]]:
    text, bad_lines = read_text(path)
    records, lines, errors = [], [], []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError as error:
            records.append({})
            errors.append((len(lines), f"not valid JSON ({error.msg})"))
        lines.append(number)
    del text
    frame = records_frame(records, columns)
    frame["source_line"] = lines
    add_problems(frame, pd.Series(dict(errors), dtype=object))
    frame["source_unparsed"] = frame.index.isin([row for row, _ in errors])
    return frame, bad_lines


def _read_parquet(path: Path, columns: dict[str, str]) -> tuple[pd.DataFrame, list[int]]:
    _check_columns(path, pq.ParquetFile(path).schema_arrow.names, list(columns.values()))
    frame = pd.read_parquet(path, columns=list(columns.values()))
    frame = frame.rename(columns={source: field for field, source in columns.items()})
    return frame, []


READERS = {
    ".csv": _read_csv,
    ".tsv": _read_csv,
    ".jsonl": _read_jsonl,
    ".ndjson": _read_jsonl,
    ".parquet": _read_parquet,
}


def load_table(path: str | Path, cfg: dict, seed: int) -> pd.DataFrame:
    """Read the table at ``path`` into the normalised table (not yet validated)."""
    path = Path(path)
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise ValueError(f"{path}: unknown table type; use one of {', '.join(READERS)}")
    columns = {field: cfg["columns"][field] for field in FIELDS if field in cfg["columns"]}
    if len(set(columns.values())) < len(columns):
        raise ValueError(f"{path}: columns {columns} map two fields to one column")
    frame, bad_lines = reader(path, columns)
    if "split" in columns:
        frame["split"] = normalise_splits(frame["split"], path)
    else:
        fractions = cfg.get("splits", DEFAULT_FRACTIONS)
        frame["split"] = split_valid_labels(frame["label"], fractions, seed)
    root = cfg.get("image_root", path.parent)
    for view, kind in cfg["views"].items():
        if kind == "image":
            frame[view] = under(root, frame[view])
    mark_undecodable(frame, bad_lines)
    return frame

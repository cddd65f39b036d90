"""Reading source files: UTF-8 checks with line numbers, JSON records and per-row problems."""

from __future__ import annotations

import codecs
from pathlib import Path

import numpy as np
import pandas as pd

# The validation split's other names: MMSD2 ships ``valid.json``, UR-FUNNY's folds name it ``dev``.
# Renamed rows are reported (:func:`normalise_splits`); any other name is an unknown split.
SPLIT_ALIASES = {"valid": "val", "validation": "val", "dev": "val"}
REPLACEMENT = "\ufffd"
CHUNK = 1 << 20


def _decodes(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def invalid_utf8_lines(path: str | Path) -> list[int]:
    """1-based numbers of the file's lines that are not valid UTF-8, read in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            while chunk := handle.read(CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return []
        except UnicodeDecodeError:
            handle.seek(0)
            return [number for number, line in enumerate(handle, 1) if not _decodes(line)]


def read_text(path: str | Path) -> tuple[str, list[int]]:
    """The file's text (invalid bytes replaced by U+FFFD) and the lines that are not UTF-8."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    return text, invalid_utf8_lines(path) if REPLACEMENT in text else []


def add_problems(frame: pd.DataFrame, messages: pd.Series) -> None:
    """Append ``messages`` (indexed like ``frame``) to those rows' ``source_problem``."""
    if "source_problem" not in frame.columns:
        frame["source_problem"] = ""
    if messages.empty:
        return
    messages = messages.groupby(level=0).agg("; ".join)
    current = frame.loc[messages.index, "source_problem"].fillna("")
    joined = np.where(current.eq(""), messages, current + "; " + messages)
    frame.loc[messages.index, "source_problem"] = joined


def mark_undecodable(frame: pd.DataFrame, bad_lines: list[int]) -> None:
    """Flag the rows holding the lines that are not UTF-8.

    With a ``source_line`` column (each row's first line, ascending) a row owns the lines up to the
    next row's; without one, rows whose text views contain the replacement character are flagged.
    """
    if not bad_lines:
        return
    if "source_line" in frame.columns:
        rows = np.searchsorted(frame["source_line"].to_numpy(), bad_lines, side="right") - 1
        found = [(r, n) for r, n in zip(rows, bad_lines, strict=True) if r >= 0]
        messages = pd.Series(
            [f"line {n} is not valid UTF-8" for _, n in found],
            index=frame.index[[r for r, _ in found]],
            dtype=object,
        )
    else:
        replaced = np.zeros(len(frame), dtype=bool)
        for view in ("x1", "x2"):
            replaced |= frame[view].astype("str").str.contains(REPLACEMENT, regex=False).to_numpy()
        lines = ", ".join(map(str, bad_lines[:5]))
        messages = pd.Series(
            f"text is not valid UTF-8 (file line(s) {lines})", index=frame.index[replaced]
        )
    add_problems(frame, messages)


def records_frame(records: list, fields: dict[str, str]) -> pd.DataFrame:
    """Columns ``fields`` (column -> record key) from JSON records; ids become text.

    Entries that are not JSON objects get a ``source_problem``.
    """
    objects = [r if isinstance(r, dict) else {} for r in records]
    columns = {column: [entry.get(key) for entry in objects] for column, key in fields.items()}
    if "id" in columns:
        ids = [None if i is None else str(i) for i in columns["id"]]
        columns["id"] = pd.Series(ids, dtype=object)
    frame = pd.DataFrame(columns)
    frame["source_problem"] = [
        "" if isinstance(r, dict) else f"entry is not a JSON object: {r!r:.60}" for r in records
    ]
    return frame


def normalise_splits(values: pd.Series, source: str | Path) -> pd.Series:
    """Split names in lower case with aliases (valid, validation, dev) mapped to ``val``; the
    renaming is printed (to the job's log) with its row counts."""
    names = values.astype("str").str.strip().str.lower()
    renamed = names[names.isin(list(SPLIT_ALIASES))].value_counts()
    if len(renamed):
        listed = ", ".join(f"{n!r} -> 'val' ({count} rows)" for n, count in renamed.items())
        print(f"{source}: split names renamed: {listed}")
    return names.replace(SPLIT_ALIASES)


def under(root: str | Path, paths: pd.Series) -> pd.Series:
    """Relative ``paths`` joined onto ``root``; absolute, empty and missing ones kept."""
    text = paths.astype("str")
    relative = (~text.str.startswith("/") & text.str.strip().ne("") & paths.notna()).to_numpy()
    out = paths.astype(object)
    out[relative] = (str(root) + "/" + text[relative]).to_numpy()
    return out

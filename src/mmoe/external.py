"""Reading per-row files computed elsewhere (predictions, splits, logits, partitions).

One reader for every door of the workflow: a JSON object of id -> record (the MMoE authors'
files), a JSON list of records, JSON Lines, CSV, TSV or parquet. Records keep their place in the
file (``where``: a JSON key or a line number), so that every error names the file, the row and
the field. Nothing is coerced or guessed: a missing field, a duplicate id or an id the dataset
does not have is an :class:`ExternalFileError`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

FORMATS = ("json", "jsonl", "csv", "tsv", "parquet")
KEY = "__key__"  # the record's key in a JSON object of id -> record
SUFFIXES = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv"}
SUFFIXES |= {".parquet": "parquet", ".pq": "parquet"}
MAX_LISTED = 10


class ExternalFileError(ValueError):
    """A file computed elsewhere that the workflow refuses; the message names file, row, field."""


@dataclass(frozen=True)
class Record:
    """One row of an external file: its values and where it is (``line 3``, ``key '1_60'``);
    ``text``: a row of a CSV/TSV file, whose cells are text (numbers are parsed from it)."""

    values: dict
    where: str
    text: bool = False


def entry_path(entry: str | dict) -> str:
    """The file of a config entry that is a path, or ``{path, ...}`` with reading settings."""
    return entry if isinstance(entry, str) else entry["path"]


def file_format(path: str | Path, declared: str | None = None) -> str:
    """``declared``, else the format its suffix names."""
    if declared is not None:
        if declared not in FORMATS:
            raise ExternalFileError(f"{path}: unknown format {declared!r}; known: {FORMATS}")
        return declared
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise ExternalFileError(
            f"{path}: cannot tell the format from the suffix {suffix!r}: set `format` "
            f"(one of {', '.join(FORMATS)})"
        )
    return SUFFIXES[suffix]


def _reject_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ExternalFileError(f"duplicate key {key!r}")
        seen.add(key)
    return dict(pairs)


def _json_records(path: Path) -> list[Record]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_reject_duplicate_keys)
    except (ValueError, UnicodeDecodeError) as error:
        raise ExternalFileError(f"{path}: not readable JSON ({error})") from error
    if isinstance(raw, dict):
        return [
            Record({KEY: key, **(value if isinstance(value, dict) else {"value": value})},
                   f"key {key!r}")
            for key, value in raw.items()
        ]  # fmt: skip
    if isinstance(raw, list):
        return [Record(_as_object(path, v, f"item {i}"), f"item {i}") for i, v in enumerate(raw)]
    raise ExternalFileError(f"{path}: expected a JSON object or list, got {type(raw).__name__}")


def _as_object(path: Path, value: object, where: str) -> dict:
    if not isinstance(value, dict):
        raise ExternalFileError(f"{path}, {where}: expected an object, got {value!r:.80}")
    return value


def _jsonl_records(path: Path) -> list[Record]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"line {number}"
            try:
                value = json.loads(line, object_pairs_hook=_reject_duplicate_keys)
            except ValueError as error:
                raise ExternalFileError(f"{path}, {where}: not a JSON object ({error})") from error
            records.append(Record(_as_object(path, value, where), where))
    return records


def _table_records(path: Path, fmt: str) -> list[Record]:
    try:
        if fmt == "parquet":
            frame = pd.read_parquet(path)
            first = 0  # parquet rows are numbered from 0
        else:  # every cell as its text: an id keeps its zeros, a number is parsed where read
            sep = "\t" if fmt == "tsv" else ","
            frame = pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False)
            first = 2  # line 1 is the header
    except (OSError, ValueError) as error:
        raise ExternalFileError(f"{path}: not a readable {fmt} file ({error})") from error
    label, text = ("row", False) if fmt == "parquet" else ("line", True)
    return [
        Record(row, f"{label} {number}", text)
        for number, row in enumerate(frame.to_dict("records"), first)
    ]


def read_records(path: str | Path, fmt: str | None = None) -> list[Record]:
    """Every record of ``path`` in file order (format from ``fmt`` or the suffix)."""
    path = Path(path)
    if not path.is_file():
        raise ExternalFileError(f"{path}: no such file")
    fmt = file_format(path, fmt)
    if fmt == "json":
        return _json_records(path)
    if fmt == "jsonl":
        return _jsonl_records(path)
    return _table_records(path, fmt)


def field(path: str | Path, record: Record, name: str) -> object:
    """The record's value of ``name`` (dots walk into nested objects: ``logits.Yes``; ``__key__``
    is the record's key in a JSON object); a missing field is an error naming file and row."""
    if name in record.values:  # a name holding dots itself (a flattened header) comes first
        return record.values[name]
    value: object = record.values
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            fields = ", ".join(map(repr, sorted(k for k in record.values if k != KEY)))
            raise ExternalFileError(
                f"{path}, {record.where}: no field {name!r} (fields: {fields or 'none'})"
            )
        value = value[part]
    return value


def record_ids(path: str | Path, records: list[Record], id_field: str) -> list[str]:
    """Each record's id (as text), refusing a missing, empty or duplicate id."""
    ids, seen = [], {}
    for record in records:
        value = field(path, record, id_field)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            raise ExternalFileError(f"{path}, {record.where}: the id field {id_field!r} is empty")
        key = str(value)
        if key in seen:
            raise ExternalFileError(
                f"{path}: id {key!r} appears twice ({seen[key]} and {record.where})"
            )
        seen[key] = record.where
        ids.append(key)
    return ids


def default_id(records: list[Record]) -> str:
    """The id field when none is configured: a JSON object's key, else ``id``."""
    return KEY if records and KEY in records[0].values else "id"


def _listed(ids: list[str]) -> str:
    return ", ".join(map(repr, ids[:MAX_LISTED]))


def match_ids(path: str | Path, ids: list[str], expected: Iterable[str], what: str) -> None:
    """Refuse ids absent from ``expected`` (``what``: e.g. "the dataset's rows")."""
    expected = set(expected)
    if unknown := [i for i in ids if i not in expected]:
        raise ExternalFileError(
            f"{path}: {len(unknown)} id(s) not among {what}: {_listed(unknown)}"
        )


def require_ids(path: str | Path, ids: Iterable[str], required: list[str], what: str) -> None:
    """Refuse a file that lacks some of the ``required`` ids (``what``: e.g. "test rows")."""
    present = set(ids)
    if missing := [i for i in required if i not in present]:
        raise ExternalFileError(
            f"{path}: no row for {len(missing)} of the {what}: {_listed(missing)}"
        )


def number(path: str | Path, record: Record, name: str) -> float:
    """A field that must be a finite number (a bool is not one; a CSV/TSV cell is parsed)."""
    value = field(path, record, name)
    if record.text and isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            shown = "empty" if not value.strip() else f"{value!r:.60}, not a number"
            raise ExternalFileError(f"{path}, {record.where}: field {name!r} is {shown}") from None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExternalFileError(
            f"{path}, {record.where}: field {name!r} is {value!r:.60}, not a number"
        )
    if not math.isfinite(value):
        raise ExternalFileError(f"{path}, {record.where}: field {name!r} is {value}")
    return float(value)


BINARY = {"1": 1, "0": 0, "true": 1, "false": 0, "yes": 1, "no": 0}


def binary(path: str | Path, record: Record, name: str) -> int:
    """A 0/1 field: 0, 1, true, false, or the text yes / no / 0 / 1 / true / false."""
    value = field(path, record, name)
    key = str(value).strip().lower() if not isinstance(value, float) else None
    if isinstance(value, float) and value in (0.0, 1.0):
        return int(value)
    if key not in BINARY:
        raise ExternalFileError(
            f"{path}, {record.where}: field {name!r} is {value!r:.60}, not a binary label"
        )
    return BINARY[key]

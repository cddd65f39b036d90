"""A dataset's split read from files made elsewhere (``given_split``), in place of its own.

Two forms: ``{train: path, val: path, test: path}``, each file listing the ids of one split
(any format of :mod:`mmoe.external`: the MMoE authors' ``{id: row}`` JSON, a JSON list, JSON Lines,
CSV, TSV, parquet; the id is a JSON object's key, else the ``id`` field), or one file of id ->
split (a ``split`` field, or a JSON object ``{id: split}``; ``valid``, ``validation`` and ``dev``
mean ``val``). Every row of the dataset must be in exactly one split, and every id listed
must be a row of the dataset.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import external
from mmoe.datasets.sources import SPLIT_ALIASES
from mmoe.datasets.validate import SPLITS


def _ids(path: str | Path, id_field: str | None) -> tuple[list[str], list[external.Record]]:
    records = external.read_records(path)
    name = id_field or external.default_id(records)
    return external.record_ids(path, records, name), records


def _split_field(record: external.Record) -> str:
    """``split``, or ``value`` for a JSON object of id -> split name."""
    return "value" if "split" not in record.values and external.KEY in record.values else "split"


def split_of_ids(given: str | dict, id_field: str | None = None) -> dict[str, tuple[str, str]]:
    """id -> (split, the file that puts it there), refusing an id in two splits."""
    assigned: dict[str, tuple[str, str]] = {}
    if isinstance(given, dict):
        sources = [(path, split) for split, path in given.items()]
    else:
        sources = [(given, None)]
    for path, split in sources:
        ids, records = _ids(path, id_field)
        for key, record in zip(ids, records, strict=True):
            name = split or str(external.field(path, record, _split_field(record))).strip().lower()
            name = SPLIT_ALIASES.get(name, name)
            if name not in SPLITS:
                raise external.ExternalFileError(
                    f"{path}, {record.where}: split {name!r} is not one of {', '.join(SPLITS)}"
                )
            if key in assigned:
                raise external.ExternalFileError(
                    f"{path}: id {key!r} is in split {name!r} and, in {assigned[key][1]}, "
                    f"in {assigned[key][0]!r}"
                )
            assigned[key] = (name, str(path))
    return assigned


def apply_given_split(
    frame: pd.DataFrame, dataset: str, given: str | dict, id_field: str | None = None
) -> pd.DataFrame:
    """``frame`` with its ``split`` column from the ``given`` files."""
    assigned = split_of_ids(given, id_field)
    ids = frame["id"].astype(str)
    files = sorted({source for _, source in assigned.values()})
    external.match_ids(", ".join(files), list(assigned), ids, f"dataset '{dataset}''s rows")
    external.require_ids(
        ", ".join(files), assigned, ids.tolist(), f"dataset '{dataset}''s rows (given_split)"
    )
    out = frame.copy()
    out["split"] = [assigned[i][0] for i in ids]
    return out

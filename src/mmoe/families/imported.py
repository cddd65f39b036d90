"""Imported models: a family whose single model, experts and fuser are logits computed elsewhere
(another codebase, another cluster, the MMoE authors' released outputs), read instead of trained.

A family named ``imported`` or ``imported-<name>`` reads, per dataset and role (``single_model``,
each expert type, ``fuser``), one file of id -> class logits in any format of
:mod:`mmoe.external`. Params: ``files`` (dataset -> role -> path, or ``{path, format, id,
logits}`` for a file read otherwise than the family's others), ``format`` (default by suffix),
``id`` (the id field; a JSON object's key by default), ``logits`` (a field holding a list of
logits, ``value`` for a JSON object of id -> list, or an object whose keys
``classes`` names per role: the fuser's ``{R: R, U: U, S: AS}``; or, for tables, a list of
columns), ``classes`` (role -> class name -> key in the logits object, or position in the logits
list), ``target`` (a field holding the row's gold label, checked against the dataset's) and
``parameters`` (role -> ``{total, trainable}``, for the parameter table; unknown when absent).

A file covers the splits it covers: every test row, and the validation rows all or none
(training rows are counted and left unread: fusion reads none); ``splits`` (e.g. ``[test]``)
reads only those, each in full, and counts the rest. An id the dataset does not have, a
duplicate id, a row with another number of logits or a non-finite logit is an error naming the
file and row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mmoe import external

PREFIX = "imported"
EVAL_SPLITS = ("val", "test")  # the splits fusion reads
SINGLE_MODEL = "single_model"


def is_imported(family: str) -> bool:
    """Whether ``family`` names an imported family (``imported`` or ``imported-<name>``)."""
    return family == PREFIX or family.startswith(f"{PREFIX}-")


def _row_logits(path, record, spec, keys: list | None, n_classes: int) -> list[float]:
    if isinstance(spec, list):
        return [external.number(path, record, column) for column in spec]
    value = external.field(path, record, spec)
    if isinstance(value, np.ndarray):  # a parquet list column
        value = value.tolist()
    if isinstance(value, dict):
        if keys is None:
            found = ", ".join(map(str, value))
            raise external.ExternalFileError(
                f"{path}, {record.where}: field {spec!r} is an object ({found}): set the "
                "family's `classes` to name the key of each class"
            )
        missing = [k for k in keys if k not in value]
        if missing:
            raise external.ExternalFileError(
                f"{path}, {record.where}: field {spec!r} has no key(s) {missing} "
                f"(keys: {sorted(value)})"
            )
        value = [value[k] for k in keys]
    if not isinstance(value, list):
        raise external.ExternalFileError(
            f"{path}, {record.where}: field {spec!r} is {value!r:.60}, not a list of logits"
        )
    if keys is not None and isinstance(keys[0], int):  # a list's positions, one per class
        if len(value) <= max(keys):
            raise external.ExternalFileError(
                f"{path}, {record.where}: {len(value)} logits in field {spec!r}, but `classes` "
                f"reads position {max(keys)}"
            )
        value = [value[k] for k in keys]
    if len(value) != n_classes:
        raise external.ExternalFileError(
            f"{path}, {record.where}: {len(value)} logits in field {spec!r}, expected {n_classes}"
        )
    numbers = []
    for k, item in enumerate(value):
        if isinstance(item, bool) or not isinstance(item, int | float) or not np.isfinite(item):
            raise external.ExternalFileError(
                f"{path}, {record.where}: logit {k} of field {spec!r} is {item!r:.40}"
            )
        numbers.append(float(item))
    return numbers


def class_order(path, classes: list[str], class_keys: dict | None) -> list | None:
    """The key (or list position) of each class in ``classes`` order, from ``classes``' mapping
    of the role: exactly its classes, each to its own key."""
    if not class_keys:
        return None
    mapping = {str(k): v for k, v in class_keys.items()}
    if set(mapping) != set(classes) or len(set(map(str, mapping.values()))) != len(mapping):
        raise ValueError(
            f"{path}: `classes` maps {mapping}; it needs each of {classes} once, each to its own "
            "key or position"
        )
    return [mapping[c] for c in classes]


def read_logits(
    path: str | Path,
    data: pd.DataFrame,
    params: dict,
    classes: list[str],
    class_keys: dict[str, str] | None = None,
) -> pd.DataFrame:
    """(id, split, logit_0 ...) of the rows ``path`` covers, in ``data``'s order (id, split)."""
    fmt = external.file_format(path, params.get("format"))
    records = external.read_records(path, fmt)
    id_field = params.get("id") or external.default_id(records)
    ids = external.record_ids(path, records, id_field)
    splits = data.set_index(data["id"].astype(str))["split"]
    external.match_ids(path, ids, splits.index, "the dataset's rows")
    read = set(params.get("splits") or EVAL_SPLITS)
    unread = [i for i in ids if splits[i] not in read]
    if unread:
        print(f"{path}: {len(unread)} row(s) of other splits than {sorted(read)} not read")
    present = set(ids)
    for split in sorted(read):
        wanted = splits.index[splits == split].tolist()
        if split == "test" or split in (params.get("splits") or []) or present & set(wanted):
            external.require_ids(path, ids, wanted, f"{split} rows")
    keys = class_order(path, classes, class_keys)
    spec = params.get("logits", "logits")
    if params.get("target") and "label" in data:
        check_targets(path, records, ids, data, params["target"], read)
    values = {
        i: _row_logits(path, r, spec, keys, len(classes))
        for i, r in zip(ids, records, strict=True)
        if splits[i] in read
    }
    rows = data.loc[data["id"].astype(str).isin(values), ["id", "split"]].reset_index(drop=True)
    logits = np.array([values[str(i)] for i in rows["id"]], float)
    for k in range(len(classes)):
        rows[f"logit_{k}"] = logits[:, k]
    return rows


def check_targets(path, records, ids, data: pd.DataFrame, target: str, splits: set) -> None:
    """Refuse a file whose gold label (field ``target``) differs from the dataset's on a row it
    covers: its ids would not be the dataset's rows."""
    labels = data.set_index(data["id"].astype(str))
    for key, record in zip(ids, records, strict=True):
        if labels.at[key, "split"] in splits:
            theirs, ours = external.binary(path, record, target), int(labels.at[key, "label"])
            if theirs != ours:
                raise external.ExternalFileError(
                    f"{path}, {record.where}: field {target!r} is {theirs} for id {key!r}, whose "
                    f"label in the dataset is {ours}"
                )


READING_KEYS = ("format", "id", "logits", "target")  # a role's file may set its own


def role_file(entry: str | dict, params: dict) -> tuple[str, dict]:
    """A role's file and how to read it: ``entry`` is a path, or ``{path, format, id, logits}``
    whose keys override the family's."""
    own = {} if isinstance(entry, str) else {k: entry[k] for k in READING_KEYS if k in entry}
    return external.entry_path(entry), {**params, **own}


def summary(path: str | Path, params: dict, role: str) -> dict:
    """The imported model's ``summary.json``: its source and parameter counts (None: unknown)."""
    counts = params.get("parameters", {}).get(role, {})
    return {
        "imported": str(path),
        "parameters": {"total": counts.get("total"), "trainable": counts.get("trainable")},
    }

"""A text view read from a file made elsewhere (``view_files``), joined to the rows by id: e.g.
the MMoE authors' CogVLM2 description of each MUStARD clip's frame as the image view, in text.

``{x1: {path, field, id}}`` (or ``{x1: path}``): any format of :mod:`mmoe.external`; ``field``
defaults to ``value`` for a JSON object of id -> text, else ``text``. Every row of the dataset
must be in the file exactly once, with a non-empty text; an id the dataset does not have is an
error too.
"""

from __future__ import annotations

import pandas as pd

from mmoe import external


def view_texts(dataset: str, ids: list[str], spec: str | dict) -> list[str]:
    """The text of each of ``ids`` (in their order) in the file ``spec`` names."""
    path = external.entry_path(spec)
    spec = {} if isinstance(spec, str) else spec
    records = external.read_records(path)
    keys = external.record_ids(path, records, spec.get("id") or external.default_id(records))
    rows = f"dataset '{dataset}''s rows"
    external.match_ids(path, keys, ids, rows)
    external.require_ids(path, keys, ids, rows)
    default = "value" if records and external.KEY in records[0].values else "text"
    name = spec.get("field", default)
    texts = {}
    for key, record in zip(keys, records, strict=True):
        text = external.field(path, record, name)
        if not isinstance(text, str) or not text.strip():
            raise external.ExternalFileError(
                f"{path}, {record.where}: field {name!r} is {text!r:.60}, not a text"
            )
        texts[key] = text
    return [texts[i] for i in ids]


def apply_view_files(frame: pd.DataFrame, dataset: str, views: dict) -> pd.DataFrame:
    """``frame`` with each view of ``views`` (view -> file spec) read from its file."""
    out = frame.copy()
    ids = out["id"].astype(str).tolist()
    for view, spec in views.items():
        out[view] = view_texts(dataset, ids, spec)
    return out

"""The ``precomputed`` labeling backend: a view's predictions read from a file made elsewhere
(an API run, another cluster, the MMoE authors' released outputs).

Params: ``files`` (view -> path), ``format`` (json, jsonl, csv, tsv, parquet; default by suffix),
``id`` (the id field; default the key of a JSON object of id -> record, else ``id``), ``p_yes``
and/or ``p_no`` (fields holding P(Yes), P(No); dots walk into objects: ``logits.Yes``), ``label``
(the file's own 0/1 decision, e.g. the authors' ``pred``) and ``placeholder`` (a value that stands
for a token absent from the top logprobs, e.g. the authors' ``-10000``: read as probability 0
only when set, and counted per row in the ``placeholder`` column).

P(y = 1) is P(Yes) renormalised over the two answers when both are given (as the chat backends
compute it), else P(Yes), else 1 - P(No); NaN when both are 0. The row's answer is the file's
``label`` (0/1, true/false, yes/no) when given, else P(y = 1) >= 0.5, or unparsed (-1) where the
row has no probability. Every dataset
row must be in the file exactly once, and the file may hold no other id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mmoe import external
from mmoe.labeling.base import UNPARSED, ViewInput

PROBABILITY_FIELDS = ("p_yes", "p_no")


class PrecomputedBackend:
    """Reads one view's predictions from the file the params name for it."""

    def __init__(self, params: dict, seed: int) -> None:
        self.params = params
        if not any(params.get(k) for k in (*PROBABILITY_FIELDS, "label")):
            raise ValueError("precomputed labels need a `p_yes`, `p_no` or `label` field")

    def _probability(self, path, record, name: str) -> tuple[float, bool]:
        """A probability field in [0, 1], or the placeholder (read as 0: True)."""
        value = external.number(path, record, name)
        placeholder = self.params.get("placeholder")
        if placeholder is not None and value == placeholder:
            return 0.0, True
        if not 0 <= value <= 1:
            hint = " (a placeholder? set `placeholder` to read it as 0)" if value < 0 else ""
            raise external.ExternalFileError(
                f"{path}, {record.where}: field {name!r} is {value}, outside [0, 1]{hint}"
            )
        return value, False

    def _row(self, path, record) -> tuple[float, int, bool]:
        """(P(y = 1), answer, whether a placeholder was read) of one record."""
        yes_field, no_field = (self.params.get(k) for k in PROBABILITY_FIELDS)
        yes, yes_missing = (
            self._probability(path, record, yes_field) if yes_field else (None, False)
        )
        no, no_missing = self._probability(path, record, no_field) if no_field else (None, False)
        if yes is not None and no is not None:
            p = yes / (yes + no) if yes + no > 0 else np.nan
        else:
            p = yes if yes is not None else (1 - no if no is not None else np.nan)
        label = self.params.get("label")
        if label:
            answer = external.binary(path, record, label)
        else:
            answer = UNPARSED if np.isnan(p) else int(p >= 0.5)
        return p, answer, yes_missing or no_missing

    def label(self, view: ViewInput) -> pd.DataFrame:
        files = self.params.get("files", {})
        if view.view not in files:
            raise ValueError(f"dataset '{view.dataset}': no precomputed file for view {view.view}")
        path = files[view.view]
        fmt = external.file_format(path, self.params.get("format"))
        records = external.read_records(path, fmt)
        id_field = self.params.get("id") or external.default_id(records)
        ids = external.record_ids(path, records, id_field)
        wanted = view.data["id"].astype(str).tolist()
        external.match_ids(path, ids, wanted, f"dataset '{view.dataset}''s rows")
        external.require_ids(path, ids, wanted, f"dataset '{view.dataset}''s rows")
        rows = dict(zip(ids, (self._row(path, r) for r in records), strict=True))
        p, pred, placeholder = zip(*(rows[i] for i in wanted), strict=True)
        out = pd.DataFrame({"id": view.data["id"].to_numpy(), "p": np.asarray(p, float)})
        out["pred"] = np.asarray(pred, "int64")
        out["placeholder"] = np.asarray(placeholder, bool)
        if out["placeholder"].any():
            print(f"{path}: {int(out['placeholder'].sum())} row(s) with a placeholder read as 0")
        return out

"""Imported models' logits in place of training (rules: imports.smk): the same model folders and
logits files as the training stage writes, read from the family's files
(:mod:`mmoe.families.imported`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mmoe import io
from mmoe.families.imported import SINGLE_MODEL, read_logits, role_file, summary

BINARY_CLASSES = ["0", "1"]


def import_model(
    data: pd.DataFrame,
    dataset: str,
    params: dict,
    role: str,
    out_dir: str | Path,
    logits_out: str | Path,
    types: list[str] | None = None,
) -> pd.DataFrame:
    """Read one role's logits (``role``: ``single_model``, an expert type or ``fuser`` over
    ``types``) and write its model folder (``summary.json``) and logits file."""
    files = params.get("files", {}).get(dataset, {})
    if role not in files:
        raise ValueError(
            f"dataset '{dataset}': the imported family has no file for {role!r} "
            f"(params.files.{dataset}.{role})"
        )
    path, reading = role_file(files[role], params)
    if role == "fuser":  # its rows carry types, not the gold label
        reading = {k: v for k, v in reading.items() if k != "target"}
    classes = list(types) if role == "fuser" else BINARY_CLASSES
    keys = params.get("classes", {}).get(role)
    logits = read_logits(path, data, reading, classes, keys)
    print(f"{role}: {len(logits)} rows ({logits['split'].value_counts().to_dict()}) from {path}")
    with io.atomic_path(out_dir) as tmp:
        io.write_json(summary(path, params, role), tmp / "summary.json")
    io.write_parquet(logits, logits_out)
    return logits


def import_single_model(*, data, dataset, params, model, logits) -> pd.DataFrame:
    """Rule import_single_model: the imported single model."""
    frame = pd.read_parquet(data)
    return import_model(frame, dataset, params, SINGLE_MODEL, model, logits)


def import_scheme(
    *, data, dataset, params, types: list[str], experts: list, expert_logits: list, fuser,
    fuser_logits,
) -> None:  # fmt: skip
    """Rules import_<expert set>_scheme: a scheme's imported experts (one per type of ``types``)
    and fuser."""
    frame = pd.read_parquet(data)
    for interaction, out_dir, logits in zip(types, experts, expert_logits, strict=True):
        import_model(frame, dataset, params, interaction, out_dir, logits)
    import_model(frame, dataset, params, "fuser", fuser, fuser_logits, types)


# The import rules' ``task`` param -> its function (scripts/import_model.py).
TASKS = {"single_model": import_single_model, "scheme": import_scheme}

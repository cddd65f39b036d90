"""Stage boundaries of a dataset's config: the keys each stage's jobs read.

The config schema (workflow/schemas/config.schema.yaml) annotates every dataset key, and every
key of its ``labeling`` and ``captioning`` blocks, with the stage(s) whose jobs read it
(``stage:``, one name or a list). A job's params carry only its stage's keys, mappings sorted
(workflow/rules/common.smk: dataset_params), so editing a key reruns that stage and what follows
it, and reordering a config reruns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

BLOCKS = ("labeling", "captioning")  # dataset keys whose own keys name their stages


def stages_of(spec: Mapping) -> set[str]:
    """The stages a schema property names (``stage:``, one or a list)."""
    stage = spec.get("stage", [])
    return {stage} if isinstance(stage, str) else set(stage)


def dataset_key_specs(schema: Mapping, source: str = "config schema") -> dict[str, dict]:
    """Dataset key -> its schema property. A key (or block key, dotted) without a ``stage`` is
    refused: a ValueError that starts with ``source`` and names them."""
    keys = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    unassigned = [k for k, v in keys.items() if not stages_of(v)]
    unassigned += [
        f"{b}.{k}" for b in BLOCKS for k, v in keys[b]["properties"].items() if not stages_of(v)
    ]
    if unassigned:
        raise ValueError(f"{source}: dataset keys without a `stage`: {sorted(unassigned)}")
    return keys


def canonical(value: Any) -> Any:
    """``value`` with every mapping's keys sorted: reordering keys in a config file must not
    change a job's params (Snakemake compares their repr)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def stage_keys(specs: Mapping, stage: str, key: str | None = None) -> list[str]:
    """The dataset keys ``stage`` reads (schema order), or ``[key]``; a ``key`` that ``stage``
    does not read is refused."""
    if key is None:
        return [k for k, spec in specs.items() if stage in stages_of(spec)]
    if stage not in stages_of(specs[key]):
        raise ValueError(f"dataset key {key!r} is not read by stage {stage!r} (schema)")
    return [key]


def stage_value(spec: Mapping, value: Any, stage: str) -> Any:
    """``value`` as ``stage`` reads it: a block (labeling, captioning) keeps only the keys
    annotated with ``stage``."""
    block = spec.get("properties", {})
    if not isinstance(value, dict) or not any(stages_of(s) for s in block.values()):
        return value
    return {k: v for k, v in value.items() if stage in stages_of(block[k])}


def stage_params(specs: Mapping, cfg: Mapping, stage: str, key: str | None = None) -> Any:
    """A job's params from the dataset's config entry ``cfg``: the keys ``stage`` reads that
    ``cfg`` sets (a mapping), or the value of ``key`` (None when unset); canonical."""
    values = {
        k: stage_value(specs[k], cfg[k], stage) for k in stage_keys(specs, stage, key) if k in cfg
    }
    return canonical(values.get(key) if key is not None else values)

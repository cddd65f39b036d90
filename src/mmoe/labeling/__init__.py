"""Unimodal labeling backends: y_v = f_v(x_v) for one view at a time.

A backend returns, for every row, ``p`` = P(y = 1 | x_v) (NaN when unknown) and ``pred`` in
{0, 1}, or ``-1`` when an answer parsed to neither label (never defaulted to 0).
"""

from __future__ import annotations

from mmoe.labeling.base import LabelingBackend, ViewInput
from mmoe.labeling.classifier import CrossFitClassifier
from mmoe.labeling.openai_backend import OpenAIBackend
from mmoe.labeling.precomputed import PrecomputedBackend
from mmoe.labeling.vllm_backend import VLLMBackend

BACKENDS: dict[str, type] = {
    "classifier": CrossFitClassifier,
    "openai": OpenAIBackend,
    "precomputed": PrecomputedBackend,
    "vllm": VLLMBackend,
}
# Backends that answer chat prompts: their rows are labeled in shards (rule label_shard), then
# gathered by rule label_unimodal.
CHAT_BACKENDS = ("openai", "vllm")


def make_backend(name: str, params: dict, seed: int) -> LabelingBackend:
    """Instantiate backend ``name`` with its config ``params``."""
    if name not in BACKENDS:
        raise ValueError(f"unknown labeling backend {name!r}; known: {sorted(BACKENDS)}")
    return BACKENDS[name](params=params, seed=seed)


__all__ = ["BACKENDS", "CHAT_BACKENDS", "LabelingBackend", "ViewInput", "make_backend"]

"""Model families: a registry the rules dispatch on (one module and one line per family)."""

from __future__ import annotations

from mmoe.families.base import Examples, ModelFamily
from mmoe.families.blip2_lora import Blip2LoraFamily
from mmoe.families.causal_lm_lora import CausalLMLoraFamily
from mmoe.families.encoder_lora import EncoderLoraFamily
from mmoe.families.mlp import MLPFamily

FAMILIES: dict[str, type] = {
    "mlp": MLPFamily,
    "encoder-lora": EncoderLoraFamily,
    "causal-lm-lora": CausalLMLoraFamily,
    "blip2-lora": Blip2LoraFamily,
}


def get_family(name: str) -> ModelFamily:
    """An instance of family ``name``."""
    if name not in FAMILIES:
        raise ValueError(f"unknown model family {name!r}; known: {sorted(FAMILIES)}")
    return FAMILIES[name]()


__all__ = ["FAMILIES", "Examples", "ModelFamily", "get_family"]

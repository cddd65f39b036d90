"""Frozen per-view features: sentence embeddings for text; for images the built-in descriptor
or a pretrained image tower."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image
from tqdm import tqdm


def embed_texts(
    texts: Sequence[str],
    model_dir: str | Path,
    batch_size: int = 64,
    max_length: int = 128,
    threads: int | None = None,
    dtype: str = "float32",
) -> np.ndarray:
    """Mean-pooled, L2-normalised sentence embeddings (the sentence-transformers recipe).

    ``model_dir`` is a local transformers folder, e.g. the extracted all-MiniLM-L6-v2, run in
    ``dtype`` (pooled in float32). Texts are batched in order of length (less padding) and
    returned in the order given.
    """
    import torch
    from transformers import AutoModel, AutoTokenizer

    if threads is not None:
        torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, dtype=getattr(torch, dtype)).eval()
    texts = list(texts)
    order = np.argsort([len(t) for t in texts], kind="stable")
    chunks = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(texts), batch_size), desc="embed text", unit="batch"):
            batch = tokenizer(
                [texts[i] for i in order[start : start + batch_size]],
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            hidden = model(**batch).last_hidden_state.float()
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    if not chunks:
        return np.zeros((0, 0), np.float32)
    embedded = np.empty((len(texts), chunks[0].shape[1]), np.float32)
    embedded[order] = np.concatenate(chunks)
    return embedded


DESCRIPTOR = "descriptor"  # the built-in image featurizer (:mod:`mmoe.image_descriptor`)


def feature_width(kind: str, encoder: str | Path | None) -> int | None:
    """The width :func:`view_features` gives a view of ``kind`` embedded by ``encoder`` (the
    text encoder's folder, or the image encoder): the descriptor's, or a text encoder's hidden
    size from its ``config.json``; None where it is not known without the model (a pretrained
    image tower, a missing folder)."""
    from mmoe.image_descriptor import FEATURES

    if kind == "image":
        return len(FEATURES) if encoder in (None, DESCRIPTOR) else None
    config = Path(encoder or "") / "config.json"
    if encoder is None or not config.is_file():
        return None
    return int(json.loads(config.read_text())["hidden_size"])


def embed_images(paths: Sequence[str | Path]) -> np.ndarray:
    """The built-in descriptor (:func:`mmoe.image_descriptor.image_features`) of every image."""
    from mmoe.image_descriptor import image_features

    rows = [image_features(p) for p in tqdm(paths, desc="embed images", unit="image")]
    return np.stack(rows).astype(np.float32)


def embed_images_pretrained(
    paths: Sequence[str | Path], model_dir: str | Path, batch_size: int = 32
) -> np.ndarray:
    """L2-normalised pooled embeddings of a CLIP/SigLIP-style image tower.

    ``model_dir`` is a local transformers folder (read offline) with an image processor and
    either a vision tower alone (its ``pooler_output``) or an image-text model (its
    ``get_image_features``, the projected embedding).
    """
    import torch
    from transformers import AutoImageProcessor, AutoModel

    if not Path(model_dir, "config.json").is_file():
        raise FileNotFoundError(
            f"image_encoder {str(model_dir)!r}: not a transformers folder (no config.json); "
            f"use {DESCRIPTOR!r} or a local folder of a CLIP/SigLIP-style image model"
        )
    processor = AutoImageProcessor.from_pretrained(model_dir, local_files_only=True)
    model = AutoModel.from_pretrained(model_dir, local_files_only=True).eval()
    chunks = []
    with torch.inference_mode():
        for start in tqdm(range(0, len(paths), batch_size), desc="embed images", unit="batch"):
            images = []
            for path in paths[start : start + batch_size]:
                with Image.open(path) as image:
                    images.append(image.convert("RGB"))
            pixels = processor(images=images, return_tensors="pt")["pixel_values"]
            if hasattr(model, "get_image_features"):
                pooled = model.get_image_features(pixel_values=pixels)
            else:
                pooled = model(pixel_values=pixels)
            if not isinstance(pooled, torch.Tensor):  # transformers 5 returns an output object
                pooled = pooled.pooler_output
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(chunks).astype(np.float32) if chunks else np.zeros((0, 0), np.float32)


def view_features(
    values: Sequence[str],
    kind: str,
    text_model_dir: str | Path,
    image_encoder: str | Path = DESCRIPTOR,
    threads: int | None = None,
    text_dtype: str = "float32",
) -> np.ndarray:
    """Features for one view of every datapoint, by the view's modality; images by
    ``image_encoder``: :data:`DESCRIPTOR` or a local folder read by
    :func:`embed_images_pretrained` (``threads`` and ``text_dtype``: the text encoder's torch
    threads, torch's default when None, and its dtype). Each distinct value (text or image
    path) is embedded once and its features given to every row that holds it."""
    if kind not in ("text", "image"):
        raise ValueError(f"unknown view kind {kind!r}; expected 'text' or 'image'")
    codes, distinct = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=False)
    distinct = distinct.tolist()
    tqdm.write(f"{len(values)} rows, {len(distinct)} distinct {kind} values")
    if kind == "text":
        features = embed_texts(distinct, text_model_dir, threads=threads, dtype=text_dtype)
    elif image_encoder == DESCRIPTOR:
        features = embed_images(distinct)
    else:
        features = embed_images_pretrained(distinct, image_encoder)
    return features[codes]

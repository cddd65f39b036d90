"""Which numbers of the image descriptor a unimodal labeller can afford (training rows only).

For subsets of :data:`mmoe.image_descriptor.FEATURES`, the classifier labeller's out-of-fold
predictions on the training split (as ``label_unimodal`` cross-fits them) and how often they
follow the image's colour cue. Needs a synthetic dataset's ingest:

    snakemake --cores 1 results/synthetic/data.parquet
    python bench/image_descriptor_variants.py [WORKDIR] [DATASET]   (default: . synthetic)
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from mmoe.image_descriptor import FEATURES, describe, normalised_moments, object_mask
from mmoe.labeling.classifier import CrossFitClassifier, cross_fit_proba
from mmoe.reporting.typing_chain import true_cues

COLOUR = ["object_r", "object_g", "object_b"]
ORDERS = {
    f"{word}-order moments": tuple((p, n - p) for p in range(n, -1, -1))
    for n, word in ((2, "second"), (3, "third"), (4, "fourth"))
}


def candidates(rgb: np.ndarray) -> dict[str, np.ndarray]:
    """The descriptor's own numbers and the candidates it left out."""
    mask = object_mask(rgb)
    out = dict(zip(FEATURES, describe(rgb), strict=True))
    out["object share"] = mask.mean()
    for name, orders in ORDERS.items():
        out[name] = normalised_moments(mask, orders)
    return out


def main(workdir: str = ".", dataset: str = "synthetic") -> None:
    from PIL import Image

    data = pd.read_parquet(Path(workdir) / "results" / dataset / "data.parquet")
    train = data[data["split"] == "train"].reset_index(drop=True)
    rows = []
    for path in train["x1"]:
        with Image.open(Path(workdir) / path) as image:
            rows.append(candidates(np.asarray(image.convert("RGB"), float) / 255.0))
    cue = true_cues(train)["x1"].to_numpy()
    labels = train["label"].to_numpy()
    variants = {"colour": []} | {f"colour + {n}": [n] for n in ["object share", *ORDERS]}
    variants["colour + moments of orders 2-4"] = list(ORDERS)
    factory = CrossFitClassifier({"folds": 5}, 0).model_factory()
    for name, extra in variants.items():
        x = np.stack([np.hstack([[r[c] for c in COLOUR], *(r[e] for e in extra)]) for r in rows])
        proba, _ = cross_fit_proba(x, labels, np.ones(len(x), bool), 5, 0, factory)
        following = 100 * ((proba >= 0.5).astype(int) == cue).mean()
        print(f"{name:34s} {x.shape[1]:2d} numbers  follows the colour on {following:.2f}%")


if __name__ == "__main__":
    main(*sys.argv[1:])

"""The labelling links of the typing chain on a synthetic dataset, per split and on all rows.

How often each view's unimodal label follows its view's cue (x1: the image's colour, x2: the
sentence's sentiment), and how often the automatic R/U/S types equal the true ones (overall
and per true type). Reads a workflow's results after its ``partition_interactions`` job;
where fused runs and their metrics exist (``results/DATASET/metrics/FAMILY/SCHEME/seedN.csv``),
it also prints their rows of the ``typing_chain`` table
(:func:`mmoe.reporting.typing_chain.typing_chain`):

    snakemake --cores 1 results/synthetic/partitions/counts.csv
    python bench/typing_chain_synthetic.py [WORKDIR] [DATASET]   (default: . synthetic)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from mmoe.interactions import INTERACTIONS, TRUE_TYPES
from mmoe.reporting import render
from mmoe.reporting.inputs import load_metrics
from mmoe.reporting.typing_chain import VIEWS, true_cues, typing_chain
from mmoe.stages.tables import TABLES


def links(typed: pd.DataFrame, data: pd.DataFrame) -> dict[str, float]:
    cue = true_cues(data).loc[typed["id"]]
    truth = typed["id"].map(data.set_index("id")["true_interaction"]).map(TRUE_TYPES["rus"])
    right = typed["interaction"].to_numpy() == truth.to_numpy()
    out = {"n": len(typed)}
    for i, view in enumerate(VIEWS, 1):
        out[f"cue_{view}"] = 100 * (typed[f"y{i}"].to_numpy() == cue[view].to_numpy()).mean()
    out["types"] = 100 * right.mean()
    for kind in INTERACTIONS:
        out[f"types_{kind}"] = 100 * right[(truth == kind).to_numpy()].mean()
    return out


def main(workdir: str = ".", dataset: str = "synthetic") -> None:
    root = Path(workdir) / "results" / dataset
    typed = pd.read_parquet(root / "interactions.parquet")
    data = pd.read_parquet(root / "data.parquet")
    rows = {
        split: links(typed[typed["split"] == split], data) for split in ("train", "val", "test")
    }
    rows["all"] = links(typed, data)
    print(pd.DataFrame(rows).T.round(2).to_string())
    runs, fused = [], []
    for path in sorted(root.glob("metrics/*/*/seed*.csv")):
        family, scheme, seed = path.parts[-3], path.parts[-2], int(path.stem[4:])
        keys = {"dataset": dataset, "family": family, "scheme": scheme, "seed": seed}
        stem = root / "fused" / family / scheme / f"seed{seed}"
        runs.append({**keys, "path": path})
        fused.append({**keys, "routing": f"{stem}.routing.csv", "predictions": f"{stem}.parquet"})
    if runs:
        metrics = load_metrics(runs)
        chain = typing_chain(metrics, fused, {dataset: typed}, {dataset: data}, {})
        print(render.to_markdown(chain, list(TABLES["typing_chain"].columns)))


if __name__ == "__main__":
    main(*sys.argv[1:])

"""A 29%-positive table dataset whose unimodal views carry no signal: a labeller thresholded at
P(y=1) = 0.5 predicts every row negative, U is empty and the partition is the label. The default
positive-rate clamp keeps both views' labels two-class, so R, U and S all get training rows and
the run goes through partition, fusion and tables."""

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import run_snakemake

pytestmark = pytest.mark.slow

WORDS = [f"w{i}" for i in range(40)]


def imbalanced_table(path, n=300, positive=0.29, seed=0) -> None:
    """Two text views of random words (no signal) and a label with ``positive`` positives."""
    rng = np.random.default_rng(seed)
    labels = np.zeros(n, int)
    labels[rng.permutation(n)[: round(positive * n)]] = 1
    sentence = lambda: " ".join(rng.choice(WORDS, size=6))  # noqa: E731
    splits = np.array(["train"] * 180 + ["val"] * 60 + ["test"] * 60)
    pd.DataFrame(
        {
            "id": [f"r{i}" for i in range(n)],
            "a": [sentence() for _ in range(n)],
            "b": [sentence() for _ in range(n)],
            "y": labels,
            "part": splits[rng.permutation(n)],
        }
    ).to_csv(path, index=False)


def imbalanced_config(workdir):
    imbalanced_table(workdir / "table.csv")
    config = {
        "seed": 0,
        "seeds": [0],
        "text_encoder": "resources/models/all-MiniLM-L6-v2",
        "schemes": ["rus", "rus_balanced"],
        "main_scheme": "rus",
        "fusion": {"fixed_weights": {"R": 0.2, "U": 0.5, "S": 0.3}},
        "families": {
            "mlp": {
                "paper_model": None,
                "params": {"hidden": 16, "epochs": 4, "patience": 2, "batch_size": 32},
            }
        },
        "datasets": {
            "imbalanced": {
                "format": "table",
                "path": "table.csv",
                "columns": {"id": "id", "x1": "a", "x2": "b", "label": "y", "split": "part"},
                "views": {"x1": "text", "x2": "text"},
                "labeling": {"backend": "classifier", "params": {"folds": 3, "C": 0.0001}},
                "families": ["mlp"],
            }
        },
    }
    path = workdir / "config.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def test_an_imbalanced_dataset_gets_every_type_and_reaches_the_tables(tmp_path):
    imbalanced_config(tmp_path)
    run_snakemake(tmp_path, "--cores", "2", "all")
    results = tmp_path / "results/imbalanced"
    summary = pd.read_csv(results / "unimodal/summary.csv")
    train = summary[summary["split"] == "train"].set_index("view")
    assert (train["positive_rate"] >= 0.2 - 1e-9).all()
    counts = pd.read_csv(results / "partitions/counts.csv")
    partitions = counts[counts["split"] == "train_partition"]
    for scheme in ("rus", "rus_balanced"):
        sizes = partitions[partitions["scheme"] == scheme].set_index("interaction")["n"]
        assert sizes.reindex(["R", "U", "S"]).gt(0).all(), (scheme, sizes)
    main = pd.read_csv(tmp_path / "results/tables/main_results.csv")
    assert "imbalanced" in set(main["dataset"])

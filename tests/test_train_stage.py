"""The train stage as a rule runs it: an interrupted job leaves no output, and its rerun resumes."""

import numpy as np
import pandas as pd
import pytest

from mmoe import pipeline
from mmoe.families.hf_training import Preempted
from tests.conftest import REPO


def _stage_inputs(tmp_path, n=48):
    import json

    raw = list(json.loads((REPO / "tests/data/mustard_subset.json").read_text()).values())[:n]
    data = pd.DataFrame(
        {
            "id": [f"m{i}" for i in range(n)],
            "split": (["train"] * 3 + ["val", "test"]) * (n // 5) + ["train"] * (n % 5),
            "x1": [r["utterance"] for r in raw],
            "x2": [" ".join(r["context"]) for r in raw],
            "label": [int(r["sarcasm"]) for r in raw],
        }
    )
    data.to_parquet(tmp_path / "data.parquet")
    typed = data[["id", "split", "label"]].assign(interaction="R")
    typed.to_parquet(tmp_path / "typed.parquet")
    for view in ("x1", "x2"):
        np.save(tmp_path / f"{view}.npy", np.zeros((n, 2)))
    return {v: tmp_path / f"{v}.npy" for v in ("x1", "x2")}


def test_interrupted_training_resumes_from_the_checkpoint_beside_the_output(tmp_path):
    pytest.importorskip("all_minilm_l6_v2")
    from mmoe.pretrained import extract_minilm

    features = _stage_inputs(tmp_path)
    params = {"model_path": str(extract_minilm(tmp_path / "minilm")), "epochs": 2,
              "patience": 2, "batch_size": 16, "max_length": 32}  # fmt: skip
    out, logits = tmp_path / "models" / "seed0", tmp_path / "logits.parquet"
    args = ("encoder-lora", params, tmp_path / "data.parquet", features,
            {"x1": "text", "x2": "text"}, tmp_path / "typed.parquet", "all", None, 0)  # fmt: skip
    with pytest.raises(Preempted):
        pipeline.train_model(args[0], {**params, "max_epochs_this_run": 1}, *args[2:], out, logits)
    checkpoint = tmp_path / "models" / ".seed0.checkpoint" / "last.pt"
    assert checkpoint.is_file() and not out.exists() and not logits.exists()
    summary = pipeline.train_model(*args, out, logits)
    assert summary["resumed_from_epoch"] == 1
    assert (out / "summary.json").is_file() and len(pd.read_parquet(logits)) > 0
    assert not checkpoint.exists()

"""The workflow's labeling rules on the tiny config with the real ``vllm`` backend.

MUStARD's two text views (30 rows of the shipped subset) go through ``label_shard`` (one shard
per view: each job starts its own engine in vLLM's environment, about a minute on 2 cores),
``label_unimodal`` (the gather) and ``labeling_summary``.
"""

from __future__ import annotations

import json

import pandas as pd
import yaml

from tests.conftest import run_snakemake, tiny_config
from tests.vllm_env import smollm2, vllm_params


def test_the_shard_rules_label_mustard_with_the_real_engine(tmp_path):
    path = tiny_config(tmp_path, multitask={})
    rows = json.loads((tmp_path / "mustard.json").read_text())
    friends = [key for key, row in rows.items() if row["show"] == "FRIENDS"]
    others = [key for key, row in rows.items() if row["show"] != "FRIENDS"]
    subset = {key: rows[key] for key in friends[:10] + others[:20]}
    (tmp_path / "mustard.json").write_text(json.dumps(subset))
    config = yaml.safe_load(path.read_text())
    mustard = config["datasets"]["mustard"]
    mustard["labeling"] = {
        "backend": "vllm",
        "shards": 1,
        "max_unparsed_rate": 1.0,  # a 135M model often answers neither Yes nor No
        "params": vllm_params(smollm2()),
        "resources": {"mem_mb": 4000, "cpus_per_task": 1},
    }
    config["datasets"] = {"mustard": mustard}
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    target = "results/mustard/unimodal/summary.csv"
    run_snakemake(tmp_path, "--cores", "2", target)
    shards = sorted((tmp_path / "results/mustard/unimodal/shards").glob("*/*.parquet"))
    assert len(shards) == 2
    data = pd.read_parquet(tmp_path / "results/mustard/data.parquet")
    for view in ("x1", "x2"):
        labels = pd.read_parquet(tmp_path / f"results/mustard/unimodal/{view}.parquet")
        assert labels["id"].tolist() == data["id"].tolist()
        assert labels["p"].between(0, 1).all() and labels["pred"].isin([-1, 0, 1]).all()
    summary = pd.read_csv(tmp_path / target)
    assert set(summary["view"]) == {"x1", "x2"}
    log = (tmp_path / "logs/mustard/label_shard/x1/0.log").read_text()
    assert "P(Yes) from logprob_token_ids" in log

"""The LLM labeling stages the rules call: scatter over shards, gather, summarise with a bound."""

import pandas as pd
import pytest
import yaml

from mmoe import pipeline
from mmoe.labeling.summary import LabelingError
from tests.conftest import run_snakemake, tiny_config
from tests.loopback_openai import LoopbackOpenAI
from tests.test_labeling_openai import params, text_view


def _label_view(tmp_path, server, data_path, view, n_shards=2):
    labeling = {"backend": "openai", "params": params(server)}
    shards = []
    for shard in range(n_shards):
        out = tmp_path / f"{view}-{shard}.parquet"
        pipeline.label_shard(
            "demo", data_path, view, "text", labeling, 0, tmp_path / "cache", n_shards, shard,
            out, tmp_path / f"{view}-{shard}.json",
        )  # fmt: skip
        shards.append(out)
    return pipeline.gather_labels(data_path, shards, tmp_path / f"{view}.parquet")


def test_shards_gather_into_the_data_order_and_summarise(tmp_path):
    data = text_view(16).data
    data["split"] = ["train", "val", "test", "train"] * 4
    data_path = tmp_path / "data.parquet"
    data.to_parquet(data_path)
    with LoopbackOpenAI() as server:
        merged = {v: _label_view(tmp_path, server, data_path, v) for v in ("x1", "x2")}
    assert merged["x1"]["id"].tolist() == data["id"].tolist()
    assert (merged["x1"]["pred"] == data["label"]).all()
    assert (tmp_path / "x1-0.json").exists()
    paths = {v: tmp_path / f"{v}.parquet" for v in merged}
    summary = pipeline.summarise_labels("demo", data_path, paths, 0.05, tmp_path / "s.csv")
    overall = summary[(summary["split"] == "all") & (summary["view"] == "x1")].iloc[0]
    assert overall["rows"] == 16 and overall["unparsed"] == 0


def test_too_many_unparsed_answers_fail_the_summary(tmp_path):
    data = text_view(10, special={1: "[maybe]", 3: "[maybe]"}).data
    data.to_parquet(tmp_path / "data.parquet")
    with LoopbackOpenAI() as server:
        for view in ("x1", "x2"):
            _label_view(tmp_path, server, tmp_path / "data.parquet", view, n_shards=1)
    labels = pd.read_parquet(tmp_path / "x1.parquet")
    assert labels["pred"].tolist()[1] == -1  # recorded as unparsed, never "No"
    paths = {v: tmp_path / f"{v}.parquet" for v in ("x1", "x2")}
    with pytest.raises(LabelingError, match="2 of 10 answers"):
        pipeline.summarise_labels("demo", tmp_path / "data.parquet", paths, 0.1, tmp_path / "s.csv")


def test_chat_backend_plans_one_job_per_shard_with_its_resources(tmp_path):
    path = tiny_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["datasets"]["mustard"]["labeling"] = {
        "backend": "vllm",
        "params": {"model": "/models/Qwen2-72B-Instruct"},
        "shards": 3,
        "resources": {"gpu": 1, "mem_mb": 64000},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    planned = run_snakemake(tmp_path, "-n", "--cores", "1", "all").stdout
    assert planned.count("rule label_shard:") == 6  # 2 views x 3 shards
    assert "gpu=1" in planned and "mem_mb=64000" in planned

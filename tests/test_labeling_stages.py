"""The LLM labeling stages the rules call: scatter over shards, gather, summarise with a bound."""

import numpy as np
import pandas as pd
import pytest
import yaml

from mmoe.labeling.summary import LabelingError
from mmoe.stages import label
from mmoe.stages.rows import load_views
from tests.conftest import run_snakemake, tiny_config
from tests.loopback_openai import LoopbackOpenAI
from tests.test_labeling_openai import params, text_view


def _label_view(tmp_path, server, data_path, view, n_shards=2):
    labeling = {
        "backend": "openai", "params": params(server), "shards": n_shards, "decision": "answer",
        "positive_rate_bound": 0.0,
    }  # fmt: skip
    job = {"dataset": "demo", "data": data_path, "view": view, "kind": "text", "seed": 0}
    shards = []
    for shard in range(n_shards):
        out = tmp_path / f"{view}-{shard}.parquet"
        label.label_shard(
            **job,
            labeling=labeling,
            cache_dir=tmp_path / "cache",
            shard=shard,
            labels=out,
            stats=tmp_path / f"{view}-{shard}.json",
        )
        shards.append(out)
    return label.label_unimodal(
        **job, labeling=labeling, shards=shards, labels=tmp_path / f"{view}.parquet"
    )


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
    summary = label.labeling_summary(
        dataset="demo",
        data=data_path,
        **paths,
        labeling={"max_unparsed_rate": 0.05},
        summary=tmp_path / "s.csv",
    )
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
        label.labeling_summary(
            dataset="demo",
            data=tmp_path / "data.parquet",
            **paths,
            labeling={"max_unparsed_rate": 0.1},
            summary=tmp_path / "s.csv",
        )


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


def test_captions_reach_the_families_as_text(tmp_path):
    from PIL import Image

    paths = []
    for i in range(4):
        path = tmp_path / f"img{i}.png"
        Image.new("RGB", (8, 8), (200, 40 * i, 40)).save(path)
        paths.append(str(path))
    data = pd.DataFrame(
        {"id": [f"i{i}" for i in range(4)], "split": ["train", "val", "test", "train"],
         "x1": paths, "x2": ["a", "b", "c", "d"], "label": [1, 0, 1, 0]}
    )  # fmt: skip
    data.to_parquet(tmp_path / "data.parquet")
    with LoopbackOpenAI() as server:
        captioning = {"backend": "openai", "params": params(server)}
        out = tmp_path / "captions.parquet"
        label.caption_view(
            dataset="demo",
            data=tmp_path / "data.parquet",
            view="x1",
            captioning=captioning,
            seed=0,
            cache_dir=tmp_path / "cache",
            captions=out,
        )
    captions = pd.read_parquet(out)
    assert captions["id"].tolist() == data["id"].tolist()
    assert captions["caption"].str.len().min() > 0
    np.save(tmp_path / "f.npy", np.zeros((4, 2)))
    views = load_views(
        tmp_path / "data.parquet", {"x1": tmp_path / "f.npy"}, {"x1": "image", "x2": "text"},
        {"x1": out},
    )  # fmt: skip
    examples = views.examples(views.split("train"))
    assert examples.captions["x1"] == captions["caption"].iloc[[0, 3]].tolist()
    captions.iloc[:3].to_parquet(tmp_path / "short.parquet")
    with pytest.raises(ValueError, match="no caption for 1 row"):
        load_views(tmp_path / "data.parquet", {}, captions={"x1": tmp_path / "short.parquet"})


def test_captioning_adds_caption_jobs_before_training(tmp_path):
    path = tiny_config(tmp_path)
    config = yaml.safe_load(path.read_text())
    config["datasets"]["synthetic"]["captioning"] = {
        "backend": "openai",
        "params": {"base_url": "http://127.0.0.1:9/v1", "model": "m"},
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    planned = run_snakemake(tmp_path, "-n", "--cores", "1", "all").stdout
    assert planned.count("rule caption_view:") == 1  # the synthetic image view only
    assert "results/synthetic/captions/x1.parquet" in planned

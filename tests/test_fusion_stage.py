"""The fuse stage run as a job: the rule's named files and settings, once and multitask."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
from snakemake.iocontainers import Namedlist

from mmoe.interactions import classify_rus, write_partition
from mmoe.snakemake_job import run_stage
from mmoe.stages.fusion import evaluate, fuse

TYPES = ["R", "U", "S"]
FUSION = {
    "fixed_weights": {"R": 0.2, "S": 0.3, "U": 0.5},
    "method": "validation",
    "cascade_threshold": "validation",
    "cascade_rule": "mean",
    "combine": "probabilities",
    "fuser_weights": "softmax",
}


def _job(tmp_path, input, output, params):
    return SimpleNamespace(
        input=Namedlist(fromdict=input),
        output=Namedlist(fromdict=output),
        params=Namedlist(fromdict=params),
        wildcards=Namedlist(fromdict={"dataset": "demo", "family": "mlp", "seed": "0"}),
        threads=1,
        log=Namedlist([str(tmp_path / "job.log")]),
    )


def _logits(rows, k, rng, path, shift=0.0):
    values = rng.normal(size=(len(rows), k)) + shift
    frame = rows[["id", "split"]].assign(**{f"logit_{j}": values[:, j] for j in range(k)})
    frame.to_parquet(path, index=False)
    return str(path)


def _inputs(tmp_path, n=60):
    rng = np.random.default_rng(0)
    split = np.array(["train", "val", "test"])[np.arange(n) % 3]
    label, y1, y2 = (rng.integers(0, 2, n) for _ in range(3))
    typed = pd.DataFrame(
        {"id": [f"r{i}" for i in range(n)], "split": split, "label": label, "y1": y1, "y2": y2}
    )
    typed = typed.assign(p1=0.1 + 0.8 * y1, p2=0.1 + 0.8 * y2)
    typed["interaction"] = classify_rus(y1, y2, label)[0]
    typed.to_parquet(tmp_path / "typed.parquet", index=False)
    write_partition(typed[split == "train"][["id", "split", "interaction"]], tmp_path / "rus")
    fused = typed[split != "train"]
    (tmp_path / "multitask").mkdir()
    experts = [_logits(fused, 2, rng, tmp_path / f"{kind}.parquet") for kind in TYPES]
    for kind, path in zip(TYPES, experts, strict=True):
        (tmp_path / "multitask" / kind).mkdir()
        pd.read_parquet(path).to_parquet(tmp_path / "multitask" / kind / "demo.parquet")
    return {
        "typed": str(tmp_path / "typed.parquet"),
        "partition": str(tmp_path / "rus"),
        "experts": experts,
        "fuser": _logits(fused, 3, rng, tmp_path / "fuser.parquet", shift=-2.0),  # raw: < 0
        "baseline": _logits(fused, 2, rng, tmp_path / "baseline.parquet"),
    }


def _fuse(tmp_path, inputs, name, routing=True, **fusion):
    output = {
        "predictions": str(tmp_path / f"{name}.parquet"),
        "settings": str(tmp_path / f"{name}.json"),
    }
    if routing:
        output["routing"] = str(tmp_path / f"{name}.routing.csv")
    params = {"types": TYPES, "fusion": FUSION | fusion, "gamma": 0.5}
    if not routing:  # the multitask experts: folders of per-dataset logits
        params["logits_name"] = "demo.parquet"
    return run_stage(fuse, _job(tmp_path, inputs, output, params))


def test_fuse_and_evaluate_as_jobs_once_and_multitask(tmp_path):
    inputs = _inputs(tmp_path)
    predictions = _fuse(tmp_path, inputs, "fused")
    assert {"mmoe", "model", "proxy_soft", "cascaded"} <= set(predictions)
    routing = pd.read_csv(tmp_path / "fused.routing.csv")
    assert set(routing["measure"]) >= {"router_accuracy", "f1", "positive_rate"}
    experts = [str(tmp_path / "multitask" / kind) for kind in TYPES]
    multitask = _fuse(tmp_path, {**inputs, "experts": experts}, "multitask", routing=False)
    pd.testing.assert_frame_equal(multitask, predictions)
    assert not (tmp_path / "multitask.routing.csv").exists()
    job = _job(
        tmp_path,
        {"predictions": str(tmp_path / "fused.parquet"), "typed": inputs["typed"]},
        {"scores": str(tmp_path / "scores.csv")},
        {},
    )
    scores = run_stage(evaluate, job)
    assert "mmoe" in set(scores["method"]) and (tmp_path / "scores.csv").exists()


def test_the_routers_accuracy_is_the_softmax_routers_whatever_the_fuser_weights(tmp_path):
    """Raw fuser outputs reweight (and, masked, re-route) the strategies; the diagnostics'
    router accuracy stays that of the softmax routers."""
    inputs = _inputs(tmp_path)
    softmax = _fuse(tmp_path, inputs, "softmax")
    raw = _fuse(tmp_path, inputs, "raw", fuser_weights="raw")
    assert not raw["model_agreement_hard"].equals(softmax["model_agreement_hard"])
    tables = [pd.read_csv(tmp_path / f"{name}.routing.csv") for name in ("softmax", "raw")]
    accuracy = [table[table["measure"] == "router_accuracy"] for table in tables]
    pd.testing.assert_frame_equal(*accuracy)

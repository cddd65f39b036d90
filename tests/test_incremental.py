"""Incrementality on the tiny run: the exact set of jobs an edit makes stale (dry runs).

Each stage's params carry only the config keys it reads (workflow/rules/common.smk), so an edit
reruns the stage that reads the key and what follows it, nothing upstream. The expected plans
below are built stage by stage for the tiny config (tests/configs/tiny.yaml).
"""

import itertools
import json
import re
import shutil

import pandas as pd
import pytest
import yaml

from tests.conftest import run_snakemake, tiny_config
from tests.tiny_clip import tiny_clip

pytestmark = pytest.mark.slow

DATASETS = ("mustard", "synthetic")
SCHEMES = ("rus", "five")
EXPERTS = ("R", "U", "S")  # the main scheme's (and the multitask experts')
AGGREGATES = {("tables", frozenset()), ("all", frozenset())}


def jobs(rule: str, **wildcards) -> set:
    """(rule, wildcards) of every combination of the given wildcard values (str or tuple)."""
    names = list(wildcards)
    values = [v if isinstance(v, tuple) else (v,) for v in wildcards.values()]
    return {
        (rule, frozenset(zip(names, combo, strict=True))) for combo in itertools.product(*values)
    }


def multitask_onwards(seed="0") -> set:
    return (
        jobs("train_multitask_expert", group="pooled", family="mlp", expert=EXPERTS, seed=seed)
        | jobs("fuse_multitask", group="pooled", family="mlp", dataset=DATASETS, seed=seed)
        | jobs("evaluate_multitask", group="pooled", family="mlp", dataset=DATASETS, seed=seed)
    )


def scheme_models(dataset=DATASETS, seed="0") -> set:
    """The jobs that train each scheme's experts and fuser (one job per scheme: the mlp family
    trains them in one process)."""
    common = {"dataset": dataset, "family": "mlp", "seed": seed}
    return jobs("train_rus_scheme", **common, scheme="rus") | jobs(
        "train_five_scheme", **common, scheme="five"
    )


def models_onwards(dataset, seed="0", baseline=True, pid=True) -> set:
    """The dataset's experts and fusers onwards (and its single model), then the tables."""
    common = {"dataset": dataset, "family": "mlp", "seed": seed}
    planned = (
        scheme_models(dataset, seed)
        | jobs("fuse", **common, scheme=SCHEMES)
        | jobs("evaluate", **common, scheme=SCHEMES)
        | AGGREGATES
    )
    if baseline:
        planned |= jobs("train_baseline", **common)
    if pid:
        planned |= jobs("dataset_pid", dataset=dataset)
    return planned


def fusion_onwards(seed="0") -> set:
    """Every fusion, the datasets' and the multitask ones, then the tables and the PID of the
    fused predictions."""
    common = {"family": "mlp", "dataset": DATASETS, "seed": seed}
    return (
        jobs("fuse", **common, scheme=SCHEMES)
        | jobs("evaluate", **common, scheme=SCHEMES)
        | jobs("fuse_multitask", **common, group="pooled")
        | jobs("evaluate_multitask", **common, group="pooled")
        | jobs("dataset_pid", dataset=DATASETS)
        | AGGREGATES
    )


def partition_onwards(dataset) -> set:
    return (
        jobs("partition_interactions", dataset=dataset)
        | models_onwards(dataset, baseline=False)
        | multitask_onwards()
    )


def labeling_onwards(dataset) -> set:
    return (
        jobs("label_unimodal", dataset=dataset, view=("x1", "x2"))
        | jobs("labeling_summary", dataset=dataset)
        | partition_onwards(dataset)
    )


def ingest_onwards(dataset) -> set:
    return (
        jobs("ingest", dataset=dataset)
        | jobs("embed_view", dataset=dataset, view=("x1", "x2"))
        | jobs("discretise_view", dataset=dataset, view=("x1", "x2"))
        | labeling_onwards(dataset)
        | jobs("train_baseline", dataset=dataset, family="mlp", seed="0")
    )


def _edited(workdir, tmp_path, edit):
    """Path of a copy of the run's config changed by ``edit``."""
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    edit(config)
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def planned(workdir, configfile=None, *args: str) -> set:
    """(rule, wildcards) of every job a dry run would execute (members of group jobs, which a
    dry run lists indented under their group, included)."""
    result = run_snakemake(workdir, "-n", "--cores", "1", "all", *args, configfile=configfile)
    found = set()
    for block in re.split(r"\n(?=\s*(?:local)?rule \w+:)", result.stdout):
        rule = re.match(r"(?:local)?rule (\w+):", block.strip())
        if rule:
            pairs = re.search(r"^\s*wildcards: (.*)$", block, re.MULTILINE)
            wildcards = dict(p.split("=", 1) for p in pairs.group(1).split(", ")) if pairs else {}
            found.add((rule.group(1), frozenset(wildcards.items())))
    return found


def _set(*keys_and_value):
    """An edit setting the config value at ``keys`` (all but the last argument)."""
    *keys, value = keys_and_value

    def edit(config):
        node = config
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value

    return edit


# Params-only reruns are also checked with ``--rerun-triggers params``.
@pytest.mark.parametrize("triggers", [(), ("--rerun-triggers", "params")])
def test_a_labeling_parameter_reruns_labeling_onwards_only(tiny_run, tmp_path, triggers):
    edit = _set("datasets", "mustard", "labeling", "params", "C", 0.1)
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit), *triggers) == labeling_onwards(
        "mustard"
    )


def test_the_labels_positive_rate_bound_reruns_labeling_onwards_only(tiny_run, tmp_path):
    edit = _set("datasets", "mustard", "labeling", "positive_rate_bound", 0.3)
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == labeling_onwards("mustard")


def test_the_confidence_filter_reruns_partition_onwards_only(tiny_run, tmp_path):
    edit = _set("datasets", "synthetic", "confidence_filter", 0.3)
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == partition_onwards("synthetic")


def test_the_fusers_loss_reruns_the_scheme_models_onwards_only(tiny_run, tmp_path):
    """The fusers train in their scheme's job (with its experts): those jobs rerun, not the
    single models, labels or partitions."""
    edit = _set("fusion", "fuser_training", {"loss": "focal", "class_weights": "balanced"})
    expected = scheme_models() | fusion_onwards()
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == expected


def test_per_model_jobs_rerun_only_the_fusers_for_a_fusers_loss(tiny_run, tmp_path):
    """With ``jobs: per_model`` each model is its own job: a fuser setting reruns the fusers."""
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    per_model = _edited(workdir, tmp_path, _set("families", "mlp", "jobs", "per_model"))
    run_snakemake(workdir, "--cores", "2", "all", configfile=per_model)
    config = yaml.safe_load(per_model.read_text())
    config["fusion"]["fuser_training"] = {"loss": "focal", "class_weights": "balanced"}
    edited = tmp_path / "per_model_focal.yaml"
    edited.write_text(yaml.safe_dump(config, sort_keys=False))
    fusers = jobs("train_fuser", family="mlp", dataset=DATASETS, scheme=SCHEMES, seed="0")
    assert planned(workdir, edited) == fusers | fusion_onwards()


def test_labeling_resources_rerun_nothing(tiny_run, tmp_path):
    edit = _set("datasets", "mustard", "labeling", "resources", {"mem_mb": 999})
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == set()


def test_gamma_reruns_partition_onwards_only(tiny_run, tmp_path):
    edit = _set("datasets", "synthetic", "gamma", 0.7)
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == partition_onwards("synthetic")


def test_an_image_encoder_reruns_the_image_views_embedding_onwards_only(tiny_run, tmp_path):
    folder = tiny_clip(tmp_path / "clip", full=False)
    edit = _set("datasets", "synthetic", "image_encoder", str(folder))
    expected = ingest_onwards("synthetic") - jobs("ingest", dataset="synthetic")
    text_view = {"dataset": "synthetic", "view": "x2"}
    for stage in ("embed_view", "discretise_view", "label_unimodal"):
        expected -= jobs(stage, **text_view)
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == expected


def test_a_family_that_reads_no_features_needs_no_embedding(tiny_run, tmp_path):
    """A LoRA family reads the raw views: its single model waits for the rows, not for the
    features (an encoder edit reruns only those of its models that the labels, and with them the
    partitions, depend on)."""

    def edit(config):
        model = {"model_path": config["text_encoder"]}  # made by prepare_text_encoder
        config["families"]["encoder-lora"] = {"params": model, "jobs": "per_model"}
        config["datasets"]["mustard"]["families"] = ["mlp", "encoder-lora"]

    target = "results/mustard/logits/encoder-lora/single_model/seed0.parquet"
    edited = _edited(tiny_run, tmp_path, edit)
    result = run_snakemake(tiny_run, "-n", "--forceall", target, configfile=edited)
    rules = set(re.findall(r"^\s*(?:local)?rule (\w+):", result.stdout, re.MULTILINE))
    assert rules == {"ingest", "prepare_text_encoder", "train_baseline"}


def test_a_family_parameter_reruns_that_familys_models_onwards_only(tiny_run, tmp_path):
    edit = _set("families", "mlp", "params", "hidden", 16)
    expected = models_onwards("mustard") | models_onwards("synthetic") | multitask_onwards()
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == expected


def test_the_fusion_method_reruns_fusion_onwards_only(tiny_run, tmp_path):
    edit = _set("fusion", "method", "proxy")
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == fusion_onwards()


def test_the_fusers_probabilities_rerun_the_scheme_models_onwards_only(tiny_run, tmp_path):
    edit = _set("fusion", "fuser_probabilities", True)
    expected = scheme_models() | fusion_onwards()
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == expected


def test_a_new_seed_runs_only_that_seeds_jobs_and_the_tables(tiny_run, tmp_path):
    edit = _set("seeds", [0, 7])
    expected = (
        models_onwards("mustard", "7", pid=False)
        | models_onwards("synthetic", "7", pid=False)
        | multitask_onwards("7")
    )
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == expected


def test_reordered_keys_rerun_nothing(tiny_run, tmp_path):
    def reverse(node):
        if isinstance(node, dict):
            return {k: reverse(node[k]) for k in reversed(list(node))}
        return node

    def edit(config):
        reordered = reverse(config)
        config.clear()
        config.update(reordered)

    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == set()


def test_human_annotations_rerun_only_the_tables(tiny_run, tmp_path):
    annotations = tmp_path / "human.csv"
    annotations.write_text("id,type\n")
    edit = _set("datasets", "mustard", "human_annotations", str(annotations))
    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == AGGREGATES


def test_a_familys_own_seeds_and_schemes_limit_its_jobs(tiny_run, tmp_path):
    def edit(config):
        config["seeds"] = [0, 5]
        config["families"]["mlp"].update(seeds=[0], schemes=["rus"])

    assert planned(tiny_run, _edited(tiny_run, tmp_path, edit)) == AGGREGATES


def test_rows_appended_to_the_source_rerun_that_dataset_from_ingest(tiny_run, tmp_path):
    workdir = tmp_path / "run"
    shutil.copytree(tiny_run, workdir, symlinks=True)
    source = workdir / "mustard.json"
    records = json.loads(source.read_text())
    records["appended_1"] = {**next(iter(records.values())), "utterance": "One more line."}
    source.write_text(json.dumps(records))
    assert planned(workdir) == ingest_onwards("mustard")


def test_appended_rows_are_the_only_ones_a_chat_model_labels_again(tmp_path, monkeypatch):
    """With the ``openai`` backend, a rerun after rows are appended to the source reruns ingest
    onwards, but only the new rows reach the model (the row cache): requests are counted."""
    from tests.loopback_openai import LoopbackOpenAI
    from tests.test_labeling_openai import KEY, params

    monkeypatch.setenv("MMOE_TEST_KEY", KEY)
    config = yaml.safe_load(tiny_config(tmp_path).read_text())
    config["datasets"] = {"mustard": config["datasets"]["mustard"]}
    config.pop("multitask")
    summary = "results/mustard/unimodal/summary.csv"
    with LoopbackOpenAI() as server:
        config["datasets"]["mustard"]["labeling"] = {
            "backend": "openai", "params": params(server), "shards": 2,
        }  # fmt: skip
        (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
        run_snakemake(tmp_path, "--cores", "2", summary)
        data = pd.read_parquet(tmp_path / "results/mustard/data.parquet")
        rows = len(data)
        # one request per distinct view content (rows repeating a text share its cached answer)
        assert server.requests == data["x1"].nunique() + data["x2"].nunique()
        source = tmp_path / "mustard.json"
        records = json.loads(source.read_text())
        for i in range(3):
            records[f"appended_{i}"] = {
                **next(iter(records.values())), "utterance": f"New {i}.", "context": [f"Then {i}."],
            }  # fmt: skip
        source.write_text(json.dumps(records))
        before = server.requests
        run_snakemake(tmp_path, "--cores", "2", summary)
        assert server.requests - before == 2 * 3
    labeled = pd.read_parquet(tmp_path / "results/mustard/unimodal/x1.parquet")
    assert len(labeled) == rows + 3

"""The shipped config/paper-artifacts.yaml end to end on files in the authors' formats (written by
tests/authors_fixture.py, never the authors' own): the artifacts copied from a local folder with
their checksums, precomputed labels, the given split, imported models; what it plans and reruns."""

import json

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.authors_fixture import authors_config
from tests.conftest import run_snakemake
from tests.test_incremental import AGGREGATES, jobs, planned

pytestmark = pytest.mark.slow

DATASET = "mustard_paper"
FAMILIES = ("imported-albef", "imported-blip2", "imported-qwen-1.5b", "imported-qwen-1.5b-june")


@pytest.fixture(scope="module")
def authors_run(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("authors")
    authors_config(workdir)
    run_snakemake(workdir, "--cores", "2", "all")
    return workdir


def test_the_imported_families_train_nothing(tmp_path):
    authors_config(tmp_path)
    rules = {rule for rule, _ in planned(tmp_path)}
    assert not {r for r in rules if r.startswith("train")}
    assert {"import_single_model", "import_rus_scheme", "fetch_artifact"} <= rules
    assert "label_shard" not in rules  # the labels are read, not made


def test_the_paper_views_train_this_workflows_families_beside_the_imported(tmp_path):
    """config/mustard-paper.yaml over it: mlp, encoder-lora and causal-lm-lora train on the
    authors' partition; the classifier twin and the SmolLM2 twin label the same rows themselves."""
    authors_config(tmp_path, overlay=True)
    plan = planned(tmp_path)
    twins = {"mustard_paper_classifier", "mustard_paper_llm"}
    trained = {dict(w).get("dataset") for rule, w in plan if rule.startswith("train")}
    assert trained == {DATASET, *twins}
    families = {(dict(w)["dataset"], dict(w)["family"]) for rule, w in plan if rule == "fuse"}
    ours = {"mlp", "encoder-lora", "causal-lm-lora"}
    assert families == {(DATASET, f) for f in {*FAMILIES, *ours}} | {(t, "mlp") for t in twins}
    labeled = {dict(w)["dataset"] for rule, w in plan if rule == "label_unimodal"}
    assert labeled == {DATASET, *twins}
    assert {dict(w)["dataset"] for rule, w in plan if rule == "label_shard"} == {
        "mustard_paper_llm"
    }
    embedded = {dict(w)["dataset"] for rule, w in plan if rule == "embed_view"}
    assert embedded == {DATASET, *twins}


def test_our_typing_of_their_predictions_is_their_partition(authors_run):
    table = pd.read_csv(authors_run / "results/tables/paper_reproduction.csv")
    typing = table[table["section"] == "typing"]
    assert len(typing) == 9  # three splits, three types
    assert (typing["status"] == "exact").all(), typing


def test_the_single_model_f1_is_the_one_of_its_logits(authors_run):
    """Binary F1 of the fixture's single-model logits, computed here by hand."""
    path = authors_run / (
        "authors/cdfc359/mustard_data/expert_inference_output/expert_blip2/mustard_baseline_logits.jsonl"
    )
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    pred = np.array([int(np.argmax(line["logits"])) for line in lines])
    gold = np.array([int(line["target"]) for line in lines])
    tp = int(((pred == 1) & (gold == 1)).sum())
    f1 = 200 * tp / ((pred == 1).sum() + (gold == 1).sum())
    table = pd.read_csv(authors_run / "results/tables/main_results.csv")
    row = table[(table["family"] == "imported-blip2") & (table["method"] == "single model")]
    assert row["f1_mean"].item() == pytest.approx(f1)


def test_no_validation_logits_leave_the_router_fixed_and_the_table_says_so(authors_run):
    settings = json.loads(
        (authors_run / f"results/{DATASET}/fused/imported-albef/rus/seed0.json").read_text()
    )
    assert settings["mmoe_router"] == "model" and settings["router_fixed"]
    assert all(v is None for v in settings["router_val_f1"].values())


def _edited(workdir, edit):
    config = yaml.safe_load((workdir / "config.yaml").read_text())
    edit(config)
    path = workdir / "edited.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def fusion_onwards(family) -> set:
    common = {"dataset": DATASET, "family": family, "scheme": "rus", "seed": "0"}
    rerun = jobs("fuse", **common) | jobs("evaluate", **common)
    return rerun | jobs("dataset_pid", dataset=DATASET) | AGGREGATES


def test_a_fusion_setting_reruns_only_fusion_onwards(authors_run):
    weights = {"R": 1, "U": 1, "S": 1}
    path = _edited(authors_run, lambda c: c["fusion"].update(fixed_weights=weights))
    assert planned(authors_run, path) == fusion_onwards(FAMILIES)


def test_one_familys_fusion_block_reruns_that_family_only(authors_run):
    def edit(config):
        config["families"]["imported-blip2"]["fusion"] = {"combine": "probabilities"}

    assert planned(authors_run, _edited(authors_run, edit)) == fusion_onwards("imported-blip2")


def test_downloading_instead_of_copying_reruns_nothing(authors_run):
    path = _edited(authors_run, lambda c: c.update(artifacts_dir=None))
    assert planned(authors_run, path) == set()


def test_a_file_with_another_checksum_is_refused(tmp_path):
    authors_config(tmp_path)
    name = "cdfc359/mustard_data/data_raw/mustard_dataset_test.json"
    (tmp_path / "authors" / name).write_text("{}")
    result = run_snakemake(tmp_path, "--cores", "1", f"resources/artifacts/{name}", check=False)
    assert result.returncode != 0
    log = (tmp_path / f"logs/artifacts/{name}.log").read_text()
    assert "does not match the manifest's" in log and "refusing to use it" in log
    assert not (tmp_path / f"resources/artifacts/{name}").exists()

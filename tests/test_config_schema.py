"""The config schema refuses unknown keys (typos) and names the key and the allowed ones."""

import copy
import re
import shutil

import pandas as pd
import pytest
import yaml
from jsonschema import Draft202012Validator

from mmoe.config_checks import ConfigError, check_config
from mmoe.families import FAMILIES
from mmoe.families.hf_training import RUN_CONTROL
from mmoe.families.mlp import DEFAULTS as MLP_DEFAULTS
from tests.conftest import REPO, run_snakemake, tiny_config

SCHEMA = REPO / "workflow/schemas/config.schema.yaml"
DEFAULT = yaml.safe_load((REPO / "config.yaml").read_text())
OPENAI = {"backend": "openai", "params": {"model": "m", "concurrency": 4}}


def _errors(config: dict) -> str:
    """The workflow's refusal of ``config`` ('' when it is valid)."""
    try:
        check_config(copy.deepcopy(config), SCHEMA)
    except ConfigError as error:
        return str(error)
    return ""


def _with(path: tuple, value, config: dict = DEFAULT) -> dict:
    edited = copy.deepcopy(config)
    *parents, key = path
    target = edited
    for name in parents:
        target = target.setdefault(name, {})
    target[key] = value
    return edited


PAPER_ARTIFACTS = yaml.safe_load((REPO / "config/paper-artifacts.yaml").read_text())


@pytest.mark.parametrize(
    "config",
    [DEFAULT, yaml.safe_load((REPO / "tests/configs/tiny.yaml").read_text()), PAPER_ARTIFACTS],
)
def test_shipped_configs_are_valid(config):
    assert _errors(config) == ""


def test_an_imported_family_needs_a_file_for_every_model():
    files = PAPER_ARTIFACTS["families"]["imported-blip2"]["params"]["files"]["mustard_paper"]
    config = _with(
        ("families", "imported-blip2", "params", "files", "mustard_paper"),
        {k: v for k, v in files.items() if k != "S"},
        PAPER_ARTIFACTS,
    )
    assert _errors(config).startswith(
        "families.imported-blip2.params.files.mustard_paper.S: required (dataset "
        "'mustard_paper' runs 'imported-blip2': a file for each of single_model, R, U, S, fuser)"
    )


def test_an_imported_familys_name_and_params_are_checked():
    family = PAPER_ARTIFACTS["families"]["imported-blip2"]
    renamed = _with(("families", "imported blip"), family, PAPER_ARTIFACTS)
    assert "'imported blip' is not one of the known names" in _errors(renamed)
    typo = _with(("families", "imported-blip2", "params", "logit"), "logits", PAPER_ARTIFACTS)
    assert "unknown key ('logit' was unexpected)" in _errors(typo)
    manifest = _with(("artifacts", "files", "x/y.json"), "not-a-checksum", PAPER_ARTIFACTS)
    assert _errors(manifest).startswith("artifacts.files.x/y.json:")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (("families", "mlp", "params", "epoch"), "epochs"),
        (("families", "encoder-lora", "params", "lora_rank"), "lora_r"),
        (("families", "mlp", "seed"), "seeds"),
        (("families", "mlp", "resources", "memory"), "mem_mb"),
        (("datasets", "mustard", "gama"), "gamma"),
        (("datasets", "mustard", "labeling", "params", "fold"), "folds"),
        (("datasets", "mustard", "labeling", "shard"), "shards"),
        (("datasets", "mustard", "labeling", "resources", "memory"), "mem_mb"),
    ],
)
def test_an_unknown_key_is_refused_naming_it_and_the_allowed_ones(path, allowed):
    message = _errors(_with(path, 1))
    assert f"'{path[-1]}' was unexpected" in message and f"'{allowed}'" in message, message


@pytest.mark.parametrize("block", ["labeling", "captioning"])
def test_chat_backend_params_are_checked_per_backend(block):
    config = _with(("datasets", "mustard", block), OPENAI)
    assert _errors(config) == ""
    typo = _with(("datasets", "mustard", block, "params", "concurency"), 4, config)
    message = _errors(typo)
    assert "'concurency' was unexpected" in message and "'concurrency'" in message, message
    vllm_only = _with(("datasets", "mustard", block, "params", "tensor_parallel_size"), 2, config)
    assert "'tensor_parallel_size' was unexpected" in _errors(vllm_only)


def test_an_unknown_family_is_refused():
    config = _with(("families", "mpl"), DEFAULT["families"]["mlp"])
    assert "'mpl' is not one of" in _errors(config)


def _settable(name: str) -> set[str]:
    """The params family ``name`` reads: its defaults (and a LoRA family's run control)."""
    if name == "mlp":
        return set(MLP_DEFAULTS)
    return set(FAMILIES[name]().hyper_parameters({})) | set(RUN_CONTROL)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_param_a_family_reads_may_be_set(name):
    config = _with(("families", name), {"params": dict.fromkeys(_settable(name), None)})
    schema = yaml.safe_load(SCHEMA.read_text())
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(config)]
    assert not [e for e in errors if "was unexpected" in e], errors


def test_snakemake_refuses_a_config_typo_before_any_job(tmp_path):
    config = yaml.safe_load(tiny_config(tmp_path).read_text())
    config["families"]["mlp"]["params"]["epoch"] = 3
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    result = run_snakemake(tmp_path, "-n", "all", check=False)
    assert result.returncode != 0
    assert "'epoch' was unexpected" in result.stderr + result.stdout


# Stages that no dataset_params call reads: `jobs` keys choose which jobs exist, `tables` keys
# are the tables rule's input files, `none` keys (job resources) are read by no job.
NO_PARAMS_STAGES = {"jobs", "tables", "none"}


def schema_stages() -> dict[str, set]:
    """Each dataset key (and labeling/captioning key, dotted) -> the stages it names."""
    schema = yaml.safe_load(SCHEMA.read_text())
    keys = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    named = dict(keys.items())
    for block in ("labeling", "captioning"):
        named |= {f"{block}.{k}": v for k, v in keys[block]["properties"].items()}
    return {
        k: {v["stage"]} if isinstance(v.get("stage"), str) else set(v.get("stage", []))
        for k, v in named.items()
    }


def test_every_dataset_key_names_stages_that_the_rules_read():
    """workflow/rules/common.smk gives each job only its stage's keys (dataset_params), read
    from these `stage` annotations: each names a stage some rule asks for."""
    rules = "".join(p.read_text() for p in (REPO / "workflow/rules").rglob("*.smk"))
    asked = set(re.findall(r'(?:dataset_params|view_kind)\("(\w+)"', rules))
    stages = schema_stages()
    assert {k for k, v in stages.items() if not v} == set()
    assert set().union(*stages.values()) == asked | NO_PARAMS_STAGES
    assert stages["gamma"] == {"partition", "fusion"}
    assert stages["labeling.decision"] == {"label"}  # the gather: changing it relabels nothing
    assert stages["labeling.resources"] == {"none"}


def test_a_dataset_key_without_a_stage_stops_the_workflow(tmp_path):
    schema = yaml.safe_load(SCHEMA.read_text())
    del schema["properties"]["datasets"]["additionalProperties"]["properties"]["gamma"]["stage"]
    repo = tmp_path / "repo"
    shutil.copytree(REPO / "workflow", repo / "workflow")
    shutil.copy(REPO / "Snakefile", repo / "Snakefile")
    (repo / "workflow/schemas/config.schema.yaml").write_text(yaml.safe_dump(schema))
    workdir = tmp_path / "work"
    workdir.mkdir()
    tiny_config(workdir)
    result = run_snakemake(workdir, "-n", "all", snakefile=repo / "Snakefile", check=False)
    assert result.returncode != 0
    assert "dataset keys without a `stage`: ['gamma']" in result.stdout + result.stderr


def test_the_schemas_schemes_are_the_known_ones():
    from mmoe.interactions import SCHEMES

    schema = yaml.safe_load(SCHEMA.read_text())
    family = schema["$defs"]["family"]["properties"]["schemes"]["items"]["enum"]
    assert schema["properties"]["schemes"]["items"]["enum"] == family == list(SCHEMES)
    main = schema["properties"]["main_scheme"]["enum"]
    assert main == [s for s, (_, experts) in SCHEMES.items() if experts == "rus"]


def test_an_imported_family_runs_one_seed_and_one_scheme_and_is_never_pooled():
    seeds = _with(("families", "imported-blip2", "seeds"), [0, 1], PAPER_ARTIFACTS)
    assert _errors(seeds).startswith("families.imported-blip2.seeds: an imported family reads one")
    two = _with(("datasets", "copy"), PAPER_ARTIFACTS["datasets"]["mustard_paper"], PAPER_ARTIFACTS)
    for family in two["families"].values():
        family["params"]["files"]["copy"] = family["params"]["files"]["mustard_paper"]
    group = {"g": {"datasets": ["mustard_paper", "copy"], "families": ["imported-blip2"]}}
    pooled = _with(("multitask",), group, two)
    assert _errors(pooled).startswith("multitask.g.families[0]: 'imported-blip2' is imported")
    name = _with(("artifacts", "files", "zzz/a.json"), "0" * 64, PAPER_ARTIFACTS)
    assert _errors(name).startswith("artifacts.files.zzz/a.json: its first folder 'zzz' is not one")
    escape = _with(("artifacts", "files", "cdfc359/../a.json"), "0" * 64, PAPER_ARTIFACTS)
    assert _errors(escape).startswith("artifacts.files")


def test_a_config_with_only_a_datasets_block_plans_every_stage(tmp_path):
    """Every top-level key but `datasets` has a schema default: a first own config runs."""
    rows = pd.DataFrame({"id": [f"r{i}" for i in range(40)], "label": [0, 1] * 20})
    rows.assign(a=[f"a {i % 7}" for i in range(40)], b=[f"b {i % 5}" for i in range(40)]).to_csv(
        tmp_path / "pairs.csv", index=False
    )
    dataset = {
        "format": "table",
        "path": "pairs.csv",
        "columns": {"id": "id", "x1": "a", "x2": "b", "label": "label"},
        "views": {"x1": "text", "x2": "text"},
        "labeling": {"backend": "classifier"},
        "families": ["mlp"],
    }
    (tmp_path / "config.yaml").write_text(yaml.safe_dump({"datasets": {"mine": dataset}}))
    planned = run_snakemake(tmp_path, "-n", "--cores", "1", "all").stdout
    jobs = dict(re.findall(r"^(\w+)\s+(\d+)$", planned, flags=re.M))
    assert jobs["train_baseline"] == "3"  # seeds 0, 1, 2
    assert jobs["train_rus_scheme"] == "9" and jobs["train_five_scheme"] == "3"  # 4 schemes
    assert {"prepare_text_encoder", "label_unimodal", "fuse", "tables"} <= set(jobs)


def test_the_code_constants_of_schema_keys_are_the_schemas_defaults():
    from mmoe.labeling.classifier import CrossFitClassifier

    schema = yaml.safe_load(SCHEMA.read_text())
    tuning = schema["$defs"]["classifier_params"]["properties"]["tuning"]["default"]
    assert CrossFitClassifier({}, 0).tuning == tuning


def test_the_mustard_loaders_defaults_are_the_ones_the_schema_documents():
    """Format-specific keys take their defaults from the format's loader (a schema default would
    fill them into every dataset): the schema's descriptions name the loader's values."""
    import inspect

    from mmoe.datasets.mustard import load_mustard

    schema = yaml.safe_load(SCHEMA.read_text())
    keys = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    defaults = inspect.signature(load_mustard).parameters
    for key in ("test_show", "val_fraction", "x2_text"):
        assert "default" not in keys[key]
        assert f"(default: {defaults[key].default}, the loader's)" in keys[key]["description"]

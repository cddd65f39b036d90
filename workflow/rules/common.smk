from pathlib import Path, PurePosixPath
from types import SimpleNamespace
from urllib.parse import urlparse

from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

DATASETS = list(config["datasets"])
GROUPS = config.get("multitask", {})  # multitask group -> {datasets, families}
FAMILIES = sorted({f for d in config["datasets"].values() for f in d["families"]})
EXPERTS = ["R", "U", "S"]


def check_multitask_groups():
    """Each group's datasets exist and run its families (their own fuser and baseline are reused)."""
    for group, cfg in GROUPS.items():
        for dataset in cfg["datasets"]:
            runs = config["datasets"].get(dataset, {}).get("families", [])
            missing = sorted(set(cfg["families"]) - set(runs))
            if dataset not in config["datasets"] or missing:
                raise ValueError(
                    f"multitask group {group!r}: dataset {dataset!r} is not configured or does "
                    f"not run the families {missing or cfg['families']}"
                )


check_multitask_groups()


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
    scheme="rus|rus_balanced|random|soft|full",
    expert="R|U|S|all",
    role="R|U|S|all|fuser",
    seed=r"\d+",
    shard=r"\d+",


# Keys that only choose which jobs exist (families) or that only the tables read as an input file
# (human_annotations): never part of a job's params, so editing them reruns nothing else.
NON_JOB_KEYS = {"families", "human_annotations"}


def canonical(value):
    """``value`` with every mapping's keys sorted: reordering keys in a config file must not
    change a job's params (Snakemake compares their repr)."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


def dataset_cfg(wildcards):
    """The dataset's own config slice (params carry only this, for incrementality), without
    NON_JOB_KEYS."""
    cfg = config["datasets"][wildcards.dataset]
    return canonical({k: v for k, v in cfg.items() if k not in NON_JOB_KEYS})


def family_params(wildcards):
    return canonical(config["families"][wildcards.family]["params"])


def family_resource(key, default):
    return (
        lambda wildcards: config["families"][wildcards.family]
        .get("resources", {})
        .get(key, default)
    )


def dataset_key(key, default=None):
    """An input/params function giving the dataset's ``key`` (or ``default``)."""
    return lambda wildcards: dataset_cfg(wildcards).get(key, default)


def download_target(wildcards):
    """The file ``download`` fetches the dataset's ``url`` into (resources/{dataset}/{name})."""
    name = PurePosixPath(urlparse(dataset_cfg(wildcards)["url"]).path).name
    return f"resources/{wildcards.dataset}/{name}"


def frames_dir(wildcards):
    return f"results/{wildcards.dataset}/frames"


def ingest_source(wildcards):
    """The source (downloaded when ``path`` is missing and a ``url`` is set), then the frames
    extracted from ``videos_dir`` if any."""
    cfg = dataset_cfg(wildcards)
    if cfg["format"] == "synthetic":
        return f"results/{wildcards.dataset}/source"
    source = cfg.get("path")
    if "url" in cfg and not (source and Path(source).exists()):
        source = download_target(wildcards)
    return [source, *([frames_dir(wildcards)] if "videos_dir" in cfg else [])]


def ingest_cfg(wildcards):
    """The dataset's config, with ``frames_dir`` set to the extracted frames for videos."""
    cfg = dataset_cfg(wildcards)
    if "videos_dir" in cfg:
        return {**cfg, "frames_dir": frames_dir(wildcards)}
    return cfg


def feature_files(wildcards):
    return {v: f"results/{wildcards.dataset}/features/{v}.npy" for v in ("x1", "x2")}


def model_dir(role):
    return f"results/{{dataset}}/models/{{family}}/{{scheme}}/{role}/seed{{seed}}"


def logits_file(role, scheme="{scheme}"):
    return f"results/{{dataset}}/logits/{{family}}/{scheme}/{role}/seed{{seed}}.parquet"


def metric_runs():
    """One record per (dataset, family, scheme, seed) evaluation, with its metrics file."""
    return [
        {
            "dataset": d,
            "family": f,
            "scheme": s,
            "seed": seed,
            "path": f"results/{d}/metrics/{f}/{s}/seed{seed}.csv",
        }
        for d, cfg in config["datasets"].items()
        for f in cfg["families"]
        for s in family_schemes(f)
        for seed in family_seeds(f)
    ]


def synthetic_datasets():
    return [d for d, cfg in config["datasets"].items() if cfg["format"] == "synthetic"]


def pid_predictions(wildcards):
    """Per family of the dataset, the fused predictions (main scheme, its first seed) whose
    single-model and +MMoE columns the pid rule decomposes."""
    main = config["main_scheme"]
    return {
        f: f"results/{wildcards.dataset}/fused/{f}/{main}/seed{family_seeds(f)[0]}.parquet"
        for f in config["datasets"][wildcards.dataset]["families"]
    }


def get_final_output():
    """Every table and figure: the outputs of the tables rule (workflow/rules/tables.smk)."""
    return list(rules.tables.output)


def labeling_cfg(wildcards):
    return dataset_cfg(wildcards)["labeling"]


def labeling_resource(key, default):
    return (
        lambda wildcards: labeling_cfg(wildcards).get("resources", {}).get(key, default)
    )


def view_kind(wildcards):
    return dataset_cfg(wildcards)["views"][wildcards.view]


def label_inputs(wildcards):
    """Features for the classifier backend; the view's shards for chat-model backends."""
    data = f"results/{wildcards.dataset}/data.parquet"
    labeling = labeling_cfg(wildcards)
    if labeling["backend"] == "classifier":
        return {
            "data": data,
            "features": f"results/{wildcards.dataset}/features/{wildcards.view}.npy",
        }
    shards = range(labeling.get("shards", 1))
    prefix = f"results/{wildcards.dataset}/unimodal/shards/{wildcards.view}"
    return {"data": data, "shards": [f"{prefix}/{shard}.parquet" for shard in shards]}


def training_inputs(wildcards):
    """Data, features, row types and (except for the baseline) the scheme's partition."""
    inputs = {
        "data": f"results/{wildcards.dataset}/data.parquet",
        "typed": f"results/{wildcards.dataset}/interactions.parquet",
        **feature_files(wildcards),
    }
    if wildcards.scheme != "full":
        inputs["partition"] = (
            f"results/{wildcards.dataset}/partitions/{wildcards.scheme}"
        )
    for view in captioned_views(wildcards):
        inputs[f"caption_{view}"] = (
            f"results/{wildcards.dataset}/captions/{view}.parquet"
        )
    # a family fine-tuning the text encoder needs it extracted (prepare_text_encoder)
    if family_params(wildcards).get("model_path") == config["text_encoder"]:
        inputs["text_encoder"] = config["text_encoder"]
    return inputs


def captioned_views(wildcards):
    """The image views described by the dataset's ``captioning`` backend (none without one)."""
    cfg = dataset_cfg(wildcards)
    if "captioning" not in cfg:
        return []
    return [view for view, kind in cfg["views"].items() if kind == "image"]


def captioning_resource(key, default):
    return (
        lambda wildcards: dataset_cfg(wildcards)["captioning"]
        .get("resources", {})
        .get(key, default)
    )


def view_kinds(wildcards):
    return dataset_cfg(wildcards)["views"]


# Multitask experts (workflow/rules/multitask.smk)
def multitask_dir(kind):
    """A multitask expert's ``models`` or ``logits`` (one file per member dataset) folder."""
    return f"results/multitask/{{group}}/{kind}/{{family}}/{{expert}}/seed{{seed}}"


def multitask_members(wildcards):
    """Per member dataset of the group: its data, main-scheme partition, features, view kinds
    and captions (the train_multitask_expert inputs, keyed for mmoe.pipeline)."""
    main = config["main_scheme"]
    members = {}
    for dataset in GROUPS[wildcards.group]["datasets"]:
        member = SimpleNamespace(dataset=dataset)
        members[dataset] = {
            "data": f"results/{dataset}/data.parquet",
            "partition": f"results/{dataset}/partitions/{main}",
            "features": feature_files(member),
            "kinds": view_kinds(member),
            "captions": {
                view: f"results/{dataset}/captions/{view}.parquet"
                for view in captioned_views(member)
            },
        }
    return members


def multitask_inputs(wildcards):
    """Every file of every member (flattened from multitask_members)."""
    files = []
    for member in multitask_members(wildcards).values():
        files += [member["data"], member["partition"], *member["features"].values()]
        files += member["captions"].values()
    return files


def multitask_runs():
    """One record per (group, member dataset, family, seed) with its metrics file."""
    return [
        {
            "group": g,
            "dataset": d,
            "family": f,
            "seed": seed,
            "path": f"results/multitask/{g}/metrics/{f}/{d}/seed{seed}.csv",
        }
        for g, cfg in GROUPS.items()
        for d in cfg["datasets"]
        for f in cfg["families"]
        for seed in family_seeds(f)
    ]


# Tables and figures (workflow/rules/tables.smk)
TABLES = {  # table -> report category (every table is written as .md, .csv and .tex)
    "dataset_summary": "datasets",
    "pid": "datasets",
    "rus_agreement": "labeling",
    "five_types": "partitions",
    "per_interaction": "experts",
    "parameters": "experts",
    "main_results": "fusion",
    "partition_ablation": "ablations",
    "fusion_ablation": "ablations",
    "multitask": "ablations",
}
FIGURES = {"per_interaction": "experts", "parameters": "experts", "pid": "datasets"}


def model_runs():
    """One record per trained model the parameter table needs: the baseline and the main
    scheme's experts and fuser, per dataset, family and seed."""
    roles = [
        ("full", "all"),
        *((config["main_scheme"], r) for r in [*EXPERTS, "fuser"]),
    ]
    return [
        {
            "dataset": d,
            "family": f,
            "role": role,
            "seed": seed,
            "path": f"results/{d}/models/{f}/{scheme}/{role}/seed{seed}",
        }
        for d, cfg in config["datasets"].items()
        for f in cfg["families"]
        for scheme, role in roles
        for seed in family_seeds(f)
    ]


def annotated_datasets():
    return [d for d, cfg in config["datasets"].items() if "human_annotations" in cfg]


def five_type_scheme():
    """The soft scheme's experts where it runs, else the main scheme's."""
    return "soft" if "soft" in config["schemes"] else config["main_scheme"]


def registered(path, caption, category):
    """``path`` registered in the HTML report with a caption from workflow/report/."""
    return report(path, caption=f"../report/{caption}.rst", category=category)


def table_files(ext):
    return [f"results/tables/{name}.{ext}" for name in TABLES]

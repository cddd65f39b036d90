from snakemake.utils import validate

validate(config, schema="../schemas/config.schema.yaml")

DATASETS = list(config["datasets"])
FAMILIES = sorted({f for d in config["datasets"].values() for f in d["families"]})
EXPERTS = ["R", "U", "S"]


wildcard_constraints:
    dataset="|".join(DATASETS),
    view="x1|x2",
    family="|".join(FAMILIES),
    scheme="rus|rus_balanced|random|soft|full",
    expert="R|U|S|all",
    role="R|U|S|all|fuser",
    seed=r"\d+",


def dataset_cfg(wildcards):
    """The dataset's own config slice (params carry only this, for incrementality)."""
    return config["datasets"][wildcards.dataset]


def family_params(wildcards):
    return config["families"][wildcards.family]["params"]


def family_resource(key, default):
    return (
        lambda wildcards: config["families"][wildcards.family]
        .get("resources", {})
        .get(key, default)
    )


def ingest_source(wildcards):
    cfg = dataset_cfg(wildcards)
    if cfg["format"] == "synthetic":
        return f"results/{wildcards.dataset}/source"
    return cfg["path"]


def feature_files(wildcards):
    return {v: f"results/{wildcards.dataset}/features/{v}.npy" for v in ("x1", "x2")}


def model_dir(role):
    return f"results/{{dataset}}/models/{{family}}/{{scheme}}/{role}/seed{{seed}}"


def logits_file(role):
    return (
        f"results/{{dataset}}/logits/{{family}}/{{scheme}}/{role}/seed{{seed}}.parquet"
    )


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
        for s in config["schemes"]
        for seed in config["seeds"]
    ]


def synthetic_datasets():
    return [d for d, cfg in config["datasets"].items() if cfg["format"] == "synthetic"]


def get_final_output():
    return [
        *expand(
            "results/tables/{table}.{ext}",
            table=[
                "main_results",
                "fusion_ablation",
                "per_interaction",
                "partition_ablation",
            ],
            ext=["md", "csv"],
        ),
        "results/tables/rus_agreement.csv",
        "results/figures/per_interaction.png",
    ]


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
    return inputs


def view_kinds(wildcards):
    return dataset_cfg(wildcards)["views"]

# Input, params and output-path functions of the rules in tables.smk.
from mmoe.stages.tables import FIGURES, TABLES


def metric_runs():
    """One record per (dataset, family, scheme, seed) evaluation, with its metrics file."""
    return [
        {
            "dataset": d,
            "family": f,
            "scheme": s,
            "seed": seed,
            "path": metrics_file(d, f, s, seed),
        }
        for d in DATASETS
        for f in config["datasets"][d]["families"]
        for s in family_schemes(f)
        for seed in family_seeds(f)
    ]


def fused_runs():
    """One record per fused run (dataset, family, scheme, seed) of the main scheme and of the
    five-type scheme, with its routing diagnostics (``routing``), settings (``settings``: the
    router of +MMoE) and predictions (``predictions``)."""
    diagnosed = {config["main_scheme"], "five"}
    records = []
    for run in metric_runs():
        if run["scheme"] in diagnosed:
            keys = {k: run[k] for k in ("dataset", "family", "scheme", "seed")}
            records.append(
                {
                    **keys,
                    "routing": fused_file("routing.csv", **keys),
                    "settings": fused_file("json", **keys),
                    "predictions": fused_file("parquet", **keys),
                }
            )
    return records


def model_runs():
    """One record per trained model the parameter table needs: the single model and the main
    scheme's experts and fuser, per dataset, family and seed."""
    main = config["main_scheme"]
    return [
        {
            "dataset": d,
            "family": f,
            "role": role,
            "seed": seed,
            "path": (
                SINGLE_MODEL_DIR if role == "all" else model_dir(role, main)
            ).format(dataset=d, family=f, seed=seed),
        }
        for d in DATASETS
        for f in config["datasets"][d]["families"]
        for role in ["all", *EXPERTS, "fuser"]
        for seed in family_seeds(f)
    ]


def synthetic_datasets():
    return [d for d in DATASETS if config["datasets"][d]["format"] == "synthetic"]


def reference_partition_files():
    """Every file of the datasets' ``reference_partition`` blocks (type -> files of ids)."""
    return sorted(
        {
            path
            for d in DATASETS
            for paths in config["datasets"][d].get("reference_partition", {}).values()
            for path in paths
        }
    )


def annotated_datasets():
    return [d for d in DATASETS if "human_annotations" in config["datasets"][d]]


def five_type_schemes():
    """The schemes whose experts the five-type table scores, in order of preference: the
    five-type experts, else the soft scheme's R/U/S experts, else the main scheme's."""
    return [s for s in ("five", "soft") if s in config["schemes"]] + [
        config["main_scheme"]
    ]


def registered(name, kind):
    """Table (``csv``) or figure (``png``) ``name`` in the HTML report, captioned by
    workflow/report/<name>.rst (figure_<name>.rst for figures), in its table's category.
    """
    folder, caption = (
        ("tables", name) if kind == "csv" else ("figures", f"figure_{name}")
    )
    return report(
        f"results/{folder}/{name}.{kind}",
        caption=f"../report/{caption}.rst",
        category=TABLES[name].category,
    )

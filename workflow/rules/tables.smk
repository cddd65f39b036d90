rule pid:
    input:
        data="results/{dataset}/data.parquet",
        x1="results/{dataset}/features/x1.npy",
        x2="results/{dataset}/features/x2.npy",
        typed="results/{dataset}/interactions.parquet",
        predictions=lambda wildcards: pid_predictions(wildcards).values(),
    output:
        "results/{dataset}/pid.json",
    log:
        "logs/{dataset}/pid.log",
    conda:
        "../../envs/core.yaml"
    params:
        seed=config["seed"],
        families=lambda wildcards: list(pid_predictions(wildcards)),
    script:
        "../../scripts/pid.py"


rule tables:
    input:
        metrics=[run["path"] for run in metric_runs()],
        multitask=[run["path"] for run in multitask_runs()],
        models=[run["path"] for run in model_runs()],
        counts=expand("results/{dataset}/partitions/counts.csv", dataset=DATASETS),
        typed=expand("results/{dataset}/interactions.parquet", dataset=DATASETS),
        pid=expand("results/{dataset}/pid.json", dataset=DATASETS),
        data=expand("results/{dataset}/data.parquet", dataset=synthetic_datasets()),
        human=[config["datasets"][d]["human_annotations"] for d in annotated_datasets()],
        reported=config["reported"],
    output:
        **{
            f"{name}_csv": registered(f"results/tables/{name}.csv", name, category)
            for name, category in TABLES.items()
        },
        **{
            f"{name}_png": registered(
                f"results/figures/{name}.png", f"figure_{name}", category
            )
            for name, category in FIGURES.items()
        },
        markdown=table_files("md"),
        latex=table_files("tex"),
    log:
        "logs/tables.log",
    conda:
        "../../envs/core.yaml"
    params:
        runs=metric_runs(),
        multitask_runs=multitask_runs(),
        groups={g: cfg["datasets"] for g, cfg in GROUPS.items()},
        models=model_runs(),
        datasets=DATASETS,
        synthetic=synthetic_datasets(),
        annotated=annotated_datasets(),
        paper_models={f: c.get("paper_model") for f, c in config["families"].items()},
        schemes={"main": config["main_scheme"], "five_types": five_type_scheme()},
    script:
        "../../scripts/tables.py"

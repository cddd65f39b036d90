rule tables:
    input:
        metrics=[run["path"] for run in metric_runs()],
        counts=expand("results/{dataset}/partitions/counts.csv", dataset=DATASETS),
        typed=expand(
            "results/{dataset}/interactions.parquet", dataset=synthetic_datasets()
        ),
        data=expand("results/{dataset}/data.parquet", dataset=synthetic_datasets()),
        reported=config["reported"],
    output:
        tables=expand(
            "results/tables/{table}.{ext}",
            table=[
                "main_results",
                "fusion_ablation",
                "per_interaction",
                "partition_ablation",
            ],
            ext=["md", "csv"],
        ),
        agreement="results/tables/rus_agreement.csv",
        figure="results/figures/per_interaction.png",
    log:
        "logs/tables.log",
    conda:
        "../../envs/core.yaml"
    params:
        runs=metric_runs(),
        datasets=DATASETS,
        synthetic=synthetic_datasets(),
        paper_models={f: c.get("paper_model") for f, c in config["families"].items()},
        main_scheme=config["main_scheme"],
    script:
        "../../scripts/tables.py"

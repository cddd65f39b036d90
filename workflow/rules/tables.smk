rule tables:
    input:
        metrics=[run["path"] for run in metric_runs()],
        routing=[run["routing"] for run in fused_runs()],
        settings=[run["settings"] for run in fused_runs()],
        predictions=[run["predictions"] for run in fused_runs()],
        multitask=[run["path"] for run in multitask_runs()],
        models=[run["path"] for run in model_runs()],
        counts=expand(counts_file(), dataset=DATASETS),
        typed=expand(typed_file(), dataset=DATASETS),
        pid=expand(pid_file(), dataset=DATASETS),
        data=expand(data_file(), dataset=synthetic_datasets()),
        human=[config["datasets"][d]["human_annotations"] for d in annotated_datasets()],
        references=reference_partition_files(),
        reported=REPORTED,
    output:
        **{f"{name}_csv": registered(name, "csv") for name in TABLES},
        **{f"{name}_png": registered(name, "png") for name in FIGURES},
        markdown=expand("results/tables/{name}.md", name=TABLES),
        latex=expand("results/tables/{name}.tex", name=TABLES),
    log:
        "logs/tables.log",
    benchmark:
        "benchmarks/tables.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        runs=metric_runs(),
        fused=fused_runs(),
        multitask_runs=multitask_runs(),
        groups=canonical({g: cfg["datasets"] for g, cfg in GROUPS.items()}),
        models=model_runs(),
        datasets=DATASETS,
        synthetic=synthetic_datasets(),
        annotated=annotated_datasets(),
        reference_partitions=canonical(
            {
                d: config["datasets"][d]["reference_partition"]
                for d in DATASETS
                if "reference_partition" in config["datasets"][d]
            }
        ),
        paper_models=canonical(
            {f: c.get("paper_model") for f, c in config["families"].items()}
        ),
        paper_datasets=canonical(
            {d: config["datasets"][d].get("paper_dataset", d) for d in DATASETS}
        ),
        schemes={"main": config["main_scheme"], "five_types": five_type_schemes()},
        labelers={d: config["datasets"][d]["labeling"]["backend"] for d in DATASETS},
    script:
        "../../scripts/tables.py"

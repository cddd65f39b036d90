rule partition_interactions:
    input:
        data="results/{dataset}/data.parquet",
        x1="results/{dataset}/unimodal/x1.parquet",
        x2="results/{dataset}/unimodal/x2.parquet",
        # gate: the labeling summary fails on too many unparsed answers
        summary="results/{dataset}/unimodal/summary.csv",
    output:
        typed="results/{dataset}/interactions.parquet",
        counts="results/{dataset}/partitions/counts.csv",
        schemes=[
            directory(f"results/{{dataset}}/partitions/{scheme}")
            for scheme in config["schemes"]
        ],
    log:
        "logs/{dataset}/partition_interactions.log",
    benchmark:
        "benchmarks/{dataset}/partition_interactions.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        gamma=dataset_params("partition", "gamma"),
        confidence_filter=dataset_params("partition", "confidence_filter"),
        schemes=config["schemes"],
        seed=config["seed"],
    script:
        "../../scripts/partition_interactions.py"

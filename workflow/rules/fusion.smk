rule fuse:
    input:
        data="results/{dataset}/data.parquet",
        typed="results/{dataset}/interactions.parquet",
        partition="results/{dataset}/partitions/{scheme}",
        experts=expert_logits,
        fuser=logits_file("fuser"),
        baseline=SINGLE_MODEL_LOGITS,
    output:
        predictions="results/{dataset}/fused/{family}/{scheme}/seed{seed}.parquet",
        settings="results/{dataset}/fused/{family}/{scheme}/seed{seed}.json",
        routing="results/{dataset}/fused/{family}/{scheme}/seed{seed}.routing.csv",
    log:
        "logs/{dataset}/fuse/{family}/{scheme}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/fuse/{family}/{scheme}/seed{seed}.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        **fusion_params(),
    script:
        "../../scripts/fuse.py"


rule evaluate:
    input:
        predictions="results/{dataset}/fused/{family}/{scheme}/seed{seed}.parquet",
        typed="results/{dataset}/interactions.parquet",
    output:
        "results/{dataset}/metrics/{family}/{scheme}/seed{seed}.csv",
    log:
        "logs/{dataset}/evaluate/{family}/{scheme}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/evaluate/{family}/{scheme}/seed{seed}.tsv"
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/evaluate.py"

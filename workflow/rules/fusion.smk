rule fuse:
    input:
        data=data_file(),
        typed=typed_file(),
        partition=partition_dir(),
        experts=expert_logits,
        fuser=logits_file("fuser"),
        baseline=SINGLE_MODEL_LOGITS,
    output:
        predictions=fused_file("parquet"),
        settings=fused_file("json"),
        routing=fused_file("routing.csv"),
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
        predictions=fused_file("parquet"),
        typed=typed_file(),
    output:
        scores=metrics_file(),
    log:
        "logs/{dataset}/evaluate/{family}/{scheme}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/evaluate/{family}/{scheme}/seed{seed}.tsv"
    conda:
        "../../envs/core.yaml"
    script:
        "../../scripts/evaluate.py"

# Multitask experts (paper RQ4): one expert per type on the pooled partitions of a group of
# datasets, fused with each member's own fuser and baseline, and scored per member.


rule train_multitask_expert:
    input:
        unpack(multitask_inputs),
    output:
        model=directory(multitask_dir("models")),
        logits=directory(multitask_dir("logits")),
    log:
        "logs/multitask/{group}/train_expert/{family}/{expert}/seed{seed}.log",
    benchmark:
        "benchmarks/multitask/{group}/train_expert/{family}/{expert}/seed{seed}.tsv"
    group:
        cpu_group(TRAINING_GROUP, family_resource("gpu", 0))
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=family_resource("mem_mb", 2000),
        runtime=family_resource("runtime", 30),
        gpu=family_resource("gpu", 0),
    params:
        params=family_params,
        members=multitask_members,
    script:
        "../../scripts/train_multitask_expert.py"


use rule fuse as fuse_multitask with:
    input:
        typed=typed_file(),
        partition=partition_dir(config["main_scheme"]),
        experts=expand(multitask_dir("logits"), expert=EXPERTS, allow_missing=True),
        fuser=logits_file("fuser", config["main_scheme"]),
        baseline=SINGLE_MODEL_LOGITS,
    output:
        predictions=multitask_file("fused", "parquet"),
        settings=multitask_file("fused", "json"),
    log:
        "logs/multitask/{group}/fuse/{family}/{dataset}/seed{seed}.log",
    benchmark:
        "benchmarks/multitask/{group}/fuse/{family}/{dataset}/seed{seed}.tsv"
    params:
        **fusion_params(),
        logits_name=lambda wildcards: f"{wildcards.dataset}.parquet",


use rule evaluate as evaluate_multitask with:
    input:
        predictions=multitask_file("fused", "parquet"),
        typed=typed_file(),
    output:
        scores=multitask_file("metrics", "csv"),
    log:
        "logs/multitask/{group}/evaluate/{family}/{dataset}/seed{seed}.log",
    benchmark:
        "benchmarks/multitask/{group}/evaluate/{family}/{dataset}/seed{seed}.tsv"

rule train_expert:
    input:
        unpack(training_inputs),
    output:
        model=directory(model_dir("{expert}")),
        logits=logits_file("{expert}"),
    log:
        "logs/{dataset}/train_expert/{family}/{scheme}/{expert}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_expert/{family}/{scheme}/{expert}/seed{seed}.tsv"
    conda:
        "../../envs/train.yaml"
    threads: 1
    resources:
        mem_mb=family_resource("mem_mb", 2000),
        runtime=family_resource("runtime", 30),
        gpu=family_resource("gpu", 0),
    params:
        family=lambda wildcards: wildcards.family,
        params=family_params,
        kinds=view_kinds,
        role=lambda wildcards: wildcards.expert,
    script:
        "../../scripts/train_model.py"


use rule train_expert as train_fuser with:
    output:
        model=directory(model_dir("fuser")),
        logits=logits_file("fuser"),
    log:
        "logs/{dataset}/train_fuser/{family}/{scheme}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_fuser/{family}/{scheme}/seed{seed}.tsv"
    params:
        family=lambda wildcards: wildcards.family,
        params=family_params,
        kinds=view_kinds,
        role="fuser",

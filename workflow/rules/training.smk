# The single model (baseline), one expert per interaction type and the fuser of each scheme. Each
# job trains, reloads the saved model and writes its logits for the validation and test rows.


rule train_baseline:
    input:
        unpack(model_inputs),
    output:
        model=directory(SINGLE_MODEL_DIR),
        logits=SINGLE_MODEL_LOGITS,
    log:
        "logs/{dataset}/train_baseline/{family}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_baseline/{family}/seed{seed}.tsv"
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
        **MODEL_PARAMS,
    script:
        "../../scripts/train_model.py"


use rule train_baseline as train_expert with:
    input:
        unpack(expert_inputs),
    output:
        model=directory(model_dir("{expert}")),
        logits=logits_file("{expert}"),
    log:
        "logs/{dataset}/train_expert/{family}/{scheme}/{expert}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_expert/{family}/{scheme}/{expert}/seed{seed}.tsv"
    params:
        **MODEL_PARAMS,
        experts=canonical(config["experts"]),


use rule train_baseline as train_fuser with:
    input:
        unpack(fuser_inputs),
    output:
        model=directory(model_dir("fuser")),
        logits=logits_file("fuser"),
    log:
        "logs/{dataset}/train_fuser/{family}/{scheme}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/train_fuser/{family}/{scheme}/seed{seed}.tsv"
    params:
        **MODEL_PARAMS,
        fuser_probabilities=config["fusion"]["fuser_probabilities"],
        fuser_training=canonical(config["fusion"]["fuser_training"]),
        types=scheme_types,

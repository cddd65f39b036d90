# The single model (baseline), one expert per interaction type and the fuser of each scheme. Each
# model is trained, reloaded from disk and its logits written for the validation and test rows.
# A family's experts and fuser of one scheme train in one job, one after the other, so that Python,
# torch and the rows load once (an mlp trains in about a second); a family with `jobs: per_model`
# or GPU resources trains one model per job (a GPU job keeps its own GPU request).


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
    wildcard_constraints:
        family="|".join(map(re.escape, trained_families())) or "(?!)",
    # Started first when ready: the single models (every expert waits for its own) and, by
    # inheritance, the minutes-long per-model jobs, so that no core idles at the end of a run.
    priority: 1
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
        task="single_model",
    script:
        "../../scripts/train_model.py"


for expert_set, types in EXPERT_SETS.items():

    rule:
        name:
            f"train_{expert_set}_scheme"
        input:
            unpack(scheme_model_inputs),
        output:
            experts=[directory(model_dir(expert)) for expert in types],
            expert_logits=[logits_file(expert) for expert in types],
            fuser=directory(model_dir("fuser")),
            fuser_logits=logits_file("fuser"),
        log:
            "logs/{dataset}/train_scheme/{family}/{scheme}/seed{seed}.log",
        benchmark:
            "benchmarks/{dataset}/train_scheme/{family}/{scheme}/seed{seed}.tsv"
        wildcard_constraints:
            family=training_families(per_scheme=True),
            scheme=schemes_of(expert_set),
        group:
            TRAINING_GROUP
        conda:
            "../../envs/train.yaml"
        threads: 1
        resources:
            mem_mb=family_resource("mem_mb", 2000),
            runtime=family_resource("runtime", 30, models=len(types) + 1),
        params:
            **EXPERT_PARAMS | FUSER_PARAMS,
            task="scheme",
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
    wildcard_constraints:
        family=training_families(per_scheme=False),
    params:
        **EXPERT_PARAMS,
        task="expert",


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
    wildcard_constraints:
        family=training_families(per_scheme=False),
    params:
        **FUSER_PARAMS,
        task="fuser",

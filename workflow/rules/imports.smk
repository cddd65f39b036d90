# Imported families (mmoe.families.imported): their single model, experts and fuser are logits
# computed elsewhere, read into the same model folders and logits files as training writes, so
# that fusion, evaluation and every table run on them unchanged. Nothing is trained.


rule import_single_model:
    input:
        unpack(imported_inputs(SINGLE_MODEL)),
    output:
        model=directory(SINGLE_MODEL_DIR),
        logits=SINGLE_MODEL_LOGITS,
    log:
        "logs/{dataset}/import_single_model/{family}/seed{seed}.log",
    benchmark:
        "benchmarks/{dataset}/import_single_model/{family}/seed{seed}.tsv"
    wildcard_constraints:
        family=imported_families(),
    conda:
        "../../envs/core.yaml"
    params:
        task=SINGLE_MODEL,
        params=imported_params,
    script:
        "../../scripts/import_model.py"


for expert_set, types in EXPERT_SETS.items():

    rule:
        name:
            f"import_{expert_set}_scheme"
        input:
            unpack(imported_inputs(*types, "fuser")),
        output:
            experts=[directory(model_dir(expert)) for expert in types],
            expert_logits=[logits_file(expert) for expert in types],
            fuser=directory(model_dir("fuser")),
            fuser_logits=logits_file("fuser"),
        log:
            "logs/{dataset}/import_scheme/{family}/{scheme}/seed{seed}.log",
        benchmark:
            "benchmarks/{dataset}/import_scheme/{family}/{scheme}/seed{seed}.tsv"
        wildcard_constraints:
            family=imported_families(),
            scheme=schemes_of(expert_set),
        conda:
            "../../envs/core.yaml"
        params:
            task="scheme",
            params=imported_params,
            types=list(types),
        script:
            "../../scripts/import_model.py"

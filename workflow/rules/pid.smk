rule discretise_view:
    input:
        data=data_file(),
        features=features_file(),
    output:
        codes=pid_codes_file(),
    log:
        "logs/{dataset}/discretise_view/{view}.log",
    benchmark:
        "benchmarks/{dataset}/discretise_view/{view}.tsv"
    group:
        FEATURES_GROUP
    conda:
        "../../envs/core.yaml"
    params:
        kind=view_kind("pid"),
        encoder=view_encoder("pid"),
        seed=config["seed"],
    script:
        "../../scripts/discretise_view.py"


rule dataset_pid:
    input:
        unpack(pid_codes_files),
        data=data_file(),
        typed=typed_file(),
        predictions=lambda wildcards: pid_predictions(wildcards).values(),
    output:
        pid=pid_file(),
    log:
        "logs/{dataset}/dataset_pid.log",
    benchmark:
        "benchmarks/{dataset}/dataset_pid.tsv"
    conda:
        "../../envs/core.yaml"
    params:
        families=lambda wildcards: list(pid_predictions(wildcards)),
    script:
        "../../scripts/dataset_pid.py"
